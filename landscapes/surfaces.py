"""The catalogue of 2-D test surfaces: each a loss E(w) of w = (x, y) with its teaching note.

A surface's loss is `jax.tree_util.Partial(fn, params)`: `fn` is a module-level function (static
for jit, hashed by identity) and `params` a dict of float64 numbers (traced), so moving a κ or
cliff-height slider never compiles anything. References for the classic functions: Rosenbrock
(1960), Beale (1958), Himmelblau (1972), Dixon & Szegő (1978) for the six-hump camel and
Goldstein–Price, Rastrigin (1974); the saddle and cliff pictures follow Goodfellow et al.
(2016) §4.3 and §8.2.4.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np
from jax.tree_util import Partial

from landscapes.formula import parse_formula, run_program
from optim.hyper import Hyper
from optim.run import as_loss_pytree

Bounds = tuple[tuple[float, float], tuple[float, float]]
Point = tuple[float, float]


@dataclasses.dataclass(frozen=True)
class Surface:
    name: str
    title: str
    note: str
    fn: Callable  # fn(params, w) -> scalar, module-level
    params: dict[str, float]
    param_specs: tuple[Hyper, ...]
    bounds: Bounds
    starts: tuple[Point, ...]
    minima: tuple[Point, ...]  # known minima, global first; may be empty
    log_color: bool = False

    @property
    def loss(self) -> Partial:
        """E(w) for w of shape (2,), with the parameters as traced leaves."""
        return Partial(self.fn, {k: jnp.asarray(v, jnp.float64) for k, v in self.params.items()})


@dataclasses.dataclass(frozen=True)
class _Entry:
    title: str
    note: str
    fn: Callable
    bounds: Bounds
    starts: tuple[Point, ...]
    minima: Callable[[dict], tuple[Point, ...]]
    param_specs: tuple[Hyper, ...] = ()
    log_color: bool = False


# --- the functions: fn(params, w) ----------------------------------------------------------


def _rotate(angle_deg, w):
    a = jnp.deg2rad(angle_deg)
    c, s = jnp.cos(a), jnp.sin(a)
    return c * w[0] + s * w[1], -s * w[0] + c * w[1]


def ravine(p, w):
    """½ (u²/κ + v²) in coordinates (u, v) rotated by the angle: curvature 1/κ along the
    valley, 1 across it, so the Hessian's condition number is κ."""
    u, v = _rotate(p["angle"], w)
    return 0.5 * (u**2 / p["kappa"] + v**2)


def valley(p, w):
    """A long, narrow, curved valley y = c·sin x, descending gently toward x = 4."""
    x, y = w
    return 0.5 * p["steepness"] * (y - p["curvature"] * jnp.sin(x)) ** 2 + 0.01 * (x - 4.0) ** 2


def rosenbrock(p, w):
    x, y = w
    return (p["a"] - x) ** 2 + p["b"] * (y - x**2) ** 2


def beale(p, w):
    x, y = w
    return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2


def himmelblau(p, w):
    x, y = w
    return (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2


def six_hump_camel(p, w):
    x, y = w
    return (4 - 2.1 * x**2 + x**4 / 3) * x**2 + x * y + (-4 + 4 * y**2) * y**2


def rastrigin(p, w):
    return 2 * p["A"] + jnp.sum(w**2 - p["A"] * jnp.cos(2 * jnp.pi * w))


def goldstein_price(p, w):
    x, y = w
    a = 1 + (x + y + 1) ** 2 * (19 - 14 * x + 3 * x**2 - 14 * y + 6 * x * y + 3 * y**2)
    b = 30 + (2 * x - 3 * y) ** 2 * (18 - 32 * x + 12 * x**2 + 48 * y - 36 * x * y + 27 * y**2)
    return a * b


def saddle(p, w):
    x, y = w
    return x**2 - y**2


def monkey_saddle(p, w):
    x, y = w
    return x**3 - 3 * x * y**2


def two_minima(p, w):
    """¼(x² − 1)² + ½ y² + t·x: two minima near x = ±1 and a saddle between them."""
    x, y = w
    return 0.25 * (x**2 - 1) ** 2 + 0.5 * y**2 + p["tilt"] * x


def plateau(p, w):
    """1 − exp(−‖w‖²/(2σ²)): a bowl of width σ in a plain where the gradient all but vanishes."""
    return 1 - jnp.exp(-jnp.sum(w**2) / (2 * p["width"] ** 2))


def cliff(p, w):
    """A high flat shelf that ends in a cliff of height h at x = 0, then a gentle bowl at (3, 0)."""
    x, y = w
    shelf = 0.5 * p["height"] * (1 - jnp.tanh(p["sharpness"] * x))
    return shelf + 0.05 * ((x - 3.0) ** 2 + y**2)


def plane(p, w):
    """A constant slope: E = g₁x + g₂y has the same gradient (g₁, g₂) everywhere."""
    return p["gx"] * w[0] + p["gy"] * w[1]


# --- known minima --------------------------------------------------------------------------


def _two_minima_points(p) -> tuple[Point, ...]:
    # ∂E/∂x = x³ − x + t = 0 (on y = 0): with three real roots the outer two are minima and
    # the middle one the saddle; with one (|t| large) it is the only minimum.
    roots = np.roots([1.0, 0.0, -1.0, p["tilt"]])
    xs = np.sort(roots.real[np.abs(roots.imag) < 1e-9])
    outer = [xs[0], xs[-1]] if len(xs) == 3 else list(xs)
    outer.sort(key=lambda x: 0.25 * (x**2 - 1) ** 2 + p["tilt"] * x)
    return tuple((float(x), 0.0) for x in outer)


def _none(p) -> tuple[Point, ...]:
    return ()


def _fixed(*points: Point):
    return lambda p: points


_CATALOGUE: dict[str, _Entry] = {
    "ravine": _Entry(
        "Ravine (ill-conditioned quadratic)",
        "A quadratic bowl stretched κ times more along one axis than the other. Gradient "
        "descent zig-zags across the steep walls and crawls along the flat floor; momentum "
        "damps the zig-zag and accelerates along the floor.",
        ravine,
        ((-5.0, 5.0), (-5.0, 5.0)),
        ((-4.5, 2.5), (4.0, -3.0)),
        _fixed((0.0, 0.0)),
        (
            Hyper(
                "kappa", "κ", 20.0, 1.0, 1000.0, log=True, domain="count", help="condition number"
            ),
            Hyper(
                "angle",
                "θ",
                0.0,
                -90.0,
                90.0,
                domain="finite",
                help="rotation of the valley in degrees",
            ),
        ),
    ),
    "valley": _Entry(
        "Long curved valley",
        "A narrow valley that bends like a sine wave and slopes gently toward its minimum at "
        "x = 4. The steep walls force small steps, the gentle floor rewards momentum and "
        "per-coordinate step sizes.",
        valley,
        ((-6.0, 6.0), (-3.0, 3.0)),
        ((-5.0, 1.5),),
        lambda p: ((4.0, float(p["curvature"] * math.sin(4.0))),),
        (
            Hyper("steepness", "a", 10.0, 0.5, 100.0, log=True, help="steepness of the walls"),
            Hyper("curvature", "c", 1.0, 0.0, 2.0, domain="nonnegative", help="bend of the valley"),
        ),
    ),
    "rosenbrock": _Entry(
        "Rosenbrock",
        "The banana-shaped valley: finding the valley is easy, following its curved flat floor "
        "to the minimum at (a, a²) is hard.",
        rosenbrock,
        ((-2.0, 2.0), (-1.0, 3.0)),
        ((-1.5, 2.5), (-1.2, 1.0)),
        lambda p: ((p["a"], p["a"] ** 2),),
        (
            Hyper("a", "a", 1.0, -1.5, 1.5, domain="finite"),
            Hyper("b", "b", 100.0, 1.0, 1000.0, log=True, help="steepness of the valley walls"),
        ),
        log_color=True,
    ),
    "beale": _Entry(
        "Beale",
        "Flat plateaus and sharp ridges around a minimum at (3, 0.5): step sizes that suit one "
        "region fail in the next. The scene of the classic optimizer animations.",
        beale,
        ((-4.5, 4.5), (-4.5, 4.5)),
        ((1.0, 1.5), (-2.0, -2.0)),
        _fixed((3.0, 0.5)),
        log_color=True,
    ),
    "himmelblau": _Entry(
        "Himmelblau",
        "Four minima of equal height, a maximum and four saddles: where an optimizer ends up "
        "depends on where it starts.",
        himmelblau,
        ((-5.0, 5.0), (-5.0, 5.0)),
        ((0.0, 0.0), (-1.0, -1.0)),
        _fixed((3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126)),
        log_color=True,
    ),
    "six_hump_camel": _Entry(
        "Six-hump camel",
        "Six minima (two of them global) and the saddles between them, all in a small box.",
        six_hump_camel,
        ((-2.0, 2.0), (-1.2, 1.2)),
        ((-1.5, 1.0), (1.5, -1.0)),
        _fixed((0.0898, -0.7126), (-0.0898, 0.7126)),
    ),
    "rastrigin": _Entry(
        "Rastrigin",
        "A bowl covered with ripples: at the default A = 10 there is a local minimum near "
        "every point with whole-number coordinates, 11 × 11 = 121 in the box, and each can "
        "trap gradient descent; only the one at the origin is global.",
        rastrigin,
        ((-5.12, 5.12), (-5.12, 5.12)),
        ((3.2, 2.1), (-4.0, 4.5)),
        _fixed((0.0, 0.0)),
        (Hyper("A", "A", 10.0, 0.0, 20.0, domain="nonnegative", help="height of the ripples"),),
    ),
    "goldstein_price": _Entry(
        "Goldstein–Price",
        "A landscape whose values span five orders of magnitude, with a global minimum of 3 at "
        "(0, −1) and several local ones.",
        goldstein_price,
        ((-2.0, 2.0), (-2.0, 2.0)),
        ((-1.5, 1.5), (1.2, 0.8)),
        _fixed((0.0, -1.0)),
        log_color=True,
    ),
    "saddle": _Entry(
        "Saddle x² − y²",
        "The simplest saddle: up along x, down along y. The Hessian has one negative eigenvalue "
        "(index 1). Starting almost on the x-axis, gradient descent first rushes toward the "
        "saddle and then takes a long time to escape along y.",
        saddle,
        ((-2.0, 2.0), (-2.0, 2.0)),
        ((-1.8, 1e-3), (1.5, 0.05)),
        _none,
    ),
    "monkey_saddle": _Entry(
        "Monkey saddle x³ − 3xy²",
        "A degenerate critical point: the Hessian at the origin is zero, so the second-order "
        "test says nothing; the surface goes down in three directions.",
        monkey_saddle,
        ((-1.5, 1.5), (-1.5, 1.5)),
        ((1.2, 0.1), (1.0, -0.8)),
        _none,
    ),
    "two_minima": _Entry(
        "Two minima and a saddle",
        "Two valleys separated by a saddle at the origin. A path started near the y-axis is "
        "first drawn toward the saddle, then falls into one minimum or the other, depending "
        "on which side it started.",
        two_minima,
        ((-2.0, 2.0), (-2.0, 2.0)),
        ((0.05, 1.8), (-0.05, 1.8)),
        _two_minima_points,
        (Hyper("tilt", "c", 0.0, -0.3, 0.3, domain="finite", help="makes one minimum deeper"),),
    ),
    "plateau": _Entry(
        "Plateau",
        "A narrow bowl in a vast flat plain. Far from the bowl the gradient is almost zero and "
        "plain gradient descent barely moves; adaptive methods rescale the tiny gradient.",
        plateau,
        ((-4.0, 4.0), (-4.0, 4.0)),
        ((3.0, 2.5),),
        _fixed((0.0, 0.0)),
        (Hyper("width", "σ", 1.0, 0.3, 3.0, help="width of the bowl"),),
    ),
    "cliff": _Entry(
        "Cliff",
        "A flat shelf that ends in a steep cliff. At the edge the gradient is huge and a plain "
        "step flings the parameters far away; clipping the gradient keeps the step sane.",
        cliff,
        ((-4.0, 8.0), (-3.0, 3.0)),
        ((-3.0, 1.0),),
        _fixed((3.0, 0.0)),
        (
            Hyper(
                "height", "h", 10.0, 0.0, 100.0, domain="nonnegative", help="height of the cliff"
            ),
            Hyper("sharpness", "b", 20.0, 1.0, 200.0, log=True, help="steepness of the cliff"),
        ),
    ),
    "plane": _Entry(
        "Constant slope",
        "A tilted plane: the gradient is the same everywhere, so momentum keeps accelerating "
        "until its step reaches the terminal length ε‖g‖/(1 − α), ten times plain gradient "
        "descent for α = 0.9.",
        plane,
        ((-60.0, 5.0), (-10.0, 10.0)),
        ((0.0, 0.0),),
        _none,
        (
            Hyper("gx", "g₁", 1.0, -2.0, 2.0, domain="finite", help="slope along x"),
            Hyper("gy", "g₂", 0.0, -2.0, 2.0, domain="finite", help="slope along y"),
        ),
    ),
}

SURFACES: tuple[str, ...] = tuple(_CATALOGUE)


def get_surface(name: str, **params) -> Surface:
    """The catalogue surface `name` with its parameters (defaults for those not given).

    Raises ValueError naming the valid surfaces, parameters or range."""
    try:
        entry = _CATALOGUE[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown surface {name!r}; valid: {', '.join(SURFACES)}") from None
    specs = {h.name: h for h in entry.param_specs}
    unknown = sorted(set(params) - set(specs))
    if unknown:
        raise ValueError(f"unknown parameter(s) {unknown} of {name!r}; valid: {sorted(specs)}")
    values = {k: h.check(params.get(k, h.default)) for k, h in specs.items()}
    return Surface(
        name,
        entry.title,
        entry.note,
        entry.fn,
        values,
        entry.param_specs,
        entry.bounds,
        entry.starts,
        entry.minima(values),
        entry.log_color,
    )


@jax.jit
def _grid_values(loss, xs, ys):
    return jax.vmap(lambda y: jax.vmap(lambda x: loss(jnp.stack([x, y])))(xs))(ys)


def loss_grid(loss, bounds: Bounds, n: int = 150):
    """E on an n×n grid over `bounds`: (xs, ys, Z) with Z[i, j] = E(xs[j], ys[i]) (Plotly's
    row = y convention). Non-finite values come back as NaN."""
    (x0, x1), (y0, y1) = bounds
    xs, ys = np.linspace(x0, x1, n), np.linspace(y0, y1, n)
    z = np.asarray(_grid_values(as_loss_pytree(loss), xs, ys))
    return xs, ys, np.where(np.isfinite(z), z, np.nan)


MAX_BOUND = 1e4


def check_bounds(bounds) -> Bounds:
    """((xmin, xmax), (ymin, ymax)) as floats, finite, ordered and within ±MAX_BOUND."""
    try:
        (x0, x1), (y0, y1) = ((float(a), float(b)) for a, b in bounds)
    except (TypeError, ValueError):
        raise ValueError(f"bounds must be ((xmin, xmax), (ymin, ymax)), got {bounds!r}") from None
    for lo, hi, axis in ((x0, x1, "x"), (y0, y1, "y")):
        if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
            raise ValueError(f"{axis} bounds must be finite numbers with min < max, got {lo}, {hi}")
        if max(abs(lo), abs(hi)) > MAX_BOUND:
            raise ValueError(f"{axis} bounds must lie within ±{MAX_BOUND:g}")
    return (x0, x1), (y0, y1)


def custom_surface(text: str, bounds=((-2.0, 2.0), (-2.0, 2.0))) -> Surface:
    """A surface from a typed formula in x and y, parsed against a whitelist (never eval-ed).

    Its loss is the one formula interpreter, ``run_program``, with the formula's program as a
    traced parameter: a new formula compiles nothing new (see `landscapes.formula`).

    Raises FormulaError (a ValueError, with the position of the problem) for a bad formula and
    ValueError for bad bounds."""
    formula = parse_formula(text)
    (x0, x1), (y0, y1) = bounds = check_bounds(bounds)
    start = (x0 + 0.8 * (x1 - x0), y0 + 0.7 * (y1 - y0))
    title, program = f"E = {formula.text}", {"program": formula.program}
    return Surface(
        "custom", title, "Your own formula.", run_program, program, (), bounds, (start,), ()
    )
