"""One definition per optimizer: update rule, formula in the lecture's notation, hyperparameters.

An optimizer is a pair of pure functions over a small state, as in Optax:

    state = rule.init(w, hp)
    delta, state = rule.update(g, state, w, hp, lr, hess)     # w <- w + delta

with `g` the gradient taken at `rule.lookahead(w, state, hp)` (Nesterov's interim point) or at
`w` when the rule has no lookahead, `lr` the learning rate of the schedule at this step and
`hess` the Hessian at `w` (computed only when `rule.needs_hessian`). `rule.internals(state)`
names the state for the figures ("s" first moment, "r" second moment); the velocity "v" is the
step the runner records for every rule.

Where Optax's rule *is* the lecture's rule (Adam, RMSProp with the δ inside the root) the update
is Optax's, and tests/unit/test_rules.py proves the equality; where it differs (AdaGrad's δ
outside the root, Nesterov's interim point, and momentum: Optax's `trace` sums the raw
gradients and scales the sum by ε_t afterwards, which under a schedule rescales the whole
velocity at every step) it is written here.

References: Goodfellow, Bengio & Courville (2016), *Deep Learning*, Algorithms 8.1–8.7;
Loshchilov & Hutter (2019) AdamW; Dozat (2016) NAdam; Reddi et al. (2018) AMSGrad;
Zeiler (2012) Adadelta; Dauphin et al. (2014) saddle-free Newton.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import jax.numpy as jnp
import optax

from optim.hyper import Hyper


class Rule(NamedTuple):
    name: str
    title: str
    latex: str
    hypers: tuple[Hyper, ...]
    init: Callable[..., Any]
    update: Callable[..., tuple[Any, Any]]
    lookahead: Callable[..., Any] | None = None
    internals: Callable[[Any], dict] = lambda state: {}
    needs_hessian: bool = False
    lecture: bool = True
    reference: str = ""


def _lr(default: float) -> Hyper:
    return Hyper("learning_rate", "ε", default, 1e-5, 10.0, log=True, help="learning rate")


_ALPHA = Hyper("momentum", "α", 0.9, 0.0, 0.999, domain="unit", help="momentum")
_RHO = Hyper("decay", "ρ", 0.9, 0.0, 0.9999, domain="unit", help="decay of the running average")
_RHO1 = Hyper("b1", "ρ₁", 0.9, 0.0, 0.999, domain="unit", help="decay of the first moment")
_RHO2 = Hyper("b2", "ρ₂", 0.999, 0.0, 0.99999, domain="unit", help="decay of the second moment")


def _delta(default: float) -> Hyper:
    return Hyper("eps", "δ", default, 1e-10, 1.0, log=True, help="small constant for stability")


# --- rules written here (they differ from Optax's) ------------------------------------------


def _no_state(w, hp):
    return ()


def _gd_update(g, state, w, hp, lr, hess):
    return -lr * g, state


def _velocity_init(w, hp):
    return jnp.zeros_like(w)


def _interim_point(w, v, hp):
    return w + hp["momentum"] * v


def _velocity_update(g, v, w, hp, lr, hess):
    # Momentum and Nesterov: v <- αv − ε_t g with this step's ε_t inside the velocity, so
    # past steps keep the rate they were taken with (Optax's trace would rescale them all by
    # ε_t). Nesterov's g is taken at the interim point w + αv.
    v = hp["momentum"] * v - lr * g
    return v, v


def _zeros_init(w, hp):
    return jnp.zeros_like(w)


def _adagrad_update(g, r, w, hp, lr, hess):
    r = r + g * g
    return -lr * g / (hp["eps"] + jnp.sqrt(r)), r


class VelocityAndSquares(NamedTuple):
    v: jnp.ndarray
    r: jnp.ndarray


def _rmsprop_nesterov_init(w, hp):
    return VelocityAndSquares(jnp.zeros_like(w), jnp.zeros_like(w))


def _rmsprop_nesterov_update(g, state, w, hp, lr, hess):
    r = hp["decay"] * state.r + (1 - hp["decay"]) * g * g
    v = hp["momentum"] * state.v - lr * g / jnp.sqrt(hp["eps"] + r)
    return v, VelocityAndSquares(v, r)


def _newton_update(g, state, w, hp, lr, hess):
    # A singular Hessian gives a non-finite step, which the runner reports as divergence.
    return -lr * jnp.linalg.solve(hess, g), state


def _saddle_free_newton_update(g, state, w, hp, lr, hess):
    # |H| flips the negative-curvature directions, so a saddle repels instead of attracting.
    lam, q = jnp.linalg.eigh(hess)
    return -lr * q @ ((q.T @ g) / (jnp.abs(lam) + hp["eps"])), state


# --- rules taken from Optax ----------------------------------------------------------------


def _from_optax(make: Callable[[dict], optax.GradientTransformation]):
    """init/update for an Optax transformation that returns a direction d: w <- w - ε d."""

    def init(w, hp):
        return make(hp).init(w)

    def update(g, state, w, hp, lr, hess):
        direction, state = make(hp).update(g, state, w)
        return -lr * direction, state

    return init, update


def _moments(state) -> dict:
    return {"s": state.mu, "r": state.nu}


_rmsprop = _from_optax(
    lambda hp: optax.scale_by_rms(decay=hp["decay"], eps=hp["eps"], eps_in_sqrt=True)
)
_adam = _from_optax(lambda hp: optax.scale_by_adam(b1=hp["b1"], b2=hp["b2"], eps=hp["eps"]))
_adamw = _from_optax(
    lambda hp: optax.chain(
        optax.scale_by_adam(b1=hp["b1"], b2=hp["b2"], eps=hp["eps"]),
        optax.add_decayed_weights(hp["weight_decay"]),
    )
)
_nadam = _from_optax(
    lambda hp: optax.scale_by_adam(b1=hp["b1"], b2=hp["b2"], eps=hp["eps"], nesterov=True)
)
_amsgrad = _from_optax(lambda hp: optax.scale_by_amsgrad(b1=hp["b1"], b2=hp["b2"], eps=hp["eps"]))
_adadelta = _from_optax(lambda hp: optax.scale_by_adadelta(rho=hp["decay"], eps=hp["eps"]))

_ALIGN = r"\begin{aligned}%s\end{aligned}"

_RULES = (
    Rule(
        "gd",
        "Gradient descent",
        _ALIGN % r"w &\leftarrow w - \varepsilon\, g(w)",
        (_lr(0.01),),
        _no_state,
        _gd_update,
        reference="Goodfellow et al. 2016, Alg. 8.1",
    ),
    Rule(
        "momentum",
        "Momentum",
        _ALIGN % r"v &\leftarrow \alpha v - \varepsilon\, g(w) \\ w &\leftarrow w + v",
        (_lr(0.01), _ALPHA),
        _velocity_init,
        _velocity_update,
        reference="Goodfellow et al. 2016, Alg. 8.2",
    ),
    Rule(
        "nesterov",
        "Nesterov momentum",
        _ALIGN % r"v &\leftarrow \alpha v - \varepsilon\, g(w + \alpha v) \\ w &\leftarrow w + v",
        (_lr(0.01), _ALPHA),
        _velocity_init,
        _velocity_update,
        _interim_point,
        reference="Goodfellow et al. 2016, Alg. 8.3",
    ),
    Rule(
        "adagrad",
        "AdaGrad",
        _ALIGN % r"r &\leftarrow r + g \odot g \\"
        r" w &\leftarrow w - \frac{\varepsilon}{\delta + \sqrt{r}} \odot g",
        (_lr(0.1), _delta(1e-7)),
        _zeros_init,
        _adagrad_update,
        internals=lambda r: {"r": r},
        reference="Goodfellow et al. 2016, Alg. 8.4",
    ),
    Rule(
        "rmsprop",
        "RMSProp",
        _ALIGN % r"r &\leftarrow \rho\, r + (1-\rho)\, g \odot g \\"
        r" w &\leftarrow w - \frac{\varepsilon}{\sqrt{\delta + r}} \odot g",
        (_lr(0.01), _RHO, _delta(1e-6)),
        *_rmsprop,
        internals=lambda state: {"r": state.nu},
        reference="Goodfellow et al. 2016, Alg. 8.5 (Optax scale_by_rms, eps_in_sqrt)",
    ),
    Rule(
        "rmsprop_nesterov",
        "RMSProp + Nesterov",
        _ALIGN % r"\tilde w &= w + \alpha v,\quad g = g(\tilde w) \\"
        r" r &\leftarrow \rho\, r + (1-\rho)\, g \odot g \\"
        r" v &\leftarrow \alpha v - \frac{\varepsilon}{\sqrt{\delta + r}} \odot g \\"
        r" w &\leftarrow w + v",
        (_lr(0.01), _ALPHA, _RHO, _delta(1e-6)),
        _rmsprop_nesterov_init,
        _rmsprop_nesterov_update,
        lambda w, state, hp: _interim_point(w, state.v, hp),
        internals=lambda state: {"r": state.r},
        reference="Goodfellow et al. 2016, Alg. 8.6",
    ),
    Rule(
        "adam",
        "Adam",
        _ALIGN % r"t &\leftarrow t + 1 \\"
        r" s &\leftarrow \rho_1 s + (1-\rho_1)\, g \qquad"
        r" r \leftarrow \rho_2 r + (1-\rho_2)\, g \odot g \\"
        r" \hat s &= \frac{s}{1-\rho_1^t} \qquad \hat r = \frac{r}{1-\rho_2^t} \\"
        r" w &\leftarrow w - \varepsilon\, \frac{\hat s}{\sqrt{\hat r} + \delta}",
        (_lr(0.001), _RHO1, _RHO2, _delta(1e-8)),  # Alg. 8.7's suggested ε
        *_adam,
        internals=_moments,
        reference="Goodfellow et al. 2016, Alg. 8.7; Kingma & Ba 2015 (Optax scale_by_adam)",
    ),
    Rule(
        "adamw",
        "AdamW",
        _ALIGN % r"\text{Adam's } \hat s, \hat r \\"
        r" w &\leftarrow w - \varepsilon \left(\frac{\hat s}{\sqrt{\hat r} + \delta}"
        r" + \lambda_w w\right)",
        (
            _lr(0.01),
            _RHO1,
            _RHO2,
            _delta(1e-8),
            Hyper(
                "weight_decay",
                "λ_w",
                0.01,
                0.0,
                1.0,
                domain="nonnegative",
                help="decoupled weight decay",
            ),
        ),
        *_adamw,
        internals=lambda state: _moments(state[0]),
        lecture=False,
        reference="Loshchilov & Hutter 2019 (Optax)",
    ),
    Rule(
        "nadam",
        "NAdam",
        _ALIGN % r"\text{Adam with a Nesterov look-ahead on } \hat s: \\"
        r" w &\leftarrow w - \varepsilon\, \frac{\rho_1 \hat s + (1-\rho_1)\, g/(1-\rho_1^t)}"
        r"{\sqrt{\hat r} + \delta}",
        (_lr(0.01), _RHO1, _RHO2, _delta(1e-8)),
        *_nadam,
        internals=_moments,
        lecture=False,
        reference="Dozat 2016 (Optax)",
    ),
    Rule(
        "amsgrad",
        "AMSGrad",
        _ALIGN % r"\text{Adam's } s, r; \quad r_{\max} &\leftarrow \max(r_{\max}, \hat r) \\"
        r" w &\leftarrow w - \varepsilon\, \frac{\hat s}{\sqrt{r_{\max}} + \delta}",
        (_lr(0.01), _RHO1, _RHO2, _delta(1e-8)),
        *_amsgrad,
        internals=lambda state: {"s": state.mu, "r": state.nu_max},
        lecture=False,
        reference="Reddi et al. 2018 (Optax)",
    ),
    Rule(
        "adadelta",
        "Adadelta",
        _ALIGN % r"r &\leftarrow \rho\, r + (1-\rho)\, g \odot g \\"
        r" \Delta &= \frac{\sqrt{u + \delta}}{\sqrt{r + \delta}} \odot g \\"
        r" u &\leftarrow \rho\, u + (1-\rho)\, \Delta \odot \Delta \\"
        r" w &\leftarrow w - \varepsilon\, \Delta",
        (_lr(1.0), _RHO, _delta(1e-6)),
        *_adadelta,
        internals=lambda state: {"r": state.e_g},
        lecture=False,
        reference="Zeiler 2012 (Optax)",
    ),
    Rule(
        "newton",
        "Newton",
        _ALIGN % r"w &\leftarrow w - \varepsilon\, H^{-1} g(w)",
        (_lr(1.0),),
        _no_state,
        _newton_update,
        needs_hessian=True,
        lecture=False,
        reference="Nocedal & Wright 2006, ch. 3",
    ),
    Rule(
        "saddle_free_newton",
        "Saddle-free Newton",
        _ALIGN % r"H &= Q \Lambda Q^\top, \quad |H| = Q |\Lambda| Q^\top \\"
        r" w &\leftarrow w - \varepsilon\, (|H| + \delta I)^{-1} g(w)",
        (_lr(1.0), _delta(1e-2)),
        _no_state,
        _saddle_free_newton_update,
        needs_hessian=True,
        lecture=False,
        reference="Dauphin et al. 2014",
    ),
)

RULES: dict[str, Rule] = {rule.name: rule for rule in _RULES}
OPTIMIZERS: tuple[str, ...] = tuple(RULES)
LECTURE_OPTIMIZERS: tuple[str, ...] = tuple(r.name for r in _RULES if r.lecture)


def get_rule(name: str) -> Rule:
    """The rule called `name`; ValueError listing the valid names otherwise."""
    try:
        return RULES[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown optimizer {name!r}; valid: {', '.join(OPTIMIZERS)}") from None
