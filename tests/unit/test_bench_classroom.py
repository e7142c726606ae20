"""How `python -m bench.classroom` counts a view's follow latency."""

from bench.classroom import Seen, follow_latencies


def test_a_superseded_view_counts_until_the_newer_one_arrives():
    sent = {1: 10.0, 2: 11.5, 3: 13.0}
    # the student's page drew view 2 at 12.0 (view 1 was replaced before it got there) and
    # view 3 at 13.4
    student = Seen(views={2: 12.0, 3: 13.4})
    latencies, superseded = follow_latencies([student], sent)
    assert sorted(latencies) == sorted([2.0, 0.5, 13.4 - 13.0])
    assert superseded == 1


def test_a_view_never_followed_by_an_arrival_is_missing():
    sent = {1: 10.0, 2: 11.5}
    latencies, superseded = follow_latencies([Seen(views={1: 10.3}), Seen()], sent)
    # the first student never got view 2 nor anything newer; the second got nothing
    assert latencies == [10.3 - 10.0] and superseded == 0
