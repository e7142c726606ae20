"""The pages' notation keys: every page has one, each symbol means one thing on a page, and
the lectures' names for the learning rate, the penalty and δ are given."""

import pytest

from app_support import navigation, notation

PAGES = ("playground", "saddles", "momentum", "minibatches", "permutation", "regularization")


def test_every_page_but_home_has_a_key():
    pages = {info.path.removeprefix("pages/").removesuffix(".py") for info in navigation.PAGES}
    assert set(notation.ROWS) == pages - {"home"}
    assert set(PAGES) <= set(notation.ROWS)


@pytest.mark.parametrize("page", sorted(notation.ROWS))
def test_one_symbol_one_meaning_on_a_page(page):
    rows = notation.ROWS[page]
    found = notation.symbols(rows)
    assert len(found) == len(set(found)), sorted(s for s in found if found.count(s) > 1)
    assert all(meaning and names for _, meaning, names in rows)


@pytest.mark.parametrize("page", sorted(notation.ROWS))
def test_the_lectures_names_are_given(page):
    rows = {symbol: (meaning, names) for symbol, meaning, names in notation.ROWS[page]}
    if "ε" in rows:  # the learning rate: γ, η or ε in the lectures
        assert all(letter in rows["ε"][1] for letter in "γηε")
    for symbol, (meaning, _) in rows.items():
        if any(s.startswith("λ") for s in notation.symbols([(symbol, "", "")])):
            assert "penalty" in meaning or "eigenvalue" in meaning
    # λ never means two things: a penalty and an eigenvalue on one page
    meanings = " ".join(m for s, m, _ in notation.ROWS[page] if s.startswith("λ"))
    assert not ("penalty" in meanings and "eigenvalue" in meanings)
    if "δ" in rows:
        assert "backpropagation" in rows["δ"][1]


def test_symbols_split_a_row_into_its_letters():
    assert notation.symbols([("λ₁, λ₂; λ_u", "", ""), ("g = ∇E", "", "")]) == [
        "λ₁",
        "λ₂",
        "λ_u",
        "g",
        "∇E",
    ]
