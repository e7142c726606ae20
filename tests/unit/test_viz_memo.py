"""The shared bounded caches of the figure builders under many threads (sessions) at once."""

import sys
import threading

import numpy as np
import pytest

from viz import contour, saddles
from viz.memo import Memo
from viz.theme import DEFAULT_LOOK


def _hammer(work, threads=8, rounds=200):
    """Run ``work(thread, round)`` from several threads at once; the exceptions they raised."""
    errors, start = [], threading.Barrier(threads)

    def run(thread):
        start.wait()
        for i in range(rounds):
            try:
                work(thread, i)
            except Exception as error:  # noqa: BLE001 - any exception is the failure looked for
                errors.append(error)

    workers = [threading.Thread(target=run, args=(t,)) for t in range(threads)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible: races show up
    try:
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    finally:
        sys.setswitchinterval(interval)
    return errors


def test_memo_keeps_the_most_recent_entries_and_recomputes_evicted_ones():
    memo, calls = Memo(3), []

    def square(k):
        calls.append(k)
        return k * k

    for k in (1, 2, 3, 1, 4):  # 1 is used again before 4 arrives, so 2 goes
        assert memo.get_or_compute(k, lambda k=k: square(k)) == k * k
    assert calls == [1, 2, 3, 4] and len(memo) == 3
    assert 2 not in memo and all(k in memo for k in (1, 3, 4))
    with pytest.raises(ValueError):
        Memo(0)


def test_memo_stays_bounded_and_consistent_under_threads():
    memo = Memo(4)
    errors = _hammer(lambda t, i: memo.get_or_compute((t + i) % 11, lambda: ((t + i) % 11) ** 2))
    assert errors == []
    assert 1 <= len(memo) <= 4
    for key in range(11):  # whatever survived is right
        assert memo.get_or_compute(key, lambda key=key: key**2) == key**2


def test_contour_maps_and_saddle_lines_under_many_sessions_at_once():
    xs = ys = np.linspace(-1.0, 1.0, 12)
    grids = [np.add.outer(ys**2, (1 + k / 10) * xs**2) for k in range(20)]
    levels = np.linspace(0.1, 1.5, 5)

    def work(t, i):
        Z = grids[(t * 7 + i) % len(grids)]
        image, lines, _ = contour.filled_map(xs, ys, Z, False, DEFAULT_LOOK)
        assert image["source"].startswith("data:image/png")
        assert len(saddles.contour_lines(xs, ys, Z, levels)) > 0
        assert len(lines["x"]) > 0

    assert _hammer(work, threads=6, rounds=60) == []
    assert len(contour._BACKGROUNDS) <= contour._BACKGROUNDS.size
    assert len(saddles._LINES) <= saddles._LINES.size
