"""The start-up warm-up compiles the typed-formula interpreter before a student types one: the
playground's first formula of a length class then compiles nothing (`app_support.warm_up`)."""

from pathlib import Path

from streamlit.testing.v1 import AppTest

from app_support import warm_up
from tests.compiles import CompileCounter

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "playground.py")


def test_a_first_formula_after_the_warm_up_compiles_nothing():
    counter = CompileCounter()
    catalogue = AppTest.from_file(PAGE, default_timeout=300).run()  # the page's own programs
    assert not catalogue.exception
    warm_up.compile_formula_programs((16,))
    at = AppTest.from_file(PAGE, default_timeout=300)
    at.query_params["surface"] = "formula"
    at.query_params["f"] = "3*x**2 + y**2 - x*y + 1"  # 16 instructions, never run before
    with counter:
        at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert counter.count == 0
