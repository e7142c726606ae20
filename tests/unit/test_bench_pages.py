"""The page benchmark measures the app's pages, read from the one page list; every benchmark
imports."""

import importlib
from pathlib import Path

import pytest

from app_support import navigation
from bench import pages

BENCH_DIR = Path(pages.__file__).parent
# The modules run as `python -m bench.<name>` (the others are their shared helpers).
BENCHMARKS = sorted(path.stem for path in BENCH_DIR.glob("*.py") if "def main(" in path.read_text())


def test_every_page_of_the_navigation_is_measured():
    measured = {Path(bench.script).stem for bench in pages.page_benches()}
    assert measured == {Path(info.path).stem for info in navigation.PAGES}


def test_views_name_pages_of_the_navigation():
    assert set(pages.VIEWS) <= {Path(info.path).stem for info in navigation.PAGES}


def test_a_page_with_views_is_measured_in_each_view_and_not_twice_at_its_default():
    benches = [b for b in pages.page_benches() if b.script == "pages/momentum.py"]
    key, views = pages.VIEWS["momentum"]
    assert [b.params for b in benches] == [{key: view} for view in views]


@pytest.mark.parametrize("name", BENCHMARKS)
def test_every_benchmark_imports(name):
    # A benchmark is run by hand, not by the suite: an import broken by a change elsewhere
    # (a renamed helper of `bench.pages`) would otherwise only show the next time it is run.
    module = importlib.import_module(f"bench.{name}")
    assert callable(module.main)
