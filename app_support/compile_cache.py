"""JAX's persistent compilation cache for the app server, kept private to the server.

A fresh server compiles every jitted function a page calls on its first run (seconds per page
on two cores). With the persistent cache, compiled programs are written to disk and a restarted
server loads them instead of compiling again: `python -m bench.browser` measured first page
loads 20-50 % shorter with a filled cache. Every compilation is kept (no minimum compile time
or size), since the app's programs are small and many.

The cache holds machine code that the server loads and runs whenever an entry's name matches
a program it needs: whoever can write to the directory can make the server compute anything.
So the directory must be the server's alone:

- it is created with mode 0700; an existing one is used only if it is a directory (not a
  link) owned by the server's user (or by root, for a read-only cache baked into an image) and
  not writable by group or others; otherwise a warning is logged and the server runs without
  a persistent cache (it compiles as before);
- its size is capped (``$LLL_JAX_CACHE_MAX_MB``, 512 MiB by default): the oldest entries are
  deleted at start-up until it fits (and, where the `filelock` package is installed, JAX
  evicts the least recently used ones beyond it while running);
- ``LLL_JAX_CACHE_READONLY=1`` reads entries and writes none (an image whose cache was filled
  at build time and is mounted read-only); never share a writable cache between pods or users.

The directory is `$LLL_JAX_CACHE`, else `~/.cache/loss-landscape-lab/jax`; `LLL_JAX_CACHE=off`
turns the cache off.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import stat
from pathlib import Path

import jax

DEFAULT_DIRECTORY = Path.home() / ".cache" / "loss-landscape-lab" / "jax"
DEFAULT_MAX_MB = 512
NEVER = 1e12  # seconds: a minimum compile time no program reaches, so nothing is written

log = logging.getLogger(__name__)


def use_persistent_compile_cache(directory: str | os.PathLike | None = None) -> str:
    """Turn the cache on (once per process; later calls keep the first directory); return
    its directory, or "" when it is off or the directory is refused (see the module doc)."""
    current = jax.config.jax_compilation_cache_dir
    if current:
        return current
    chosen = str(directory or os.environ.get("LLL_JAX_CACHE") or DEFAULT_DIRECTORY)
    if chosen == "off":
        return ""
    read_only = os.environ.get("LLL_JAX_CACHE_READONLY", "") not in ("", "0")
    problem = check_directory(Path(chosen), create=not read_only)
    if problem:
        log.warning("JAX compilation cache not used: %s; compiling without it", problem)
        return ""
    max_bytes = int(float(os.environ.get("LLL_JAX_CACHE_MAX_MB", DEFAULT_MAX_MB)) * 2**20)
    if not read_only:
        prune(Path(chosen), max_bytes)
    jax.config.update("jax_compilation_cache_dir", chosen)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
    if read_only:  # read entries, write none (no new ones, no access-time files, no lock)
        jax.config.update("jax_persistent_cache_min_compile_time_secs", NEVER)
    else:
        jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
        if importlib.util.find_spec("filelock"):  # JAX's own LRU eviction needs it
            jax.config.update("jax_compilation_cache_max_size", max_bytes)
    return chosen


def check_directory(directory: Path, create: bool = True) -> str:
    """Why ``directory`` must not hold the cache, or "" when it may. Creates it (0700, the
    parents with the default mode) when missing and ``create``."""
    if create and not os.path.lexists(directory):
        try:
            directory.parent.mkdir(parents=True, exist_ok=True)
            directory.mkdir(mode=0o700)
        except OSError as error:
            return f"cannot create {directory}: {error.strerror}"
    try:
        info = os.lstat(directory)
    except OSError as error:
        return f"cannot read {directory}: {error.strerror}"
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
        return f"{directory} is not a directory (a link is refused)"
    if info.st_uid not in (os.geteuid(), 0):
        return f"{directory} belongs to user {info.st_uid}, not to this server ({os.geteuid()})"
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return f"{directory} is writable by group or others (mode {stat.S_IMODE(info.st_mode):o})"
    return ""


def prune(directory: Path, max_bytes: int) -> int:
    """Delete the oldest files (by modification time) until the directory holds at most
    ``max_bytes``; return how many were deleted."""
    files = []
    for path in directory.rglob("*"):
        try:
            info = path.lstat()
        except OSError:
            continue
        if stat.S_ISREG(info.st_mode):
            files.append((info.st_mtime, info.st_size, path))
    total, deleted = sum(size for _, size, _ in files), 0
    for _, size, path in sorted(files, key=lambda f: f[0]):
        if total <= max_bytes:
            break
        try:
            path.unlink()
        except OSError:
            continue
        total, deleted = total - size, deleted + 1
    return deleted
