"""`app_support.warm_up`: after the first page, one background thread imports every module the
other pages need, then freezes the start-up objects."""

import gc
import os
import sys
import threading

import pytest

from app_support import gc_freeze, warm_up
from landscapes.formula import PROGRAM_LENGTHS, parse_formula


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
    monkeypatch.setattr(warm_up, "FORMULA_LENGTHS", ())  # compiled in tests/app instead
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
    monkeypatch.setattr(warm_up, "FORMULA_LENGTHS", ())
    sys.modules.pop("json.tool", None)
    assert warm_up.start()
    assert warm_up.done.wait(120)
    assert "json.tool" in sys.modules


@pytest.mark.parametrize("length", PROGRAM_LENGTHS)
def test_the_warm_up_formula_of_each_length_class_is_the_shortest_of_its_class(length):
    text = warm_up.formula_of_length(length)
    assert parse_formula(text).program.shape[1] == length
    shorter = text.removesuffix("+x*y")
    assert text == "x" or parse_formula(shorter).program.shape[1] < length


def _fresh_warm_up(monkeypatch):
    """A warm-up not started yet in this process, with nothing to import or freeze."""
    monkeypatch.setattr(warm_up, "_started", False)
    monkeypatch.setattr(warm_up, "done", threading.Event())
    monkeypatch.setattr(warm_up, "formulas_done", threading.Event())
    monkeypatch.setattr(gc_freeze, "_frozen", True)
    monkeypatch.setattr(warm_up, "LAZY_LIBRARIES", ())


def test_after_the_imports_the_thread_compiles_the_formula_programs_at_low_priority(monkeypatch):
    _fresh_warm_up(monkeypatch)
    seen = []

    def record(lengths):
        seen.append((lengths, warm_up.done.is_set()))
        seen.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
        return {}

    monkeypatch.setattr(warm_up, "compile_formula_programs", record)
    monkeypatch.setattr(warm_up, "FORMULA_LENGTHS", (16,))
    monkeypatch.setenv("LLL_WARM_FORMULAS", "1")  # opt-in: see _import_all
    before = os.getpriority(os.PRIO_PROCESS, 0)  # this thread's (Linux: per thread)
    assert warm_up.start()
    assert warm_up.formulas_done.wait(120)
    (lengths, imports_done), thread_nice = seen
    assert lengths == (16,) and imports_done
    assert thread_nice == 19 and os.getpriority(os.PRIO_PROCESS, 0) == before  # only its own


def test_without_the_opt_in_the_formula_programs_are_not_compiled(monkeypatch):
    _fresh_warm_up(monkeypatch)
    monkeypatch.delenv("LLL_WARM_FORMULAS", raising=False)
    compiled = []
    monkeypatch.setattr(warm_up, "compile_formula_programs", compiled.append)
    assert warm_up.start()
    assert warm_up.formulas_done.wait(120)
    assert compiled == []
