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
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
import threading
from collections.abc import Iterable

from app_support.gc_freeze import freeze_long_lived_objects

PACKAGES = ("landscapes", "optim", "viz", "app_support")
# Imported by Streamlit itself on a page's first table (st.dataframe), not by the lab's modules.
LAZY_LIBRARIES = ("pandas", "pyarrow")

_lock = threading.Lock()
_started = False
done = threading.Event()  # set when the imports have finished (tests and benchmarks wait)
_log = logging.getLogger(__name__)


def modules_to_import(packages: Iterable[str] = PACKAGES) -> list[str]:
    """Every module of `packages` (imported to list their contents), then `LAZY_LIBRARIES`."""
    names = []
    for package in packages:
        module = importlib.import_module(package)
        names.append(package)
        names += [info.name for info in pkgutil.walk_packages(module.__path__, f"{package}.")]
    return names + list(LAZY_LIBRARIES)


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


def start() -> bool:
    """Start the background imports, once per process; True if this call started them."""
    global _started
    with _lock:  # sessions run on threads of their own: two first runs may end together
        if _started:
            return False
        _started = True
    threading.Thread(target=_import_all, name="lll-warm-up", daemon=True).start()
    return True
