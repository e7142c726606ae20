"""Counting the minima and saddles that weight-space symmetry alone creates.

Relabelling the n hidden neurons of a layer (permuting their incoming weight vectors and, in the
same way, the outgoing weights of the next layer) leaves the network's function unchanged. With
m hidden layers of n neurons every global minimum therefore comes in at least n!^m equivalent
copies. Two copies that differ by swapping neurons i and j are joined by a path on which the two
weight vectors move together; where they coincide (a "permutation point") the labels can be
exchanged at no cost, and the point is a critical point, often a saddle.

Counting them (Brea, Simsek, Illing & Gerstner 2019, "Weight-space symmetry in deep networks
gives rise to permutation saddles, connected by equal-loss valleys across the loss landscape",
arXiv:1907.02911): a K-th order permutation point of a layer has K pairs of coinciding neurons,
i.e. n − K distinct weight vectors of which K appear twice. The ways to lay them out on the n
neuron slots are C(n − K, K) (which K are doubled) times n!/2^K (arrangements of a multiset with
K pairs): a factor (1/2^K)·C(n − K, K) more than the n! arrangements of distinct neurons. Summed
over the m layers, with the other layers at any of their n! orderings:

    #(K-th order permutation points) ≥ (m / 2^K) · C(n − K, K) · n!^m,    1 ≤ K < n/2.

For K = 1 and one layer this is the lecture's n!/2!·(n − 1) first-order permutation points, and
it is the paper's factor Σₖ (1/2!^K)·C(nₖ − K, K) for equal layer widths. The bound is always an
integer (n!/2^K is: n! contains the even factors 2, 4, …, 2K), so everything here is exact
Python integer arithmetic, never float: the numbers quickly exceed 10³⁰⁸.

With input dimension n and output dimension q (no biases, as in the lecture) the weight space
has N = m·n² + n·q dimensions.
"""

import math
import operator
from fractions import Fraction

MAX_NEURONS = 100
MAX_LAYERS = 100
MAX_OUTPUTS = 1000
_SUPERSCRIPTS = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _as_int(name, value, low, high):
    """``value`` as a Python int in low..high (NumPy integers welcome), else a clear ValueError."""
    try:
        integer = operator.index(value)
    except TypeError:
        integer = None
    if integer is None or isinstance(value, bool) or not low <= integer <= high:
        raise ValueError(f"{name} must be an integer in {low}..{high}, got {value!r}")
    return integer


def _network(n, m):
    return (
        _as_int("neurons per layer n", n, 1, MAX_NEURONS),
        _as_int("hidden layers m", m, 1, MAX_LAYERS),
    )


def max_saddle_order(n):
    """Largest order K with K < n/2 (0 when n ≤ 2: no higher-order permutation saddles)."""
    return (_as_int("neurons per layer n", n, 1, MAX_NEURONS) - 1) // 2


def equivalent_minima(n, m):
    """n!^m: the copies of a global minimum obtained by permuting the neurons of each layer."""
    n, m = _network(n, m)
    return math.factorial(n) ** m


def first_order_permutation_points(n):
    """n!/2!·(n − 1) first-order permutation points of one layer of n neurons.

    One pair of coinciding neurons among n − 1 distinct ones: n − 1 choices of the doubled
    neuron, n!/2! arrangements of the resulting multiset on the n slots.
    """
    n = _as_int("neurons per layer n", n, 1, MAX_NEURONS)
    return math.factorial(n) * (n - 1) // 2


def saddle_lower_bound(n, m, K):
    """At least (m / 2^K)·C(n − K, K)·n!^m permutation points of order K (an exact int).

    K = 0 returns the n!^m global minima themselves (the formula at K = 0 would count each of
    them once per layer). Raises ValueError unless 0 ≤ K < n/2.
    """
    n, m = _network(n, m)
    K = _as_int(f"saddle order K (0 ≤ K < n/2 = {n / 2:g})", K, 0, max_saddle_order(n))
    if K == 0:
        return equivalent_minima(n, m)
    n_factorial = math.factorial(n)
    return m * math.comb(n - K, K) * (n_factorial // 2**K) * n_factorial ** (m - 1)


def weight_space_dimension(n, m, q):
    """N = m·n² + n·q weights: input and m − 1 hidden-to-hidden maps n × n, output n × q."""
    n, m = _network(n, m)
    q = _as_int("outputs q", q, 1, MAX_OUTPUTS)
    return m * n * n + n * q


def format_count(value, digits=3):
    """An exact number as display text: "3,628,800", "40.5" or "1.09 × 10⁵⁹".

    Whole numbers below 10⁹ in full, other numbers in [0.001, 1000) to ``digits`` significant
    digits, the rest in scientific notation with ``digits`` digits. Works for any int or
    Fraction, also beyond float range and beyond Python's 4300-digit limit on int-to-str
    conversion (only ``digits`` digits are ever converted).
    """
    value = Fraction(value)
    if value < 0:
        return "−" + format_count(-value, digits)
    if value == 0:
        return "0"
    if value.denominator == 1 and value < 10**9:
        return f"{value.numerator:,}"
    if Fraction(1, 1000) <= value < 1000:
        return f"{float(value):.{digits}g}"
    # Exponent from logarithms (fine for huge ints), then fixed exactly by integer comparisons.
    exponent = math.floor(math.log10(value.numerator) - math.log10(value.denominator))
    while True:
        mantissa = round(value * Fraction(10) ** (digits - 1 - exponent))
        if mantissa >= 10**digits:
            exponent += 1
        elif mantissa < 10 ** (digits - 1):
            exponent -= 1
        else:
            break
    text = str(mantissa)
    return f"{text[0]}.{text[1:]} × 10{str(exponent).translate(_SUPERSCRIPTS)}"


def symmetry_table(n, m, q, max_K=None):
    """Rows for a table of the counting argument, one per order K = 0 … max_K.

    Each row: ``K``; ``label``; ``count`` (exact int: n!^m minima for K = 0, else the lower
    bound on K-th order permutation points); ``per_minimum`` (count / n!^m as an exact
    Fraction); their display strings ``count_text`` and ``per_minimum_text``; and the weight-space
    dimension ``dimension`` = m·n² + n·q. ``max_K`` defaults to the largest K < n/2.
    """
    dimension = weight_space_dimension(n, m, q)
    highest = max_saddle_order(n)
    max_K = highest if max_K is None else _as_int("max_K", max_K, 0, highest)
    minima = equivalent_minima(n, m)
    rows = []
    for K in range(max_K + 1):
        count = saddle_lower_bound(n, m, K)
        per_minimum = Fraction(count, minima)
        rows.append(
            {
                "K": K,
                "label": "global minima" if K == 0 else f"order-{K} permutation points (at least)",
                "count": count,
                "count_text": format_count(count),
                "per_minimum": per_minimum,
                "per_minimum_text": format_count(per_minimum),
                "dimension": dimension,
            }
        )
    return rows
