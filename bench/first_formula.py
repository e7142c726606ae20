"""The first typed formula after a restart: `python -m bench.first_formula` (a benchmark).

Each line runs in a fresh process (nothing compiled yet) and times the playground's work at
its default settings on a student's first formula of each program length class (16, 64 and
300 instructions, `landscapes.formula`; `app_support.warm_up.playground_formula_work`):

* cold: the formula compiles the interpreter's programs itself (no warm-up, no disk cache);
* after the warm-up: `app_support.warm_up`'s thread compiled them first, at the lowest CPU
  priority, while another student's reruns (a catalogue surface's grid and an Adam run from a
  new start, as in `bench.formulas`) were timed beside it: their median against the median
  alone, in the same process, says how much the warm-up slows the class;
* from a baked cache: a persistent compile cache filled by `python -m app_support.warm_up`
  (an image's build step), used read-only by a fresh process: the warm-up's seconds.

    python -m bench.first_formula
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STUDENT_FORMULAS = {  # a student's first formula of each length class, never the warm-up's
    16: "3*x**2 + y**2 - x*y + 1",
    64: "x**4 - 2*x**2 + y**2 + 0.3*x*y + sin(3*x)*cos(2*y)",
    300: "(1.5 - x + x*y)**2 + (2.25 - x + x*y**2)**2 + (2.625 - x + x*y**3)**2"
    " + log(1 + x**2 + y**2) + sin(x)*cos(y)*tanh(x*y) + exp(-(x - 1)**2 - (y + 1)**2)"
    " + cos(2*x + y)*sin(x - 2*y)",
}


def _first_formulas() -> dict[int, float]:
    from app_support.warm_up import playground_formula_work

    seconds = {}
    for length, text in STUDENT_FORMULAS.items():
        start = time.perf_counter()
        playground_formula_work(text)
        seconds[length] = time.perf_counter() - start
    return seconds


def _child(mode: str) -> dict:
    from app_support import warm_up
    from bench.formulas import other_student

    if mode == "cold":
        return {"first": _first_formulas()}
    if mode == "baked":
        from app_support.compile_cache import use_persistent_compile_cache

        assert use_persistent_compile_cache(), "the baked cache was refused"
        return {"warm_up": warm_up.compile_formula_programs()}
    for seed in range(3):  # another student's programs compiled, then timed alone
        other_student(seed)
    alone = []
    for seed in range(100, 108):
        start = time.perf_counter()
        other_student(seed)
        alone.append(time.perf_counter() - start)
    spent = {}

    def warm():
        warm_up._lowest_priority()
        spent.update(warm_up.compile_formula_programs())

    thread = threading.Thread(target=warm)
    thread.start()
    beside, seed = [], 200
    while thread.is_alive():
        seed += 1
        start = time.perf_counter()
        other_student(seed)
        beside.append(time.perf_counter() - start)
    return {
        "warm_up": spent,
        "rerun_alone": statistics.median(alone),
        "rerun_beside": statistics.median(beside),
        "reruns_beside": len(beside),
        "first": _first_formulas(),
    }


def _run(mode: str, **env) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "bench.first_formula", "--child", mode],
        cwd=ROOT,
        env={**os.environ, "LLL_JAX_CACHE": "off", **env},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out.splitlines()[-1])


def _seconds(values: dict) -> str:
    return ", ".join(f"{length}: {seconds:.1f} s" for length, seconds in values.items())


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        print(json.dumps(_child(sys.argv[2])))
        return
    cold = _run("cold")
    print(f"cold, first formula per length class:        {_seconds(cold['first'])}", flush=True)
    warm = _run("warm")
    print(f"warm-up thread (lowest priority):             {_seconds(warm['warm_up'])}")
    print(f"after the warm-up, first formula per class:  {_seconds(warm['first'])}")
    print(
        f"another student's rerun: {warm['rerun_alone']:.3f} s alone, "
        f"{warm['rerun_beside']:.3f} s beside the warm-up (median of {warm['reruns_beside']}), "
        f"{warm['rerun_beside'] / warm['rerun_alone']:.2f}×",
        flush=True,
    )
    with tempfile.TemporaryDirectory() as scratch:
        cache = str(Path(scratch) / "jax")
        subprocess.run(
            [sys.executable, "-m", "app_support.warm_up"],
            cwd=ROOT,
            env={**os.environ, "LLL_JAX_CACHE": cache},
            check=True,
            capture_output=True,
        )
        baked = _run("baked", LLL_JAX_CACHE=cache, LLL_JAX_CACHE_READONLY="1")
    print(f"warm-up from a baked read-only cache:         {_seconds(baked['warm_up'])}")


if __name__ == "__main__":
    main()
