"""The work one rerun may ask for (`app_support.budget`): the spectrum's plan and the limits
on heavy jobs at once."""

from __future__ import annotations

import threading
import time

import pytest

from app_support import budget

LARGEST = 2 * 16 + 16 + 3 * (16 * 16 + 16) + 16 + 1  # 4 hidden layers of 16 units, 2 inputs


def test_the_heaviest_deep_link_gets_the_exact_spectrum_which_is_cheaper():
    plan = budget.fit_spectrum("lanczos", LARGEST, 1024, 200, 32, 17)
    assert plan.method == "exact" and "exact" in plan.note
    asked = budget.spectrum_cost("lanczos", LARGEST, 1024, 200, 32, 17)
    assert plan.cost <= budget.SPECTRUM_BUDGET < asked / 6  # 115,400 products → 15,858


@pytest.mark.parametrize("weights", [50, 300, LARGEST, 5_000, 100_000])
@pytest.mark.parametrize(("m", "probes"), [(20, 1), (60, 8), (200, 32)])
def test_every_plan_fits_the_budget_or_is_the_smallest(weights, m, probes):
    plan = budget.fit_spectrum("lanczos", weights, 1024, m, probes, 17)
    exact = budget.spectrum_cost("exact", weights, 1024, 0, 0, 17)
    assert plan.cost <= min(exact, max(budget.SPECTRUM_BUDGET, plan.cost))
    assert plan.cost == budget.spectrum_cost(
        plan.method, weights, 1024, plan.m, plan.probes, plan.index_points
    )
    assert budget.MIN_INDEX_POINTS <= plan.index_points <= 17
    if plan.cost > budget.SPECTRUM_BUDGET:  # only once nothing more can be cut
        assert plan.index_points == budget.MIN_INDEX_POINTS
        assert plan.method == "exact" or (plan.m, plan.probes) == (20, 1)
    if plan.index_points < 17:  # the most steps of the index that fit
        more = budget.spectrum_cost(
            plan.method, weights, 1024, plan.m, plan.probes, plan.index_points + 1
        )
        assert more > budget.SPECTRUM_BUDGET
        assert f"computing it at {plan.index_points} steps" in plan.note
    if plan.method == "lanczos":
        assert plan.m <= m and plan.probes <= probes
        assert ("using m =" in plan.note) == ((plan.m, plan.probes) != (m, probes))
    unchanged = (plan.method, plan.m, plan.probes, plan.index_points) == ("lanczos", m, probes, 17)
    assert bool(plan.note) == (not unchanged)


def test_the_largest_exact_spectrum_computes_the_index_at_fewer_steps():
    plan = budget.fit_spectrum("exact", LARGEST, 1024, 0, 0, 17)
    # 881 products × 1,024 × 881 per spectrum: the inspected step and the index at 5 steps.
    assert (plan.method, plan.index_points) == ("exact", 5)
    assert plan.cost == 6 * 881 * 1024 * 881 <= budget.SPECTRUM_BUDGET
    assert "at 17 steps" in plan.note and "at 5 steps" in plan.note


def test_the_default_network_keeps_every_step_of_its_index():
    plan = budget.fit_spectrum("exact", 337, 256, 0, 0, 17)
    assert (plan.index_points, plan.note) == (17, "")


def test_training_cost_is_steps_times_examples_times_weights_times_runs():
    assert budget.training_cost(3000, 1024, LARGEST, 2) == 3000 * 1024 * 881 * 2


@pytest.mark.parametrize("runs", [1, 3, 40])
@pytest.mark.parametrize("steps", [10, 1000, 3000, 100_000])
@pytest.mark.parametrize("examples", [32, 1024, 100_000])
def test_training_is_shortened_to_the_most_steps_that_fit(steps, examples, runs):
    plan = budget.fit_training(steps, examples, LARGEST, runs)
    assert plan.steps <= steps and plan.steps % 10 == 0 or plan.steps == steps
    assert plan.cost == budget.training_cost(plan.steps, examples, LARGEST, runs)
    if budget.training_cost(steps, examples, LARGEST, runs) <= budget.TRAINING_BUDGET:
        assert (plan.steps, plan.note) == (steps, "")
    else:
        assert f"training for {plan.steps:,} steps" in plan.note
        fits = plan.cost <= budget.TRAINING_BUDGET
        assert fits or plan.steps == 10  # the floor: one multiple of ten
        more = budget.training_cost(plan.steps + 10, examples, LARGEST, runs)
        assert more > budget.TRAINING_BUDGET  # the most that fit


@pytest.mark.parametrize("grid", [11, 41, 101])
@pytest.mark.parametrize("examples", [32, 256, 1024, 100_000])
def test_a_loss_slice_is_coarsened_to_the_finest_grid_that_fits(grid, examples):
    plan = budget.fit_grid(grid, examples, LARGEST)
    assert plan.grid <= grid and (plan.grid - 11) % 10 == 0 or plan.grid == grid
    assert plan.cost == plan.grid**2 * examples * LARGEST
    if grid**2 * examples * LARGEST <= budget.TRAINING_BUDGET:
        assert (plan.grid, plan.note) == (grid, "")
    else:
        assert f"using {plan.grid} × {plan.grid}" in plan.note
        assert plan.cost <= budget.TRAINING_BUDGET or plan.grid == 11  # the coarsest
        assert (plan.grid + 10) ** 2 * examples * LARGEST > budget.TRAINING_BUDGET


def test_a_plan_within_the_budget_is_left_alone():
    plan = budget.fit_spectrum("lanczos", 5_000, 64, 60, 8, 17)
    assert (plan.method, plan.m, plan.probes, plan.index_points, plan.note) == (
        "lanczos",
        60,
        8,
        17,
        "",
    )


class CountingSlots:
    """A semaphore that records how many holders it had at once."""

    def __init__(self, slots: int):
        self._semaphore, self._lock = threading.BoundedSemaphore(slots), threading.Lock()
        self.holders = self.most = 0

    def acquire(self, blocking: bool = True) -> bool:
        if not self._semaphore.acquire(blocking):
            return False
        with self._lock:
            self.holders += 1
            self.most = max(self.most, self.holders)
        return True

    def release(self) -> None:
        with self._lock:
            self.holders -= 1
        self._semaphore.release()


class SessionPerThread(threading.local):
    """``st.session_state`` as each thread (a session of its own) sees it."""

    def __init__(self):
        self.state = {}

    def setdefault(self, key, default):
        return self.state.setdefault(key, default)


def test_heavy_jobs_at_once_never_exceed_the_process_slots(monkeypatch):
    slots = CountingSlots(2)
    monkeypatch.setattr(budget, "_SLOTS", slots)
    monkeypatch.setattr(budget.st, "session_state", SessionPerThread())

    def job():
        with budget.heavy_job("Working…", cost=budget.HEAVY_COST):
            time.sleep(0.05)

    threads = [threading.Thread(target=job) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert slots.most == 2 and slots.holders == 0


def test_light_work_never_waits_for_a_slot(monkeypatch):
    # every slot taken by heavy links: a class's ordinary slider moves still run at once
    slots = CountingSlots(1)
    slots.acquire()
    monkeypatch.setattr(budget, "_SLOTS", slots)
    monkeypatch.setattr(budget.st, "session_state", SessionPerThread())
    ran = []
    thread = threading.Thread(target=lambda: ran.append(_light_job()))
    thread.start()
    thread.join(timeout=10)
    assert ran == [True] and slots.holders == 1


def _light_job() -> bool:
    with budget.heavy_job("Working…", cost=budget.HEAVY_COST / 10):
        return True


def test_one_heavy_job_per_session_at_a_time(monkeypatch):
    monkeypatch.setattr(budget, "_SLOTS", CountingSlots(8))
    monkeypatch.setattr(budget.st, "session_state", {})  # one session for all the threads
    running, most, lock = [0], [0], threading.Lock()

    def job():
        with budget.heavy_job("Working…"):
            with lock:
                running[0] += 1
                most[0] = max(most[0], running[0])
            time.sleep(0.03)
            with lock:
                running[0] -= 1

    threads = [threading.Thread(target=job) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most[0] == 1
