"""Every page shows its notation key (a menu, drawn while open), and the symbols renamed so
that one means one thing on a page stay renamed in what the page shows."""

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app_support import notation
from app_support.charts import drawn_figures

ROOT = Path(__file__).resolve().parents[2]
HEAD = "| here | what it is | in the lectures |"


def load(page: str, **params) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=180)
    for name, value in params.items():
        at.query_params[name] = value
    return at.run()


def shown_text(at: AppTest) -> str:
    """Every text on the page but the notation key itself."""
    parts = [m.value for m in at.markdown if HEAD not in m.value]
    parts += [c.value for c in at.caption] + [i.value for i in at.info]
    parts += [m.label for m in at.metric] + [str(m.help or "") for m in at.metric]
    for kind in ("slider", "select_slider", "selectbox", "number_input", "toggle"):
        parts += [w.label for w in getattr(at, kind)]
    return "\n".join(parts)


@pytest.mark.parametrize("page", sorted(notation.ROWS))
def test_each_page_shows_its_key_when_opened(page):
    at = load(page)
    assert not at.exception, [e.value for e in at.exception]
    assert not any(HEAD in m.value for m in at.markdown)  # closed: nothing drawn
    at.session_state[f"{page}.notation"] = True
    at.run()
    assert not at.exception
    (key,) = [m.value for m in at.markdown if HEAD in m.value]
    rows = key.splitlines()[2:]
    assert len(rows) == len(notation.ROWS[page])
    for (symbol, meaning, _), row in zip(notation.ROWS[page], rows, strict=True):
        assert row.startswith(f"| {symbol} | {meaning} |")


@pytest.mark.parametrize("view", ["slope", "ravine", "sweep", "map", "eigen"])
def test_momentum_page_writes_curvatures_as_h_not_lambda(view):
    # λ is the lectures' penalty; the momentum page's eigenvalues are h, its other step ε′.
    text = shown_text(load("momentum", view=view))
    assert "λ" not in text
    assert view not in ("ravine", "map") or "hₙ" in text


def test_network_page_keeps_lambda_for_the_penalties_and_alpha_for_momentum():
    at = load("networks", tab="weights", opt="momentum")
    assert not at.exception
    text = shown_text(at)
    axes = json.dumps([spec["layout"] for spec in drawn_figures(at)], ensure_ascii=False)
    assert "c₁ (eigenvector of h₁, the largest)" in axes and "eigenvector of λ" not in axes
    assert "α (" not in axes and "β (" not in axes  # α is momentum's, shown in the sidebar
    assert "α" in text  # … there it is
    labels = [w.label for w in at.selectbox] + [w.label for w in at.slider]
    assert not any(label.startswith("σ") for label in labels)  # σ is the sigmoid here
    # initialisations by formula and paper, the lecture's "Xavier" said next to them
    init = next(w for w in at.selectbox if w.label == "Initialisation")
    assert init.value == "xavier" and "LeCun et al. 1998" in init.format_func("xavier")
    assert any("calls N(0, 1/m) “Xavier”" in c.value for c in at.sidebar.caption)
