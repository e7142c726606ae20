"""Learning-rate schedules ε_t, as pure functions of the step t with traced parameters.

The schedule's kind is static (it picks the formula); its numbers are traced, so moving a
decay slider never compiles. Goodfellow et al. (2016) §8.3.1 for the linear decay to ε_τ;
Loshchilov & Hutter (2017) for the cosine schedule.
"""

from __future__ import annotations

from typing import NamedTuple

import jax.numpy as jnp

from optim.hyper import Hyper

_K = Hyper("decay_rate", "k", 0.01, 1e-4, 1.0, log=True, domain="nonnegative", help="decay rate")
_FINAL = Hyper(
    "final_lr",
    "ε_τ",
    1e-4,
    1e-6,
    1.0,
    log=True,
    domain="nonnegative",
    help="learning rate reached at step τ",
)
_TAU = Hyper("tau", "τ", 200, 1, 20000, domain="count", help="step at which the decay ends")
# q, not the γ of some texts: the lectures write the learning rate itself as γ.
_DROP = Hyper("drop", "q", 0.5, 0.01, 0.99, domain="open_unit", help="factor at each drop")
_EVERY = Hyper("drop_every", "T", 100, 1, 20000, domain="count", help="steps between drops")


class Schedule(NamedTuple):
    name: str
    title: str
    latex: str
    params: tuple[Hyper, ...]


SCHEDULES: dict[str, Schedule] = {
    s.name: s
    for s in (
        Schedule("constant", "Constant", r"\varepsilon_t = \varepsilon", ()),
        Schedule(
            "exponential", "Exponential decay", r"\varepsilon_t = \varepsilon\, e^{-k t}", (_K,)
        ),
        Schedule(
            "inverse_time", "Inverse time", r"\varepsilon_t = \frac{\varepsilon}{1 + k t}", (_K,)
        ),
        Schedule(
            "step",
            "Step decay",
            r"\varepsilon_t = \varepsilon\, q^{\lfloor t / T \rfloor}",
            (_DROP, _EVERY),
        ),
        Schedule(
            "cosine",
            "Cosine",
            r"\varepsilon_t = \varepsilon_\tau + \tfrac12 (\varepsilon - \varepsilon_\tau)"
            r"\left(1 + \cos \tfrac{\pi \min(t, \tau)}{\tau}\right)",
            (_FINAL, _TAU),
        ),
        Schedule(
            "linear",
            "Linear decay",
            r"\varepsilon_t = (1 - \tfrac{t}{\tau})\,\varepsilon + \tfrac{t}{\tau}\,"
            r"\varepsilon_\tau \ (t \le \tau), \quad \varepsilon_\tau \ (t > \tau)",
            (_FINAL, _TAU),
        ),
    )
}

# Every schedule parameter, so the runner can pass one fixed set of traced numbers.
SCHEDULE_PARAMS: tuple[Hyper, ...] = (_K, _FINAL, _TAU, _DROP, _EVERY)


def get_schedule(name: str) -> Schedule:
    try:
        return SCHEDULES[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown schedule {name!r}; valid: {', '.join(SCHEDULES)}") from None


def learning_rate_at(kind: str, t, lr, p: dict):
    """ε_t for schedule `kind` at step t (t = 0 is the first update), base rate `lr`."""
    if kind == "constant":
        return lr * jnp.ones_like(t, dtype=jnp.result_type(lr, float))
    if kind == "exponential":
        return lr * jnp.exp(-p["decay_rate"] * t)
    if kind == "inverse_time":
        return lr / (1 + p["decay_rate"] * t)
    if kind == "step":
        return lr * p["drop"] ** jnp.floor(t / p["drop_every"])
    frac = jnp.minimum(t, p["tau"]) / p["tau"]
    if kind == "cosine":
        return p["final_lr"] + 0.5 * (lr - p["final_lr"]) * (1 + jnp.cos(jnp.pi * frac))
    if kind == "linear":
        return (1 - frac) * lr + frac * p["final_lr"]
    raise ValueError(f"unknown schedule {kind!r}; valid: {', '.join(SCHEDULES)}")
