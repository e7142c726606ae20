"""The runner: a whole trajectory in one jitted `lax.scan`, many trajectories in one `vmap`.

Static (a new value compiles): the optimizer, the loss *function*, the number of steps rounded
up to a bucket, the schedule's kind, the clipping kind, the L1 mode and whether minibatches are
drawn. Traced (a new value never compiles): every hyperparameter, the start point, the
schedule's numbers, the clipping threshold, λ₁ and λ₂, the penalty mask, the batch size, the
seed, and the loss's own parameters when the loss is a `jax.tree_util.Partial` or a pytree such
as a `DataLoss`.

One step, with the lecture's objective Ẽ(w) = E(w) + λ₂/2 Σᵢ mᵢwᵢ² + λ₁ Σᵢ mᵢ|wᵢ|, where the
0/1 `penalty_mask` m says which coordinates are weights (penalised) and which are biases (not:
Goodfellow et al. 2016, §7.1); by default every coordinate is a weight:

    p = lookahead(w)                       # w, or Nesterov's interim point w + αv
    g = clip(∇Ẽ(p))                        # minibatch gradient when batch_size is set
    Δ, state = update(g, state, w, ε_t)    # the optimizer's rule
    w ← w + Δ                              # then soft-thresholding for proximal L1

A loss with a method `at_step(t, seed)` (dropout, `landscapes.generalization`) is noisy: the
gradient of step t is that of the loss `at_step(t, seed)` returns (a thinned network), while
the recorded loss is the loss itself (the whole network).

A step that produces a non-finite position or loss, or leaves the box ‖w‖_∞ ≤ bound, ends the
run: `diverged_at` is that step, and the path is kept up to the last good point (positions are
never clipped).
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.tree_util import Partial

from optim.hyper import Hyper
from optim.rules import RULES, get_rule
from optim.schedules import SCHEDULE_PARAMS, get_schedule, learning_rate_at

STEP_BUCKETS = (32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384)
MAX_STEPS = STEP_BUCKETS[-1]
CLIPS = ("none", "norm", "value")
L1_MODES = ("subgradient", "proximal")

OPTIONS: tuple[Hyper, ...] = (
    Hyper("clip_threshold", "u", 1.0, 1e-3, 100.0, log=True, help="clipping threshold"),
    Hyper("l1", "λ₁", 0.0, 0.0, 1.0, domain="nonnegative", help="L1 penalty"),
    Hyper("l2", "λ₂", 0.0, 0.0, 1.0, domain="nonnegative", help="L2 penalty (weight decay)"),
    Hyper("bound", "B", 1e6, 1.0, 1e12, log=True, help="a run leaving ‖w‖∞ ≤ B has diverged"),
    Hyper("seed", "seed", 0, 0, 2**31 - 1, domain="nonnegative", help="minibatch seed"),
    Hyper("batch_size", "B", 1, 1, 1e6, domain="count", help="examples per minibatch"),
)


class Trajectory(NamedTuple):
    """One run. Rows are steps t = 0..n; n = steps, or fewer when the run diverged."""

    params: np.ndarray  # (n+1, d), w0 first
    loss: np.ndarray  # (n+1,) E(w_t), without the penalty
    grad: np.ndarray  # (n+1, d) ∇E + λ₂m⊙w + λ₁m⊙sign(w) at w_t (full batch)
    internals: dict[
        str, np.ndarray
    ]  # "v" = w_t − w_{t−1}; "s", "r" moments where the rule has them
    lr: np.ndarray  # (n+1,) ε_t of the schedule
    diverged_at: int | None
    optimizer: str


@dataclasses.dataclass(frozen=True)
class BatchTrajectory:
    """B runs of one optimizer, padded to the same length: row t past `diverged_at` repeats
    the last good point. `trajectory(i)` gives run i cut to its valid length."""

    params: np.ndarray  # (B, steps+1, d)
    loss: np.ndarray  # (B, steps+1)
    grad: np.ndarray
    internals: dict[str, np.ndarray]
    lr: np.ndarray  # (B, steps+1)
    diverged_at: np.ndarray  # (B,) int, -1 where the run did not diverge
    optimizer: str

    def __len__(self) -> int:
        return len(self.diverged_at)

    def trajectory(self, i: int) -> Trajectory:
        d = int(self.diverged_at[i])
        end = self.loss.shape[1] if d < 0 else d
        return Trajectory(
            self.params[i, :end],
            self.loss[i, :end],
            self.grad[i, :end],
            {k: v[i, :end] for k, v in self.internals.items()},
            self.lr[i, :end],
            None if d < 0 else d,
            self.optimizer,
        )


def as_loss_pytree(loss):
    """A pytree for `loss`: a plain function becomes `Partial(fn)` (compiled once per object)."""
    if not callable(loss):
        raise ValueError(f"loss must be a callable of one parameter vector, got {type(loss)}")
    if jax.tree_util.treedef_is_leaf(jax.tree_util.tree_structure(loss)):
        return Partial(loss)
    return loss


def _clip(g, kind: str, threshold):
    if kind == "norm":
        norm = jnp.linalg.norm(g)
        return jnp.where(norm > threshold, g * threshold / norm, g)
    if kind == "value":
        return jnp.clip(g, -threshold, threshold)
    return g


def _soft_threshold(w, amount):
    """Proximal step of λ₁‖w‖₁: shrink toward zero and land *exactly* on it."""
    return jnp.sign(w) * jnp.maximum(jnp.abs(w) - amount, 0.0)


def _walk(
    loss,
    w0,
    hp,
    sp,
    opt,
    mask,
    *,
    rule_name,
    n_steps,
    schedule,
    clip,
    l1_mode,
    stochastic,
    record_all,
):
    rule = RULES[rule_name]
    l1, l2 = opt["l1"], opt["l2"]
    noisy = hasattr(loss, "at_step")  # dropout: a new thinned network every step

    def smooth(w, weights, t=0):  # the differentiable part of the objective
        seen = loss.at_step(t, opt["seed"]) if noisy else loss
        e = seen.weighted(w, weights) if stochastic else seen(w)
        return e + 0.5 * l2 * jnp.sum(mask * w * w)

    def minibatch(t, ranks):
        """The weights of minibatch t (a new shuffle every epoch, drawn once per epoch) and
        the shuffle they come from; without minibatches nothing (the full loss is used)."""
        if not stochastic:
            return None, ranks
        epoch, chunk = loss.epoch_and_chunk(t, opt["batch_size"])
        # A shuffle is a sort of n random keys: draw it when an epoch starts, not every step.
        # When B is the same for every run of a batch the condition is too, and `cond` stays
        # a branch under vmap.
        ranks = jax.lax.cond(
            chunk == 0, lambda: loss.epoch_ranks(epoch, opt["seed"]), lambda: ranks
        )
        return loss.chunk_weights(ranks, chunk, opt["batch_size"]), ranks

    # Without a lookahead, minibatches or dropout the carried full gradient at w is the one.
    reuse_gradient = rule.lookahead is None and not stochastic and not noisy
    # Otherwise the full gradient is only recorded: a run that keeps the path alone (a network
    # under dropout or minibatches) needs the full loss's value, not its gradient.
    full_gradient = reuse_gradient or record_all

    def full_value_and_grad(w):
        if not full_gradient:
            return loss(w), jnp.zeros_like(w)
        e, g = jax.value_and_grad(loss)(w)
        return e, g + l2 * mask * w

    def record(w, e, g_smooth, v, state):
        if not record_all:  # the path only: for a network, the rest is 4x the data to keep
            return (w, e, jnp.zeros((0,), w.dtype), {})
        return (w, e, g_smooth + l1 * mask * jnp.sign(w), {"v": v, **rule.internals(state)})

    def body(carry, t):
        w, state, e, g_smooth, alive, diverged_at, ranks = carry
        weights, ranks = minibatch(t, ranks)
        lr = learning_rate_at(schedule, t, hp["learning_rate"], sp)
        p = w if rule.lookahead is None else rule.lookahead(w, state, hp)
        g = g_smooth if reuse_gradient else jax.grad(smooth)(p, weights, t)
        if l1_mode == "subgradient":
            g = g + l1 * mask * jnp.sign(p)
        g = _clip(g, clip, opt["clip_threshold"])
        hess = jax.hessian(smooth)(w, weights, t) if rule.needs_hessian else None
        delta, new_state = rule.update(g, state, w, hp, lr, hess)
        w_new = w + delta
        if l1_mode == "proximal":
            w_new = _soft_threshold(w_new, lr * l1 * mask)
        e_new, g_new = full_value_and_grad(w_new)
        bad = ~(
            jnp.all(jnp.isfinite(w_new))
            & jnp.isfinite(e_new)
            & jnp.all(jnp.abs(w_new) <= opt["bound"])
        )
        ok = alive & ~bad
        diverged_at = jnp.where(alive & bad, t + 1, diverged_at)
        w_next = jnp.where(ok, w_new, w)
        state = jax.tree_util.tree_map(lambda a, b: jnp.where(ok, a, b), new_state, state)
        e, g_smooth = jnp.where(ok, e_new, e), jnp.where(ok, g_new, g_smooth)
        carry = (w_next, state, e, g_smooth, ok, diverged_at, ranks)
        return carry, record(w_next, e, g_smooth, w_next - w, state)

    state0 = rule.init(w0, hp)
    e0, g0 = full_value_and_grad(w0)
    alive0 = jnp.isfinite(e0) & jnp.all(jnp.isfinite(g0))
    ranks0 = jnp.zeros(loss.n if stochastic else (), jnp.int32)  # drawn at step 0
    carry0 = (w0, state0, e0, g0, alive0, jnp.where(alive0, -1, 0), ranks0)
    (*_, diverged_at, _), rows = jax.lax.scan(body, carry0, jnp.arange(n_steps))
    first = record(w0, e0, g0, jnp.zeros_like(w0), state0)
    rows = jax.tree_util.tree_map(lambda a, b: jnp.concatenate([a[None], b]), first, rows)
    lrs = learning_rate_at(schedule, jnp.arange(n_steps + 1), hp["learning_rate"], sp)
    return (*rows, lrs), diverged_at


_STATIC = ("rule_name", "n_steps", "schedule", "clip", "l1_mode", "stochastic", "record_all")
RECORDS = ("all", "path")


@functools.partial(jax.jit, static_argnames=_STATIC)
def _run_one(loss, w0, hp, sp, opt, mask, **static):
    return _walk(loss, w0, hp, sp, opt, mask, **static)


@functools.partial(jax.jit, static_argnames=_STATIC)
def _run_many(loss, w0, hp, sp, opt, mask, **static):
    # An option given as one number for the whole batch (the batch size) stays unbatched.
    opt_axes = {k: 0 if jnp.ndim(v) else None for k, v in opt.items()}
    return jax.vmap(
        lambda w, h, s, o: _walk(loss, w, h, s, o, mask, **static), in_axes=(0, 0, 0, opt_axes)
    )(w0, hp, sp, opt)


def bucket(steps: int) -> int:
    """The compiled length for `steps`: the smallest bucket that holds it."""
    return next(b for b in STEP_BUCKETS if b >= steps)


def _check_choice(what: str, value, choices) -> None:
    if value not in choices:
        raise ValueError(f"unknown {what} {value!r}; valid: {', '.join(choices)}")


def _check_values(h: Hyper, value) -> np.ndarray:
    """Float64 array of value(s), each checked against h's domain."""
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{h.name} ({h.symbol}) must be a number, got {value!r}") from None
    for v in arr.ravel():
        h.check(v)
    return arr


def _prepare(loss, w0, optimizer, steps, settings: dict[str, Any]):
    """Validate everything in plain Python (ValueError naming the valid choices or range) and
    return the jit arguments as float64 arrays."""
    rule = get_rule(optimizer)
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)):
        raise ValueError(f"steps must be a whole number, got {steps!r}")
    if not 0 <= steps <= MAX_STEPS:
        raise ValueError(f"steps must be between 0 and {MAX_STEPS}, got {steps}")
    settings = dict(settings)
    schedule = settings.pop("schedule", "constant")
    get_schedule(schedule)
    clip = settings.pop("clip", "none")
    _check_choice("clip", clip, CLIPS)
    l1_mode = settings.pop("l1_mode", "subgradient")
    _check_choice("l1_mode", l1_mode, L1_MODES)
    record = settings.pop("record", "all")
    _check_choice("record", record, RECORDS)
    penalty_mask = settings.pop("penalty_mask", None)
    stochastic = settings.get("batch_size") is not None
    if not stochastic:
        settings.pop("batch_size", None)
    settings.setdefault("tau", max(steps, 1))

    groups = {"hp": rule.hypers, "sp": SCHEDULE_PARAMS, "opt": OPTIONS}
    valid = {h.name for hs in groups.values() for h in hs}
    unknown = sorted(set(settings) - valid)
    if unknown:
        own = sorted(h.name for h in rule.hypers)
        others = sorted(valid - set(own))
        raise ValueError(
            f"unknown setting(s) {unknown} for {optimizer!r}; valid: {own} and {others}"
        )
    args = {
        group: {h.name: _check_values(h, settings.get(h.name, h.default)) for h in hs}
        for group, hs in groups.items()
    }
    loss = as_loss_pytree(loss)
    if stochastic:
        if not hasattr(loss, "minibatch_weights"):
            raise ValueError("batch_size needs a data-defined loss (landscapes.datasets)")
        if np.any(args["opt"]["batch_size"] > loss.n):
            raise ValueError(f"batch_size must be between 1 and {loss.n}")
    try:
        w0 = np.asarray(w0, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"w0 must be an array of numbers, got {w0!r}") from None
    if w0.ndim not in (1, 2) or w0.shape[-1] == 0 or not np.all(np.isfinite(w0)):
        raise ValueError(f"w0 must be a finite vector of shape (d,), got shape {w0.shape}")
    d = w0.shape[-1]
    if penalty_mask is None:
        mask = np.ones(d)
    else:
        mask = np.asarray(penalty_mask, dtype=np.float64)
        if mask.shape != (d,) or not np.all((mask == 0) | (mask == 1)):
            raise ValueError(f"penalty_mask must be 0s and 1s of shape ({d},), got {mask!r}")
    args["mask"] = mask
    static = dict(
        rule_name=rule.name,
        n_steps=bucket(steps),
        schedule=schedule,
        clip=clip,
        l1_mode=l1_mode,
        stochastic=stochastic,
        record_all=record == "all",
    )
    return loss, w0, args, static


def _to_numpy(rows, diverged_at):
    params, loss, grad, internals, lr = jax.device_get(rows)
    return params, loss, grad, internals, lr, np.asarray(diverged_at)


def run(loss, w0, optimizer: str, steps: int = 100, **settings) -> Trajectory:
    """Walk `optimizer` from `w0` for `steps` steps over `loss` (a JAX-traceable loss(w)).

    settings: the optimizer's hyperparameters by keyword (`learning_rate`, `momentum`, `decay`,
    `b1`, `b2`, `eps`, ...; see `get_rule(optimizer).hypers`), `schedule` with its numbers
    (`decay_rate`, `drop`, `drop_every`, `final_lr`, `tau`), `clip` ("none", "norm", "value")
    with `clip_threshold`, `l1`, `l2`, `l1_mode` ("subgradient", "proximal"), `batch_size` and
    `seed` (minibatches of a data-defined loss, dropout's masks), `bound` (divergence box),
    `penalty_mask` (shape (d,), 1 where λ₁ and λ₂ act — the weights — and 0 where they do not —
    the biases; all ones by default, traced), `record`: "all"
    (the default) or "path", which keeps only `params` and `loss` per step (`grad` is then of
    shape (n+1, 0) and `internals` empty: for a network, the rest would be four times as much).
    Raises ValueError, naming the valid choices or range, on any bad input.
    """
    loss, w0, args, static = _prepare(loss, w0, optimizer, steps, settings)
    if w0.ndim != 1:
        raise ValueError(f"w0 must have shape (d,), got {w0.shape}; use run_batch for many")
    mask = args.pop("mask")
    scalars = {g: {k: float(v) for k, v in a.items()} for g, a in args.items()}
    try:
        rows, diverged_at = _run_one(
            loss, w0, scalars["hp"], scalars["sp"], scalars["opt"], mask, **static
        )
    except (TypeError, ValueError) as error:  # a loss that does not take this w0
        raise ValueError(
            f"the loss cannot be evaluated at w0 of shape {w0.shape}: {error}"
        ) from None
    params, e, grad, internals, lr, d = _to_numpy(rows, diverged_at)
    end = steps + 1 if d < 0 else min(int(d), steps + 1)
    return Trajectory(
        params[:end],
        e[:end],
        grad[:end],
        {k: v[:end] for k, v in internals.items()},
        lr[:end],
        None if d < 0 or d > steps else int(d),
        static["rule_name"],
    )


def run_batch(loss, w0s, optimizer: str, steps: int = 100, **settings) -> BatchTrajectory:
    """Many runs of one optimizer in one compiled call (vmap over a leading axis B).

    `w0s` is (B, d) or (d,); every numeric setting may be a scalar or an array of shape (B,)
    (hyperparameters, schedule numbers, λ's, seeds, batch sizes). Settings as in `run`.
    """
    loss, w0s, args, static = _prepare(loss, w0s, optimizer, steps, settings)
    mask = args.pop("mask")  # one mask for every run of the batch
    sizes = {a.shape[0] for g in args.values() for a in g.values() if a.ndim == 1}
    sizes |= {w0s.shape[0]} if w0s.ndim == 2 else set()
    if len(sizes) > 1 or any(a.ndim > 1 for g in args.values() for a in g.values()):
        raise ValueError(f"batched settings must be scalars or share one length, got {sizes}")
    size = sizes.pop() if sizes else 1
    w0s = np.broadcast_to(w0s, (size, w0s.shape[-1]))
    batched = {g: {k: np.broadcast_to(v, (size,)) for k, v in a.items()} for g, a in args.items()}
    if args["opt"]["batch_size"].ndim == 0:  # one B for all: epochs start together (see _walk)
        batched["opt"]["batch_size"] = args["opt"]["batch_size"]
    try:
        rows, diverged_at = _run_many(
            loss, w0s, batched["hp"], batched["sp"], batched["opt"], mask, **static
        )
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"the loss cannot be evaluated at w0 of shape {w0s.shape[1:]}: {error}"
        ) from None
    params, e, grad, internals, lr, d = _to_numpy(rows, diverged_at)
    n = steps + 1
    d = np.where(d > steps, -1, d)
    return BatchTrajectory(
        params[:, :n],
        e[:, :n],
        grad[:, :n],
        {k: v[:, :n] for k, v in internals.items()},
        lr[:, :n],
        d.astype(int),
        static["rule_name"],
    )
