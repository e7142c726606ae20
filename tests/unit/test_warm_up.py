"""`app_support.warm_up`: after the first page, one background thread imports every module the
other pages need, then freezes the start-up objects."""

import gc
import sys
import threading

from app_support import gc_freeze, warm_up


def test_finds_every_module_of_the_lab_and_the_lazy_libraries():
    names = warm_up.modules_to_import()
    for expected in ("landscapes.datasets", "optim.run", "viz.contour", "app_support.charts"):
        assert expected in names
    assert names[-2:] == ["pandas", "pyarrow"]
    assert len(names) == len(set(names))


def test_starts_one_thread_that_imports_them_and_then_freezes(monkeypatch):
    monkeypatch.setattr(warm_up, "_started", False)
    monkeypatch.setattr(warm_up, "done", threading.Event())
    monkeypatch.setattr(gc_freeze, "_frozen", False)
    monkeypatch.setattr(warm_up, "LAZY_LIBRARIES", ("pandas", "json.tool"))
    sys.modules.pop("json.tool", None)  # a module nothing else here imports
    try:
        assert warm_up.start()
        assert not warm_up.start()  # once per process
        assert warm_up.done.wait(120)
        assert "json.tool" in sys.modules and "landscapes.regions" in sys.modules
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()


def test_a_module_that_fails_to_import_does_not_stop_the_others(monkeypatch):
    monkeypatch.setattr(warm_up, "_started", False)
    monkeypatch.setattr(warm_up, "done", threading.Event())
    monkeypatch.setattr(gc_freeze, "_frozen", True)  # nothing to freeze in this test
    monkeypatch.setattr(warm_up, "LAZY_LIBRARIES", ("no_such_library_here", "json.tool"))
    sys.modules.pop("json.tool", None)
    assert warm_up.start()
    assert warm_up.done.wait(120)
    assert "json.tool" in sys.modules
