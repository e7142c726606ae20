"""The page benchmark measures the app's pages, read from the one page list."""

from pathlib import Path

from app_support import navigation
from bench import pages


def test_every_page_of_the_navigation_is_measured():
    measured = {Path(bench.script).stem for bench in pages.page_benches()}
    assert measured == {Path(info.path).stem for info in navigation.PAGES}


def test_views_name_pages_of_the_navigation():
    assert set(pages.VIEWS) <= {Path(info.path).stem for info in navigation.PAGES}


def test_a_page_with_views_is_measured_in_each_view_and_not_twice_at_its_default():
    benches = [b for b in pages.page_benches() if b.script == "pages/momentum.py"]
    key, views = pages.VIEWS["momentum"]
    assert [b.params for b in benches] == [{key: view} for view in views]
