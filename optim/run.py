"""The runner: a whole trajectory in one jitted `lax.scan`, many trajectories in one `vmap`.

Static (a new value compiles): the optimizer, the loss *function*, the number of steps rounded
up to a bucket, the schedule's kind, the clipping kind, the L1 mode and whether minibatches are
drawn; in `run_batch`, also which settings are arrays (one per run) and which one number for
all. Traced (a new value never compiles): every hyperparameter, the start point, the
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

What a call costs. On a 2-D surface a step is a few dozen flops, so a run is bounded by what
surrounds them. The settings are validated once per distinct set (a page reruns with the same
ones) and travel as one vector already on the device; a step records one packed row, and the
run comes back as one table in one transfer (v, the L1 term of the recorded gradient, ε_t and
the step that diverged are whole-table operations after the scan). The step keeps no
bookkeeping for a run that is over: a diverged run goes on uncounted, and its rows are cut by
`run` or replaced by its last good row in `run_batch`. A step this small is compiled by XLA's
CPU backend as one function for the whole loop (its "small while loop" rule, by the bytes one
iteration touches) rather than one dispatch per operation, which is most of the difference for
Adam: bench/core.py measures it against a bare `lax.scan` over Optax.
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
    if kind == "norm":  # g · min(1, u/‖g‖): one scale factor, no branch (‖g‖ = 0 gives u/0 = ∞)
        return g * jnp.minimum(1.0, threshold / jnp.linalg.norm(g))
    if kind == "value":
        return jnp.clip(g, -threshold, threshold)
    return g


def _soft_threshold(w, amount):
    """Proximal step of λ₁‖w‖₁: shrink toward zero and land *exactly* on it."""
    return jnp.sign(w) * jnp.maximum(jnp.abs(w) - amount, 0.0)


def setting_names(rule_name: str) -> tuple[str, ...]:
    """Every traced number of a run of `rule_name`, in the order the runner packs them: the
    rule's hyperparameters, the schedule's numbers, then the options."""
    hypers = (*RULES[rule_name].hypers, *SCHEDULE_PARAMS, *OPTIONS)
    return tuple(h.name for h in hypers)


@functools.cache
def _internal_names(rule_name: str) -> tuple[str, ...]:
    """The names `rule.internals` gives its state, in its order (they label table columns)."""
    rule = RULES[rule_name]
    defaults = {h.name: h.default for h in rule.hypers}
    return tuple(jax.eval_shape(lambda: rule.internals(rule.init(jnp.zeros(1), defaults))))


def _walk(
    loss,
    w0,
    p,
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
    """One run as one table, row t = [w_t, E(w_t), ∇Ẽ(w_t), the rule's internals at t,
    v_t = w_t − w_{t−1}, ε_t, the step the run diverged at (−1: none; the same on every row)];
    ∇Ẽ, the internals and v only when `record_all`.

    `p` maps every name of `setting_names(rule_name)` to its traced number. Rows after the
    step that diverged are not meaningful: the callers cut them (`run`) or repeat the last good
    row (`run_batch`), so that the compiled step carries no bookkeeping for a run that is over.
    """
    rule = RULES[rule_name]
    l1, l2 = p["l1"], p["l2"]
    noisy = hasattr(loss, "at_step")  # dropout: a new thinned network every step

    def smooth(w, weights, t=0):  # the differentiable part of the objective
        seen = loss.at_step(t, p["seed"]) if noisy else loss
        e = seen.weighted(w, weights) if stochastic else seen(w)
        return e + 0.5 * l2 * jnp.sum(mask * w * w)

    def minibatch(t, ranks):
        """The weights of minibatch t (a new shuffle every epoch, drawn once per epoch) and
        the shuffle they come from; without minibatches nothing (the full loss is used)."""
        if not stochastic:
            return None, ranks
        epoch, chunk = loss.epoch_and_chunk(t, p["batch_size"])
        # A shuffle is a sort of n random keys: draw it when an epoch starts, not every step.
        # When B is the same for every run of a batch the condition is too, and `cond` stays
        # a branch under vmap.
        ranks = jax.lax.cond(chunk == 0, lambda: loss.epoch_ranks(epoch, p["seed"]), lambda: ranks)
        return loss.chunk_weights(ranks, chunk, p["batch_size"]), ranks

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

    def row(w, e, g_smooth, state):
        """One step's record, packed in one vector so that a step writes one row of one table
        (the L1 term of the gradient and ε_t are added to the whole table after the scan)."""
        if not record_all:  # the path only: for a network, the rest is 4x the data to keep
            return jnp.concatenate([w, e[None]])
        internals = rule.internals(state)
        return jnp.concatenate([w, e[None], g_smooth, *(internals[k] for k in internal_names)])

    internal_names = _internal_names(rule_name)

    def body(carry, t):
        w, state, g_smooth, diverged_at, ranks = carry
        weights, ranks = minibatch(t, ranks)
        lr = learning_rate_at(schedule, t, p["learning_rate"], p)
        at = w if rule.lookahead is None else rule.lookahead(w, state, p)
        g = g_smooth if reuse_gradient else jax.grad(smooth)(at, weights, t)
        if l1_mode == "subgradient":
            g = g + l1 * mask * jnp.sign(at)
        g = _clip(g, clip, p["clip_threshold"])
        hess = jax.hessian(smooth)(w, weights, t) if rule.needs_hessian else None
        delta, state = rule.update(g, state, w, p, lr, hess)
        w = w + delta
        if l1_mode == "proximal":
            w = _soft_threshold(w, lr * l1 * mask)
        e, g_smooth = full_value_and_grad(w)
        # A NaN fails `<=`, so the box test also catches a non-finite position.
        good = jnp.isfinite(e) & jnp.all(jnp.abs(w) <= p["bound"])
        diverged_at = jnp.where((diverged_at < 0) & ~good, t + 1, diverged_at)
        return (w, state, g_smooth, diverged_at, ranks), row(w, e, g_smooth, state)

    state0 = rule.init(w0, p)
    e0, g0 = full_value_and_grad(w0)
    alive0 = jnp.isfinite(e0) & jnp.all(jnp.isfinite(g0))
    ranks0 = jnp.zeros(loss.n if stochastic else (), jnp.int32)  # drawn at step 0
    carry0 = (w0, state0, g0, jnp.where(alive0, -1, 0), ranks0)
    (*_, diverged_at, _), rows = jax.lax.scan(body, carry0, jnp.arange(n_steps))
    table = jnp.concatenate([row(w0, e0, g0, state0)[None], rows])
    d, t = w0.shape[-1], jnp.arange(n_steps + 1)
    columns = [table]
    if record_all:
        if l1_mode == "subgradient":  # ∇Ẽ as the step used it: + λ₁ m ⊙ sign(w)
            grad = table[:, d + 1 : 2 * d + 1] + l1 * mask * jnp.sign(table[:, :d])
            columns = [table[:, : d + 1], grad, table[:, 2 * d + 1 :]]
        w = table[:, :d]
        columns.append(jnp.concatenate([jnp.zeros((1, d), w.dtype), w[1:] - w[:-1]]))  # v
    lrs = learning_rate_at(schedule, t, p["learning_rate"], p)
    # The step that diverged rides along as the last column: the whole run is one transfer.
    stop = jnp.broadcast_to(diverged_at, t.shape).astype(table.dtype)
    return jnp.concatenate([*columns, lrs[:, None], stop[:, None]], axis=1)


def _unpack(theta, names):
    return {name: theta[i] for i, name in enumerate(names)}


_STATIC = ("rule_name", "n_steps", "schedule", "clip", "l1_mode", "stochastic", "record_all")
RECORDS = ("all", "path")


@functools.partial(jax.jit, static_argnames=_STATIC)
def _run_one(loss, w0, theta, mask, **static):
    """One run; `theta` holds the numbers of `setting_names(rule_name)` in one vector."""
    return _walk(loss, w0, _unpack(theta, setting_names(static["rule_name"])), mask, **static)


@functools.partial(jax.jit, static_argnames=(*_STATIC, "batched"))
def _run_many(loss, w0, shared, per_run, mask, *, batched, **static):
    """B runs in one vmap: `per_run` (B, k) holds the settings named in `batched`, one row a
    run; `shared` the others, in `setting_names` order. A number shared by every run stays
    unbatched inside the step (Adam's bias correction, the minibatch schedule of one B)."""
    names = setting_names(static["rule_name"])
    shared_names = tuple(n for n in names if n not in batched)

    def one(w, own):
        p = _unpack(shared, shared_names) | _unpack(own, batched)
        return _walk(loss, w, p, mask, **static)

    return jax.vmap(one)(w0, per_run)


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


def _validate(optimizer, steps, settings: dict[str, Any]):
    """Check everything that does not depend on the loss or the start in plain Python
    (ValueError naming the valid choices or range). Returns the static arguments, the numbers
    by name as float64 arrays (`setting_names` order) and the penalty mask as given."""
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

    hypers = (*rule.hypers, *SCHEDULE_PARAMS, *OPTIONS)
    unknown = sorted(set(settings) - {h.name for h in hypers})
    if unknown:
        own = sorted(h.name for h in rule.hypers)
        others = sorted({h.name for h in (*SCHEDULE_PARAMS, *OPTIONS)} - set(own))
        raise ValueError(
            f"unknown setting(s) {unknown} for {optimizer!r}; valid: {own} and {others}"
        )
    values = {h.name: _check_values(h, settings.get(h.name, h.default)) for h in hypers}
    static = dict(
        rule_name=rule.name,
        n_steps=bucket(steps),
        schedule=schedule,
        clip=clip,
        l1_mode=l1_mode,
        stochastic=stochastic,
        record_all=record == "all",
    )
    return static, values, penalty_mask


@functools.lru_cache(maxsize=512)
def _validated_once(optimizer, steps, items: tuple):
    """`_validate` for settings that are all hashable, its numbers packed into one vector
    already on the device: a page reruns with the same settings, or moves one of them."""
    static, values, penalty_mask = _validate(optimizer, steps, dict(items))
    theta = jax.device_put(np.array([float(v) for v in values.values()]))
    return static, values, theta, penalty_mask


def _validated(optimizer, steps, settings: dict[str, Any]):
    """(static, values, theta or None, penalty mask): cached where the settings are hashable
    (a run's usual keyword numbers and names), validated afresh otherwise (arrays, lists)."""
    mask = settings.pop("penalty_mask", None)
    try:
        static, values, theta, _ = _validated_once(optimizer, steps, tuple(settings.items()))
    except TypeError:  # an unhashable value: an array of settings, a list
        static, values, _ = _validate(optimizer, steps, settings)
        theta = None
    return static, values, theta, mask


@functools.lru_cache(maxsize=64)
def _ones(d: int):
    """The default penalty mask (every coordinate a weight), on the device once per size."""
    return jax.device_put(np.ones(d))


def _check_loss_and_start(loss, w0, static, values, penalty_mask):
    """The checks that depend on the loss and the start: (loss pytree, w0, mask)."""
    loss = as_loss_pytree(loss)
    if static["stochastic"]:
        if not hasattr(loss, "minibatch_weights"):
            raise ValueError("batch_size needs a data-defined loss (landscapes.datasets)")
        if np.any(values["batch_size"] > loss.n):
            raise ValueError(f"batch_size must be between 1 and {loss.n}")
    try:
        w0 = np.asarray(w0, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"w0 must be an array of numbers, got {w0!r}") from None
    if w0.ndim not in (1, 2) or w0.shape[-1] == 0 or not np.all(np.isfinite(w0)):
        raise ValueError(f"w0 must be a finite vector of shape (d,), got shape {w0.shape}")
    d = w0.shape[-1]
    if penalty_mask is None:
        return loss, w0, _ones(d)
    mask = np.asarray(penalty_mask, dtype=np.float64)
    if mask.shape != (d,) or not np.all((mask == 0) | (mask == 1)):
        raise ValueError(f"penalty_mask must be 0s and 1s of shape ({d},), got {mask!r}")
    return loss, w0, mask


def _columns(table, d: int, static) -> tuple:
    """Split a run's table (..., rows, columns) into params, loss, grad, internals, lr."""
    params, loss, lr = table[..., :d], table[..., d], table[..., -2]
    if not static["record_all"]:
        return params, loss, table[..., :0], {}, lr
    grad = table[..., d + 1 : 2 * d + 1]
    names = _internal_names(static["rule_name"])
    at = 2 * d + 1  # the rule's internals, then v
    internals = {"v": table[..., at + len(names) * d : at + (len(names) + 1) * d]}
    internals |= {k: table[..., at + i * d : at + (i + 1) * d] for i, k in enumerate(names)}
    return params, loss, grad, internals, lr


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
    static, values, theta, mask = _validated(optimizer, steps, settings)
    loss, w0, mask = _check_loss_and_start(loss, w0, static, values, mask)
    if w0.ndim != 1:
        raise ValueError(f"w0 must have shape (d,), got {w0.shape}; use run_batch for many")
    if theta is None:  # validated afresh: one number per setting, or an error names it
        theta = np.array([float(v) for v in values.values()])
    try:
        table = np.asarray(_run_one(loss, w0, theta, mask, **static))
    except (TypeError, ValueError) as error:  # a loss that does not take this w0
        raise ValueError(
            f"the loss cannot be evaluated at w0 of shape {w0.shape}: {error}"
        ) from None
    d = int(table[0, -1])
    end = steps + 1 if d < 0 else min(d, steps + 1)
    params, e, grad, internals, lr = _columns(table[:end], w0.shape[0], static)
    return Trajectory(
        params, e, grad, internals, lr, None if d < 0 or d > steps else int(d), static["rule_name"]
    )


def run_batch(loss, w0s, optimizer: str, steps: int = 100, **settings) -> BatchTrajectory:
    """Many runs of one optimizer in one compiled call (vmap over a leading axis B).

    `w0s` is (B, d) or (d,); every numeric setting may be a scalar or an array of shape (B,)
    (hyperparameters, schedule numbers, λ's, seeds, batch sizes). Settings as in `run`.
    A setting given as one number is shared by every run (one value inside the compiled step);
    which settings are arrays is part of the compiled program.
    """
    static, values, _, mask = _validated(optimizer, steps, settings)
    loss, w0s, mask = _check_loss_and_start(loss, w0s, static, values, mask)
    sizes = {a.shape[0] for a in values.values() if a.ndim == 1}
    sizes |= {w0s.shape[0]} if w0s.ndim == 2 else set()
    if len(sizes) > 1 or any(a.ndim > 1 for a in values.values()):
        raise ValueError(f"batched settings must be scalars or share one length, got {sizes}")
    size = sizes.pop() if sizes else 1
    w0s = np.broadcast_to(w0s, (size, w0s.shape[-1]))
    batched = tuple(k for k, a in values.items() if a.ndim == 1)
    shared = np.array([float(a) for a in values.values() if a.ndim == 0])
    per_run = np.stack([values[k] for k in batched], axis=1) if batched else np.zeros((size, 0))
    try:
        table = _run_many(loss, w0s, shared, per_run, mask, batched=batched, **static)
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"the loss cannot be evaluated at w0 of shape {w0s.shape[1:]}: {error}"
        ) from None
    table = np.asarray(table)[:, : steps + 1]
    d = table[:, 0, -1].astype(int)
    d = np.where(d > steps, -1, d)
    if np.any(d >= 0):  # past the step that diverged a run repeats its last good row and
        table = np.array(table)  # stands still (v = 0); ε_t goes on
    params, e, grad, internals, lr = _columns(table, w0s.shape[1], static)
    kept = [params, e[..., None], grad, *(a for k, a in internals.items() if k != "v")]
    for i in np.flatnonzero(d >= 0):
        for a in kept:
            a[i, d[i] :] = a[i, max(d[i] - 1, 0)]
        if "v" in internals:
            internals["v"][i, d[i] :] = 0.0
    return BatchTrajectory(params, e, grad, internals, lr, d.astype(int), static["rule_name"])
