"""Benchmark of the jitted runner against its peers, measured side by side in one run.

    python -m bench.core

On Rosenbrock, the seven lecture optimizers × 1000 steps each, three ways:
  1. `optim.run` (one lax.scan per optimizer);
  2. a NumPy loop with the hand-written gradient and the same update rules;
  3. a Python loop calling one jitted step of the same rule per iteration.
Then a batched call (8 learning rates × 16 starts = 128 runs) against one single run.
Prints best-of-N wall times and the ratios; the targets are in the issue (≥ 100× the NumPy
loop, ≥ 300× the jitted-step loop, batched 128 runs ≤ 4× one run).
"""

from __future__ import annotations

import time

import jax
import jax.numpy as jnp
import numpy as np

import landscapes
import optim
from optim.rules import RULES

STEPS = 1000
W0 = np.array([-1.5, 2.0])
HP = {  # learning rates that keep every rule finite on Rosenbrock
    "gd": dict(learning_rate=1e-3),
    "momentum": dict(learning_rate=1e-4, momentum=0.9),
    "nesterov": dict(learning_rate=1e-4, momentum=0.9),
    "adagrad": dict(learning_rate=0.1, eps=1e-7),
    "rmsprop": dict(learning_rate=1e-3, decay=0.9, eps=1e-6),
    "rmsprop_nesterov": dict(learning_rate=1e-3, momentum=0.5, decay=0.9, eps=1e-6),
    "adam": dict(learning_rate=1e-2, b1=0.9, b2=0.999, eps=1e-8),
}


def best_of(fn, repeat=5):
    fn()  # warm-up (compilation)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def rosenbrock_grad(w):
    x, y = w
    return np.array([-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)])


def numpy_loop(name, hp, steps=STEPS):
    """The lecture's rules, written with NumPy, one Python iteration per step."""
    w, v, r, s = W0.copy(), np.zeros(2), np.zeros(2), np.zeros(2)
    eps = hp["learning_rate"]
    for t in range(1, steps + 1):
        if name in ("nesterov", "rmsprop_nesterov"):
            g = rosenbrock_grad(w + hp["momentum"] * v)
        else:
            g = rosenbrock_grad(w)
        if name == "gd":
            w = w - eps * g
        elif name in ("momentum", "nesterov"):
            v = hp["momentum"] * v - eps * g
            w = w + v
        elif name == "adagrad":
            r = r + g * g
            w = w - eps * g / (hp["eps"] + np.sqrt(r))
        elif name == "rmsprop":
            r = hp["decay"] * r + (1 - hp["decay"]) * g * g
            w = w - eps * g / np.sqrt(hp["eps"] + r)
        elif name == "rmsprop_nesterov":
            r = hp["decay"] * r + (1 - hp["decay"]) * g * g
            v = hp["momentum"] * v - eps * g / np.sqrt(hp["eps"] + r)
            w = w + v
        else:  # adam
            s = hp["b1"] * s + (1 - hp["b1"]) * g
            r = hp["b2"] * r + (1 - hp["b2"]) * g * g
            s_hat, r_hat = s / (1 - hp["b1"] ** t), r / (1 - hp["b2"] ** t)
            w = w - eps * s_hat / (np.sqrt(r_hat) + hp["eps"])
    return w


def make_jitted_step(name, loss):
    rule = RULES[name]
    grad = jax.grad(loss)

    @jax.jit
    def step(w, state, hp):
        p = w if rule.lookahead is None else rule.lookahead(w, state, hp)
        delta, state = rule.update(grad(p), state, w, hp, hp["learning_rate"], None)
        return w + delta, state

    return step


def jitted_step_loop(step, name, hp, steps=STEPS):
    full = {h.name: h.default for h in RULES[name].hypers} | hp
    hp_arrays = {k: jnp.asarray(v) for k, v in full.items()}
    w = jnp.asarray(W0)
    state = RULES[name].init(w, hp_arrays)
    for _ in range(steps):
        w, state = step(w, state, hp_arrays)
    return np.asarray(w)


def main():
    loss = landscapes.get_surface("rosenbrock").loss
    names = optim.LECTURE_OPTIMIZERS
    steps = {n: make_jitted_step(n, loss) for n in names}

    runner = best_of(lambda: [optim.run(loss, W0, n, STEPS, **HP[n]) for n in names])
    numpy_time = best_of(lambda: [numpy_loop(n, HP[n]) for n in names], repeat=3)
    jit_loop = best_of(lambda: [jitted_step_loop(steps[n], n, HP[n]) for n in names], repeat=3)

    # the three compute the same thing: equal after 100 steps (later, RMSProp's oscillations
    # on Rosenbrock amplify last-bit rounding differences into visible ones)
    for n in names:
        a = optim.run(loss, W0, n, 100, **HP[n]).params[-1]
        np.testing.assert_allclose(a, numpy_loop(n, HP[n], 100), rtol=1e-12)
        np.testing.assert_allclose(a, jitted_step_loop(steps[n], n, HP[n], 100), rtol=1e-12)

    rng = np.random.default_rng(0)
    starts = np.repeat(rng.uniform([-2, -1], [2, 3], size=(16, 2)), 8, axis=0)
    lrs = np.tile(np.geomspace(1e-3, 3e-2, 8), 16)
    single = best_of(lambda: optim.run(loss, W0, "adam", STEPS, learning_rate=1e-2))
    batched = best_of(lambda: optim.run_batch(loss, starts, "adam", STEPS, learning_rate=lrs))

    print(f"Rosenbrock, {len(names)} lecture optimizers x {STEPS} steps (best of several runs)")
    print(f"  optim.run (lax.scan)      {runner * 1e3:9.2f} ms")
    numpy_ratio = numpy_time / runner
    print(
        f"  NumPy hand loop           {numpy_time * 1e3:9.2f} ms   ratio {numpy_ratio:7.1f}x"
        "  (target >= 100x)"
    )
    print(
        f"  Python loop, jitted step  {jit_loop * 1e3:9.2f} ms   ratio {jit_loop / runner:7.1f}x"
        "  (target >= 300x)"
    )
    print(
        f"Adam x {STEPS} steps: one run {single * 1e3:.2f} ms; batched 8 configs x 16 starts "
        f"{batched * 1e3:.2f} ms = {batched / single:.2f}x one run  (target <= 4x)"
    )


if __name__ == "__main__":
    main()
