"""The pure parts of classroom mode: the poll's bars, a sent view's query, the join link."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app_support.classroom.follow import PAGE_FILES, view_params, view_query
from app_support.classroom.model import PAGE_NAMES
from app_support.classroom.qr import qr_png
from app_support.classroom.ui import join_link
from viz.classroom import MAX_BARS, number_bins, poll_figure
from viz.theme import Look


def test_few_distinct_numbers_get_one_bar_each():
    labels, counts = number_bins([120, 80, 120, 100, 120])
    assert labels == ("80", "100", "120")
    assert counts == (1, 1, 3)


@settings(deadline=None)  # the machine is shared: a slow example is not a wrong one
@given(st.lists(st.floats(-1e9, 1e9), min_size=1, max_size=300))
def test_bins_count_every_vote_once(numbers):
    labels, counts = number_bins(numbers)
    assert sum(counts) == len(numbers)
    assert len(labels) == len(counts) <= MAX_BARS


def test_many_numbers_fall_in_equal_bins_counted_by_hand():
    numbers = list(range(100))  # 0 … 99 in 10 bins of width 9.9
    labels, counts = number_bins(numbers)
    edges = np.linspace(0, 99, MAX_BARS + 1)
    by_hand = [sum(a <= x < b for x in numbers) for a, b in zip(edges[:-1], edges[1:], strict=True)]
    by_hand[-1] += numbers.count(99)  # the last bin is closed
    assert counts == tuple(by_hand)
    assert labels[0] == "0–9.9"


def test_no_votes_no_bars():
    assert number_bins([]) == ((), ())
    assert number_bins([float("nan")]) == ((), ())


def test_the_revealed_answer_has_its_own_colour():
    figure = poll_figure(("yes", "no"), (3, 5), "no", look=Look())
    colors = figure.data[0].marker.color
    assert colors[0] != colors[1]
    assert list(figure.data[0].y) == [3, 5]
    hidden = poll_figure(("yes", "no"), (3, 5), None, look=Look())
    assert len(set(hidden.data[0].marker.color)) == 1


def test_a_sent_view_leaves_out_the_presentation_switch_and_round_trips():
    params = {"tab": ["quiz"], "opt": ["gd,adam"], "present": ["1"], "note": ["a&b=c"]}
    query = view_query(params)
    assert "present" not in query
    assert view_params(query) == {"tab": ["quiz"], "opt": ["gd,adam"], "note": ["a&b=c"]}


def test_every_page_a_store_accepts_can_be_opened():
    assert set(PAGE_NAMES) == set(PAGE_FILES)


@pytest.mark.parametrize(
    ("page_url", "link"),
    [
        ("http://host:8501/momentum", "http://host:8501/?room=ABC234"),
        ("https://lab.example/course/playground", "https://lab.example/course/?room=ABC234"),
        (None, "/?room=ABC234"),
    ],
)
def test_the_join_link_points_at_the_app_with_the_room(page_url, link):
    assert join_link("ABC234", page_url) == link


def test_the_qr_code_is_a_png():
    png = qr_png("http://host:8501/?room=ABC234")
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
