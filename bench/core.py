"""Benchmark of the jitted runner against its peers, measured side by side in one run.

    python -m bench.core

On Rosenbrock, the seven lecture optimizers × 1000 steps each:
  1. per optimizer, `optim.run` (the whole call, as a page makes it: validation, one compiled
     `lax.scan`, the rows back as NumPy arrays) against the peer that counts, a bare
     `jax.lax.scan` over Optax's own update that records (w, E(w), ∇E) per step, called and
     read back the same way (target: `optim.run` within 2× of the peer);
  2. all seven `optim.run` calls against a NumPy loop with the hand-written gradient and the
     same update rules (for reference) and against a Python loop calling one jitted step of the
     same rule per iteration (target ≥ 300×).
Then a batched call (8 learning rates × 16 starts = 128 runs) against one single run (target
≤ 4×). Times are best-of-N wall times; the two sides of a ratio are timed alternately, in one
process, so that a loaded machine slows both alike.
"""

from __future__ import annotations

import time

import jax
import jax.numpy as jnp
import numpy as np
import optax

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


# The peer: Optax's transformation for each lecture rule, with the same numbers as HP. Where
# Optax's rule is the lecture's (GD, momentum, RMSProp, Adam: see optim/rules.py) the peer walks
# the same path as `optim.run`, which `main` checks; Nesterov's interim point, AdaGrad's δ outside
# the root and RMSProp + Nesterov are written differently in Optax (same cost, another path).
PEERS = {
    "gd": lambda hp: optax.sgd(hp["learning_rate"]),
    "momentum": lambda hp: optax.sgd(hp["learning_rate"], momentum=hp["momentum"]),
    "nesterov": lambda hp: optax.sgd(hp["learning_rate"], momentum=hp["momentum"], nesterov=True),
    "adagrad": lambda hp: optax.adagrad(
        hp["learning_rate"], initial_accumulator_value=0.0, eps=hp["eps"]
    ),
    "rmsprop": lambda hp: optax.rmsprop(hp["learning_rate"], decay=hp["decay"], eps=hp["eps"]),
    "rmsprop_nesterov": lambda hp: optax.rmsprop(
        hp["learning_rate"],
        decay=hp["decay"],
        eps=hp["eps"],
        momentum=hp["momentum"],
        nesterov=True,
    ),
    "adam": lambda hp: optax.adam(hp["learning_rate"], b1=hp["b1"], b2=hp["b2"], eps=hp["eps"]),
}
SAME_PATH = ("gd", "momentum", "rmsprop", "adam")


def bare_scan(loss, transform: optax.GradientTransformation, steps: int):
    """The compiler's limit for a runner: one jitted `lax.scan` over Optax's update, recording
    (w_t, E(w_t), ∇E(w_t)) for t = 0..steps and nothing else, rows read back as NumPy."""
    value_and_grad = jax.value_and_grad(loss)

    @jax.jit
    def walk(w0):
        def step(carry, _):
            w, state, g = carry
            updates, state = transform.update(g, state, w)
            w = optax.apply_updates(w, updates)
            e, g = value_and_grad(w)
            return (w, state, g), (w, e, g)

        e0, g0 = value_and_grad(w0)
        _, (ws, es, gs) = jax.lax.scan(step, (w0, transform.init(w0), g0), length=steps)
        return (
            jnp.concatenate([w0[None], ws]),
            jnp.concatenate([e0[None], es]),
            jnp.concatenate([g0[None], gs]),
        )

    return lambda w0: jax.device_get(walk(w0))


def best_of(fn, repeat=5):
    fn()  # warm-up (compilation)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def best_of_alternating(fns, repeat=30):
    """Best wall time of each of `fns`, timed in turn (a, b, a, b, ...) after one warm-up each."""
    for fn in fns:
        fn()
    times = [[] for _ in fns]
    for _ in range(repeat):
        for fn, ts in zip(fns, times, strict=True):
            start = time.perf_counter()
            fn()
            ts.append(time.perf_counter() - start)
    return [min(ts) for ts in times]


def peer_table(loss, names):
    """(name, peer s, optim.run s) per optimizer, after checking the paths that must agree."""
    rows = []
    for n in names:
        peer = bare_scan(loss, PEERS[n](HP[n]), STEPS)
        if n in SAME_PATH:  # the first 100 steps (see main on later rounding differences)
            ws, es, gs = (a[:101] for a in peer(W0))
            t = optim.run(loss, W0, n, 100, **HP[n])
            np.testing.assert_allclose(t.params, ws, rtol=1e-9)
            np.testing.assert_allclose(t.loss, es, rtol=1e-9)
            np.testing.assert_allclose(t.grad, gs, rtol=1e-9, atol=1e-12)
        peer_time, run_time = best_of_alternating(
            [lambda peer=peer: peer(W0), lambda n=n: optim.run(loss, W0, n, STEPS, **HP[n])]
        )
        rows.append((n, peer_time, run_time))
    return rows


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

    table = peer_table(loss, names)
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
    single, batched, batched_path = best_of_alternating(
        [
            lambda: optim.run(loss, W0, "adam", STEPS, learning_rate=1e-2),
            lambda: optim.run_batch(loss, starts, "adam", STEPS, learning_rate=lrs),
            lambda: optim.run_batch(loss, starts, "adam", STEPS, learning_rate=lrs, record="path"),
        ],
        repeat=10,
    )

    print(f"Rosenbrock, {STEPS} steps, whole call: optim.run against a bare lax.scan over Optax")
    print(f"  {'optimizer':18s} {'bare scan':>10s} {'optim.run':>10s} {'ratio':>7s}  target <= 2x")
    for n, peer_time, run_time in table:
        ratio = run_time / peer_time
        print(
            f"  {n:18s} {peer_time * 1e6:8.1f} us {run_time * 1e6:7.1f} us {ratio:6.2f}x  "
            f"{'met' if ratio <= 2 else 'MISSED'}{'' if n in SAME_PATH else ' (Optax: other path)'}"
        )
    print(f"Rosenbrock, {len(names)} lecture optimizers x {STEPS} steps (best of several runs)")
    print(f"  optim.run (lax.scan)      {runner * 1e3:9.2f} ms")
    numpy_ratio = numpy_time / runner
    print(
        f"  NumPy hand loop           {numpy_time * 1e3:9.2f} ms   ratio {numpy_ratio:7.1f}x"
        "  (for reference)"
    )
    print(
        f"  Python loop, jitted step  {jit_loop * 1e3:9.2f} ms   ratio {jit_loop / runner:7.1f}x"
        "  (target >= 300x)"
    )
    print(
        f"Adam x {STEPS} steps: one run {single * 1e3:.2f} ms; batched 8 configs x 16 starts "
        f"{batched * 1e3:.2f} ms = {batched / single:.2f}x one run  (target <= 4x)"
    )
    print(
        f'  the same batch with record="path" (w, E only): {batched_path * 1e3:.2f} ms = '
        f"{batched_path / single:.2f}x one run"
    )


if __name__ == "__main__":
    main()
