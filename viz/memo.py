"""`Memo`: a small bounded cache that many sessions (threads of one server) may share.

A plain module-level dict evicted by hand (``pop(next(iter(d)))``) is not safe under threads:
two sessions evicting at once pop the same key (KeyError) or iterate a dict another thread is
changing (RuntimeError). ``Memo`` keeps its entries in an ``OrderedDict`` behind a lock,
evicts the least recently used entry beyond ``size``, and computes a missing value outside
the lock (two sessions may compute the same value once each; neither waits for the other).

    _LINES = Memo(16)
    lines = _LINES.get_or_compute(key, lambda: isolines(xs, ys, V, levels))
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

Value = TypeVar("Value")


class Memo(Generic[Value]):
    """At most ``size`` entries, least recently used evicted first; thread-safe."""

    def __init__(self, size: int):
        if size < 1:
            raise ValueError(f"a memo holds at least one entry, not {size}")
        self.size = size
        self._entries: OrderedDict[Hashable, Value] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def __contains__(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._entries

    def get_or_compute(self, key: Hashable, compute: Callable[[], Value]) -> Value:
        """The value kept for ``key``, else ``compute()`` (called without the lock held), kept."""
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
        value = compute()
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
