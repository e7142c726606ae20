"""After a server's first page has run: import what every other page needs, in the background.

A fresh server imports a page's modules when the page is first visited: the lab's core and
figure builders, SciPy, pandas and pyarrow (Streamlit's tables) — 1.5-2 s of that page's
first load here (py-spy of a fresh server), paid by whoever opens it first. The first run of
`app.py` (usually the home page) starts one thread that imports them all while that visitor
reads the page; a page that needs a module meanwhile waits for Python's import lock instead of
importing it again. Then the start-up objects, the imports included, are frozen out of the
garbage collector's reach (`gc_freeze`).

The modules are found, not listed: every module of the lab's packages, plus the libraries
their pages load lazily (`LAZY_LIBRARIES`).

Then the same thread compiles the typed-formula interpreter (`compile_formula_programs`): the
first formula of each program length (16, 64 and 300 instructions, `landscapes.formula`)
compiles the programs of the playground's work on a formula (the grid, the critical-point
search, the default optimizers), tens of seconds on two cores, of which the critical-point
search is most. These programs do not depend on the formula, so they are compiled once here,
before a student types one, on a thread at the lowest CPU priority (other students' reruns
go first). With a persistent compile cache filled at build time (`python -m
app_support.warm_up`, see deploy/Dockerfile) they are loaded instead of compiled.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import pkgutil
import sys
import threading
import time
from collections.abc import Iterable

from app_support.gc_freeze import freeze_long_lived_objects

PACKAGES = ("landscapes", "optim", "viz", "app_support")
# Imported by Streamlit itself on a page's first table (st.dataframe), not by the lab's modules.
LAZY_LIBRARIES = ("pandas", "pyarrow")

# The playground's work on a typed formula, as a student's first formula asks for it.
FORMULA_BOX = ((-3.0, 3.0), (-3.0, 3.0))
FORMULA_GRID = 150  # pages/playground.py GRID
FORMULA_OPTIMIZERS = ("gd", "momentum", "adam")  # the playground's default choice
FORMULA_STEPS = 200  # the playground's default number of steps
FORMULA_LENGTHS: tuple[int, ...] | None = None  # None: every length class of the interpreter

_lock = threading.Lock()
_started = False
done = threading.Event()  # set when the imports have finished (tests and benchmarks wait)
formulas_done = threading.Event()  # set when the formula programs are compiled
_log = logging.getLogger(__name__)


def modules_to_import(packages: Iterable[str] = PACKAGES) -> list[str]:
    """Every module of `packages` (imported to list their contents), then `LAZY_LIBRARIES`."""
    names = []
    for package in packages:
        module = importlib.import_module(package)
        names.append(package)
        names += [info.name for info in pkgutil.walk_packages(module.__path__, f"{package}.")]
    return names + list(LAZY_LIBRARIES)


def formula_of_length(length: int) -> str:
    """A formula whose program is padded to ``length`` instructions: x + x·y + x·y + …,
    the shortest such sum (its value does not matter, only its length class)."""
    from landscapes.formula import PROGRAM_LENGTHS, parse_formula

    if length not in PROGRAM_LENGTHS:
        raise ValueError(f"no program length {length}; the lengths are {PROGRAM_LENGTHS}")
    text = "x"
    while parse_formula(text).program.shape[1] < length:
        text += "+x*y"
    return text


def playground_formula_work(text: str) -> None:
    """What the playground computes for a new typed formula at its default settings."""
    import numpy as np

    import landscapes
    import optim
    from landscapes.geometry import critical_points

    surface = landscapes.custom_surface(text, FORMULA_BOX)
    landscapes.loss_grid(surface.loss, surface.bounds, FORMULA_GRID)
    critical_points(surface.loss, surface.bounds)
    for name in FORMULA_OPTIMIZERS:
        optim.run(surface.loss, np.asarray(surface.starts[0]), name, FORMULA_STEPS)


def compile_formula_programs(lengths: Iterable[int] | None = None) -> dict[int, float]:
    """Run the playground's work on one formula of each program length in ``lengths`` (every
    length class by default), so that the compiled programs are in this process (and in the
    persistent compile cache when it is on). Seconds per length."""
    from landscapes.formula import PROGRAM_LENGTHS

    seconds = {}
    for length in PROGRAM_LENGTHS if lengths is None else lengths:
        start = time.perf_counter()
        playground_formula_work(formula_of_length(length))
        seconds[length] = time.perf_counter() - start
    return seconds


def _lowest_priority() -> None:
    """Give this thread the lowest CPU priority (Linux: a thread's nice value is its own)."""
    # Not Linux, or not allowed: it runs at normal priority.
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)


def _import_all() -> None:
    try:
        for name in modules_to_import():
            try:
                importlib.import_module(name)
            except Exception:  # a missing optional library costs only its speed-up
                _log.warning("warm-up could not import %s", name, exc_info=True)
    finally:
        freeze_long_lived_objects()
        done.set()
    # Opt-in: tracing those programs holds the GIL, so even at the lowest priority it slowed
    # every other session's reruns by about a third while it ran (bench.browser, playground
    # slider → redraw p50 352 ms against 263 ms without it, same hour, two cores). A deployed
    # image carries them in its baked compile cache instead (deploy/Dockerfile).
    if os.environ.get("LLL_WARM_FORMULAS", "0") != "1":
        formulas_done.set()
        return
    try:
        _lowest_priority()
        compile_formula_programs(FORMULA_LENGTHS)
    except Exception:  # a student's first formula then compiles them, as before
        _log.warning("warm-up could not compile the formula programs", exc_info=True)
    finally:
        formulas_done.set()


def start() -> bool:
    """Start the background imports, once per process; True if this call started them."""
    global _started
    with _lock:  # sessions run on threads of their own: two first runs may end together
        if _started:
            return False
        _started = True
    threading.Thread(target=_import_all, name="lll-warm-up", daemon=True).start()
    return True


if __name__ == "__main__":  # fill the persistent compile cache (an image's build step)
    from app_support.compile_cache import use_persistent_compile_cache

    directory = use_persistent_compile_cache()
    if not directory:
        sys.exit("no usable persistent compile cache: see app_support/compile_cache.py")
    for length, spent in compile_formula_programs().items():
        print(f"formula programs of length {length}: {spent:.1f} s into {directory}")
