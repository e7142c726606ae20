"""Counting XLA compilations in tests: "moving a slider compiles nothing" is checked with this.

with CompileCounter() as compiles:
    ...  # work that must reuse compiled programs
assert compiles.count == 0
"""

from __future__ import annotations

import jax

EVENT = "/jax/core/compile/backend_compile_duration"


class CompileCounter:
    """Counts XLA backend compilations (a `jax.monitoring` event) inside a `with` block."""

    def __init__(self):
        self.count, self.active = 0, False
        jax.monitoring.register_event_duration_secs_listener(self._listen)

    def _listen(self, event, duration, **kwargs):
        if self.active and event == EVENT:
            self.count += 1

    def __enter__(self):
        self.count, self.active = 0, True
        return self

    def __exit__(self, *exc):
        self.active = False
