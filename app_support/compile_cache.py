"""JAX's persistent compilation cache for the app server.

A fresh server compiles every jitted function a page calls on its first run (seconds per page
on two cores). With the persistent cache, compiled programs are written to disk and a restarted
server, or a second replica sharing the directory, loads them instead of compiling again:
`python -m bench.browser` measured first page loads 20-50 % shorter with a filled cache.
Every compilation is kept (no minimum compile time or size), since the app's programs are
small and many.

The directory is `$LLL_JAX_CACHE`, else `~/.cache/loss-landscape-lab/jax`; `LLL_JAX_CACHE=off`
turns the cache off. An unwritable directory only costs the speed-up (JAX warns and compiles
as before).
"""

from __future__ import annotations

import os
from pathlib import Path

import jax

DEFAULT_DIRECTORY = Path.home() / ".cache" / "loss-landscape-lab" / "jax"


def use_persistent_compile_cache(directory: str | os.PathLike | None = None) -> str:
    """Turn the cache on (once per process; later calls keep the first directory); return
    its directory, or "" when it is off."""
    current = jax.config.jax_compilation_cache_dir
    if current:
        return current
    chosen = str(directory or os.environ.get("LLL_JAX_CACHE") or DEFAULT_DIRECTORY)
    if chosen == "off":
        return ""
    jax.config.update("jax_compilation_cache_dir", chosen)
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
    return chosen
