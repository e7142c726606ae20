"""The heaviest deep links a student can craft are bounded (`app_support.budget`): the page
says what it reduced, and the view finishes. The links are `bench.heavy_links`' (every number
at the top of its range)."""

from pathlib import Path

from streamlit.testing.v1 import AppTest

from app_support import budget

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 600  # the heaviest views, first run in this process: compilations included
LARGEST_NET = 2 * 16 + 16 + 3 * (16 * 16 + 16) + 16 + 1  # 4 hidden layers of 16 units: 881


def open_page(page: str, params: dict[str, str]) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=TIMEOUT)
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


def test_the_networks_heaviest_training_is_shortened_to_the_budget_and_says_so():
    at = open_page(
        "networks",
        {"tab": "training", "n": "1024", "n_test": "1024", "n_val": "1024", "steps": "3000"}
        | {"depth": "4", "width": "16"},
    )
    assert not at.exception, [e.value for e in at.exception]
    fitted = int(budget.TRAINING_BUDGET / (1024 * LARGEST_NET)) // 10 * 10  # 1,100 steps
    assert fitted < 3000
    notes = [info.value for info in at.info if "more work than one view" in info.value]
    assert notes == [
        f"3,000 steps on 1,024 examples with {LARGEST_NET} weights is more work than one view "
        f"may ask for here: training for {fitted:,} steps."
    ]
    inspect = next(w for w in at.slider if w.key == "networks.at")
    assert inspect.max == fitted  # the views show the run that was trained


def test_the_augmentation_tabs_heaviest_trainings_are_shortened_together_and_say_so():
    # Two trainings: on the 256 original points and on the augmented set, padded to 256 × 9.
    weights = 2 * 16 + 16 + 2 * (16 * 16 + 16) + 16 + 1  # 3 hidden layers of 16 units: 609
    at = open_page(
        "generalization",
        {"tab": "augment", "n": "256", "steps": "3000", "depth": "3", "width": "16"},
    )
    assert not at.exception, [e.value for e in at.exception]
    examples = 256 + 256 * 9
    fitted = int(budget.TRAINING_BUDGET / (examples * weights)) // 100 * 100  # 600 steps
    assert 100 <= fitted < 3000
    notes = [info.value for info in at.info if "more work than one view" in info.value]
    assert notes == [
        f"3,000 steps on {examples:,} examples with {weights} weights is more work than one "
        f"view may ask for here: training for {fitted:,} steps."
    ]
