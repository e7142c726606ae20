"""Typed formulas in one process: compiled code kept, time per new formula, effect on others.

    python -m bench.formulas [--formulas 30]

Each formula goes through the playground's work on a typed surface: the 150 × 150 grid, the
critical points, three optimizers (GD, momentum, Adam) × 500 steps. Its results are dropped
after it (as a cache eviction would), so memory that stays is compiled code. Prints the
resident memory growth after the first five formulas (target ≤ 150 MiB in all), the median
time per new formula after the first five (target ≤ 1.5 s) and how much a rerun of another
student (a catalogue surface's grid and a run from a new start) slows while a new formula's
work runs beside it (target ≤ 2×). Run it on two code versions in the same hour to compare.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import threading
import time

import numpy as np

import landscapes
import optim
from bench.serve import rss_mib
from landscapes.geometry import critical_points

# Thirty distinct formulas of the kind students type: new expressions and changed constants.
FORMULAS = (
    "x**2 + y**2",
    "x**2 + 3*y**2",
    "x**2 - y**2",
    "x**4 - 2*x**2 + y**2 + 0.3*x*y",
    "x**4 - 2*x**2 + y**2 + 0.31*x*y",
    "x**4 - 2*x**2 + y**2 + 0.5*x*y",
    "(1 - x)**2 + 100*(y - x**2)**2",
    "(1 - x)**2 + 10*(y - x**2)**2",
    "(1.5 - x + x*y)**2 + (2.25 - x + x*y**2)**2",
    "sin(3*x)*cos(2*y) + 0.1*(x**2 + y**2)",
    "sin(2*x)*cos(3*y) + 0.1*(x**2 + y**2)",
    "x**3 - 3*x*y**2",
    "exp(-(x**2 + y**2)) - 0.5*exp(-((x - 1)**2 + y**2))",
    "log(1 + x**2 + y**2)",
    "sqrt(1 + x**2 + 4*y**2)",
    "abs(x) + 2*abs(y)",
    "max(x, y)**2 + 0.1*x",
    "min(x**2, y**2) + 0.05*(x + y)**2",
    "tanh(x)*tanh(y) + 0.2*(x**2 + y**2)",
    "softplus(x - y) + softplus(y - x) + 0.1*x**2",
    "sigmoid(3*x) + sigmoid(-2*y) + 0.05*(x**2 + y**2)",
    "x**2*y**2 + (x - 1)**2 + (y + 1)**2",
    "(x**2 + y - 11)**2 + (x + y**2 - 7)**2",
    "0.25*(x**2 - 1)**2 + 0.5*y**2 + 0.1*x",
    "0.25*(x**2 - 1)**2 + 0.5*y**2 + 0.2*x",
    "cos(x) + cos(y) + 0.1*(x**2 + y**2)",
    "arctan(x*y) + 0.2*x**2 + 0.3*y**2",
    "x**2 + y**2 - 0.5*cos(5*x) - 0.5*cos(5*y)",
    "cosh(0.5*x) + cosh(0.5*y) - x*y",
    "log1p(x**2) + log1p(4*y**2) + 0.3*sin(x + y)",
)
BOUNDS = ((-3.0, 3.0), (-3.0, 3.0))
OPTIMIZERS = ("gd", "momentum", "adam")
STEPS = 500


def playground_work(text: str) -> None:
    """What the playground computes for a new typed formula, results dropped afterwards."""
    surface = landscapes.custom_surface(text, BOUNDS)
    landscapes.loss_grid(surface.loss, surface.bounds, 150)
    critical_points(surface.loss, surface.bounds)
    for name in OPTIMIZERS:
        optim.run(surface.loss, np.array(surface.starts[0]), name, STEPS)


def other_student(seed: int) -> None:
    """Another student's rerun: a catalogue surface's grid and a run from a new start."""
    surface = landscapes.get_surface("rosenbrock")
    landscapes.loss_grid(surface.loss, surface.bounds, 150)
    start = np.random.default_rng(seed).uniform(-1.5, 1.5, 2)
    optim.run(surface.loss, start, "adam", STEPS, learning_rate=0.01)


def rerun_times(stop: threading.Event, times: list[float]) -> None:
    seed = 0
    while not stop.is_set():
        seed += 1
        start = time.perf_counter()
        other_student(seed)
        times.append(time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--formulas", type=int, default=len(FORMULAS))
    args = parser.parse_args()
    formulas = FORMULAS[: args.formulas]

    for seed in range(3):  # the other student's programs compiled, then timed alone
        other_student(seed)
    alone = [0.0] * 5
    for i in range(len(alone)):
        start = time.perf_counter()
        other_student(100 + i)
        alone[i] = time.perf_counter() - start

    seconds, memory, during = [], [], []
    for i, text in enumerate(formulas):
        stop, times = threading.Event(), []
        beside = threading.Thread(target=rerun_times, args=(stop, times)) if i >= 5 else None
        if beside:
            beside.start()
        start = time.perf_counter()
        playground_work(text)
        seconds.append(time.perf_counter() - start)
        stop.set()
        if beside:
            beside.join()
            during += times
        gc.collect()
        memory.append(rss_mib(os.getpid()))
        print(f"{i + 1:2d}  {seconds[-1]:6.2f} s  {memory[-1]:7.1f} MiB  {text}", flush=True)

    later = seconds[5:] or seconds
    growth = memory[-1] - memory[min(4, len(memory) - 1)]
    slowdown = statistics.median(during) / statistics.median(alone) if during else float("nan")
    print(f"memory growth after the first five: {growth:.1f} MiB (target ≤ 150)")
    print(f"median time per new formula after the first five: {statistics.median(later):.2f} s"
          " (target ≤ 1.5)")  # fmt: skip
    print(
        f"another student's rerun: {statistics.median(alone):.3f} s alone, "
        f"{statistics.median(during) if during else float('nan'):.3f} s beside a new formula "
        f"({slowdown:.2f}×, target ≤ 2)"
    )


if __name__ == "__main__":
    main()
