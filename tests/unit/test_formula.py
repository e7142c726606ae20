"""The safe formula parser: values against NumPy, precedence against Python's own grammar,
gradients against hand-derived ones, and hostile text that must end in ``FormulaError``."""

import time

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from jax.tree_util import Partial
from scipy.special import expit

from landscapes.formula import (
    FORMULA_FUNCTIONS,
    MAX_FORMULA_LENGTH,
    MAX_NESTING,
    PROGRAM_LENGTHS,
    REGISTERS,
    Formula,
    FormulaError,
    parse_formula,
    run_program,
)
from tests.compiles import CompileCounter

POINTS = np.random.default_rng(0).uniform(-2.0, 2.0, size=(16, 2))
POSITIVE_POINTS = np.abs(POINTS) + 0.1  # inside the domain of log, sqrt, tan (< pi/2)
PROPERTY_SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

NUMPY_FUNCTIONS = {
    "sin": np.sin,
    "cos": np.cos,
    "tan": np.tan,
    "exp": np.exp,
    "log": np.log,
    "log1p": np.log1p,
    "sqrt": np.sqrt,
    "abs": np.abs,
    "tanh": np.tanh,
    "sinh": np.sinh,
    "cosh": np.cosh,
    "arctan": np.arctan,
    "sigmoid": expit,
    "softplus": lambda v: np.logaddexp(v, 0.0),
    "min": np.minimum,
    "max": np.maximum,
}

VALUE_CASES = [
    ("x**2 - y**2 + 0.1*sin(3*x)", lambda x, y: x**2 - y**2 + 0.1 * np.sin(3 * x)),
    ("-x**2", lambda x, y: -(x**2)),
    ("x^2 + y^3", lambda x, y: x**2 + y**3),
    ("2**3**2 * x", lambda x, y: 512 * x),
    ("x - y - 1", lambda x, y: (x - y) - 1),
    ("x / y / 2", lambda x, y: (x / y) / 2),
    ("-x*y + 2**-x", lambda x, y: (-x) * y + 2 ** (-x)),
    ("+x - +y - -x", lambda x, y: x - y + x),
    ("((x))*((y + 1))", lambda x, y: x * (y + 1)),
    ("exp(-(x**2 + y**2)/2)", lambda x, y: np.exp(-(x**2 + y**2) / 2)),
    ("log(1 + x**2) * sqrt(abs(y))", lambda x, y: np.log(1 + x**2) * np.sqrt(np.abs(y))),
    ("tanh(x) + sinh(y)/cosh(y) - tan(x/4)", lambda x, y: np.tanh(x) + np.tanh(y) - np.tan(x / 4)),
    ("atan(x) + arctan(y) + ln(3 + x)", lambda x, y: np.arctan(x) + np.arctan(y) + np.log(3 + x)),
    ("sigmoid(3*x) + softplus(y) + log1p(x^2)",
     lambda x, y: 1 / (1 + np.exp(-3 * x)) + np.log(1 + np.exp(y)) + np.log(1 + x**2)),
    ("min(x, y) + max(x**2, 2*y)", lambda x, y: np.minimum(x, y) + np.maximum(x**2, 2 * y)),
    ("pi*x + e**y", lambda x, y: np.pi * x + np.exp(y)),
    ("1.5e-1*x + .5*y + 2.*x + 1E+1*y", lambda x, y: 0.15 * x + 0.5 * y + 2 * x + 10 * y),
    ("x**3 + x**0 + y**-2", lambda x, y: x**3 + 1 + y**-2.0),
    ("x − y × 2 ÷ 4 · x", lambda x, y: x - y * 2 / 4 * x),  # signs pasted from slides
    ("x\t+\ny", lambda x, y: x + y),
]  # fmt: skip


@pytest.mark.parametrize(("text", "reference"), VALUE_CASES)
def test_values_match_numpy(text, reference):
    formula = parse_formula(text)
    values = [float(formula({}, jnp.asarray(w))) for w in POINTS]
    np.testing.assert_allclose(values, reference(POINTS[:, 0], POINTS[:, 1]), rtol=1e-12)


def test_every_function_matches_numpy():
    assert set(FORMULA_FUNCTIONS) == set(NUMPY_FUNCTIONS)
    assert {"sin", "cos", "exp", "log", "sqrt", "tanh", "arctan", "sigmoid"} <= set(
        FORMULA_FUNCTIONS
    )
    for name, reference in NUMPY_FUNCTIONS.items():
        two = name in ("min", "max")
        formula = parse_formula(f"{name}(x, y)" if two else f"{name}(x)")
        x, y = POSITIVE_POINTS[:, 0], POSITIVE_POINTS[:, 1]
        expected = reference(x, y) if two else reference(x)
        values = jax.vmap(Partial(formula, {}))(jnp.asarray(POSITIVE_POINTS))
        np.testing.assert_allclose(values, expected, rtol=1e-12, err_msg=name)


def test_precedence_follows_python():
    x = 1.7
    assert float(parse_formula("-x**2")({}, jnp.array([x, 0.0]))) == -(x**2)
    assert parse_formula("-x**2") == parse_formula("-(x**2)") != parse_formula("(-x)**2")
    assert parse_formula("2**3**2*x") == parse_formula("2**(3**2)*x")
    assert parse_formula("x^2") == parse_formula("x**2")
    assert parse_formula("x - y - 1") == parse_formula("(x - y) - 1")
    assert parse_formula("x/y*2") == parse_formula("(x/y)*2")
    assert parse_formula("x + y*2") == parse_formula("x + (y*2)")


def test_same_text_gives_equal_hashable_formulas():
    first, second = parse_formula("x^2 + 0.5*y"), parse_formula("x^2 + 0.5*y")
    assert first == second and hash(first) == hash(second)
    # normalisation: spelling, spaces, redundant brackets and number formats do not matter
    other = parse_formula(" (x)**2.0+ 5e-1 * (y) ")
    assert other == first and hash(other) == hash(first)
    assert other.text == first.text == "x**2 + 0.5*y"
    assert parse_formula("x + y") != parse_formula("y + x")
    assert parse_formula("atan(x)").text == "arctan(x)"
    assert isinstance(first, Formula) and len({first, second, other}) == 1


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("(x^2)^3", "(x**2)**3"),
        ("x^(2^3)", "x**2**3"),
        ("(-x)^2", "(-x)**2"),
        ("2^(-x)", "2**(-x)"),
        ("-(x^2)", "-x**2"),
        ("-(x*y)", "-(x*y)"),
        ("(-x)*y", "-x*y"),
        ("-(-x)", "-(-x)"),
        ("x - (y - 1)", "x - (y - 1)"),
        ("(x - y) - 1", "x - y - 1"),
        ("x - ((-y)*x)", "x - -y*x"),
        ("x/(y*2)", "x/(y*2)"),
        ("x/(y/2)", "x/(y/2)"),
        ("(x/y)*2", "x/y*2"),
        ("(x + y)*(x - y)", "(x + y)*(x - y)"),
        ("(x/y)^2", "(x/y)**2"),
        ("1e3*x + 2.50*y + 1e-7 + 1e20", "1000*x + 2.5*y + 1e-07 + 1e+20"),
    ],
)
def test_canonical_text_has_only_the_brackets_it_needs(typed, canonical):
    formula = parse_formula(typed)
    assert formula.text == canonical
    assert parse_formula(canonical) == formula


CHAIN_LEAVES = st.sampled_from(["x", "y", "2", "0.5"])


def _bracketed(children):
    operators = st.sampled_from(["+", "-", "*", "/", "**", "^"])
    return st.one_of(
        st.tuples(children, operators, children).map(lambda t: f"({t[0]}){t[1]}({t[2]})"),
        children.map(lambda a: f"-({a})"),
    )


@settings(max_examples=400, deadline=None)
@given(st.recursive(CHAIN_LEAVES, _bracketed, max_leaves=10))
def test_canonical_text_reads_back_as_the_same_tree(text):
    assume("x" in text or "y" in text)
    formula = parse_formula(text)
    assert parse_formula(formula.text) == formula


def test_latex():
    assert parse_formula("x^2/y + sqrt(x) - pi").latex == r"\frac{{x}^{2}}{y} + \sqrt{x} - \pi"
    assert parse_formula("abs(x)*(y - 1)").latex == r"\left|x\right| \cdot \left(y - 1\right)"


@pytest.mark.parametrize(
    ("text", "gradient"),
    [
        ("x**2*y + sin(x*y)",
         lambda x, y: (2 * x * y + y * np.cos(x * y), x**2 + x * np.cos(x * y))),
        ("log(1 + x^2) - exp(-y/2)", lambda x, y: (2 * x / (1 + x**2), 0.5 * np.exp(-y / 2))),
        ("sqrt(x**2 + y**2 + 1)",
         lambda x, y: (x / np.sqrt(x**2 + y**2 + 1), y / np.sqrt(x**2 + y**2 + 1))),
    ],
)  # fmt: skip
def test_gradient_matches_analytic(text, gradient):
    grad = jax.jit(jax.vmap(jax.grad(Partial(parse_formula(text), {}))))
    expected = np.stack(gradient(POINTS[:, 0], POINTS[:, 1]), axis=-1)
    np.testing.assert_allclose(grad(jnp.asarray(POINTS)), expected, rtol=1e-12)


def test_integer_power_has_finite_gradient_at_zero():
    # d/dx (x**0 * y) = 0 and d/dy = 1 at the origin; a float power x**0.0 would give nan
    grad = jax.grad(Partial(parse_formula("x**0*y + x**2"), {}))(jnp.zeros(2))
    np.testing.assert_array_equal(grad, [0.0, 1.0])


TRACED = []


@jax.jit
def _jitted_loss(loss, w):
    TRACED.append(loss)  # runs only while tracing
    return loss(w)


def test_jit_compiles_once_per_formula():
    w = jnp.array([0.3, -1.2])
    before = len(TRACED)
    first = _jitted_loss(Partial(parse_formula("x^2 + y"), {}), w)
    second = _jitted_loss(Partial(parse_formula("x**2 + (y)"), {}), w)  # equal tree: cache hit
    assert len(TRACED) == before + 1
    assert float(first) == float(second) == 0.3**2 - 1.2
    _jitted_loss(Partial(parse_formula("x^2 - y"), {}), w)
    assert len(TRACED) == before + 2


@pytest.mark.parametrize(
    ("text", "position", "fragment"),
    [
        ("", None, "empty"),
        ("   ", None, "empty"),
        ("x +", 3, "ends"),
        ("x + foo", 4, "unknown name 'foo' at position 4 — allowed: x, y, pi, e, sin, cos"),
        ("Sin(x)", 0, "did you mean 'sin'"),
        ("(x + 1", 0, "never closed"),
        ("sin(x", 3, "never closed"),
        ("x + 1)", 5, "unmatched ')'"),
        ("x, y", 1, "min(a, b)"),
        ("sin(x, y)", 0, "takes 1 argument, not 2"),
        ("max(x)", 0, "takes 2 arguments, not 1"),
        ("2x", 1, "operator missing"),
        ("x*1e999", 2, "too large"),
        ("x.real", 1, "'.'"),
        ("sin x", 0, "sin(...)"),
        ("3 + 4*pi", None, "must use x or y"),
        ("x $ y", 2, "'$'"),
        ("x ** * y", 5, "unexpected '*'"),
        ("x**2 ; y", 5, "';'"),
        ("()", 1, "unexpected ')'"),
        ("x" + "+x" * MAX_FORMULA_LENGTH, None, f"at most {MAX_FORMULA_LENGTH}"),
        ("(" * (MAX_NESTING + 1) + "x" + ")" * (MAX_NESTING + 1), MAX_NESTING, "nested"),
        ("-" * (MAX_NESTING + 1) + "x", MAX_NESTING, "nested"),
    ],
)
def test_errors_point_at_the_problem(text, position, fragment):
    with pytest.raises(FormulaError) as caught:
        parse_formula(text)
    assert caught.value.position == position
    assert fragment in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_deepest_allowed_nesting_parses():
    depth = MAX_NESTING
    assert parse_formula("(" * depth + "x" + ")" * depth) == parse_formula("x")
    formula = parse_formula("-" * depth + "x")
    assert float(formula({}, jnp.array([1.5, 0.0]))) == (-1) ** depth * 1.5


@pytest.mark.parametrize("value", [None, 3, 2.5, b"x", ["x"]])
def test_non_text_is_rejected(value):
    with pytest.raises(FormulaError, match="must be text"):
        parse_formula(value)


def test_pointer_puts_a_caret_under_the_culprit():
    with pytest.raises(FormulaError) as caught:
        parse_formula("x +\tfoo")
    assert caught.value.pointer() == "x + foo\n    ^"
    with pytest.raises(FormulaError) as caught:
        parse_formula("")
    assert caught.value.pointer() == ""


def test_huge_powers_give_inf_without_hanging():
    start = time.perf_counter()
    formula = parse_formula("9**9**9**9 + x")
    assert np.isinf(float(formula({}, jnp.array([1.0, 2.0]))))
    assert time.perf_counter() - start < 5.0


HOSTILE = [
    "__import__('os')",
    "__import__",
    "__builtins__",
    "x.__class__",
    "().__class__.__bases__",
    "().__class__.__bases__[0].__subclasses__()",
    "lambda: 1",
    "(lambda x: x)(y)",
    "9**9**9**9",
    "exec('x')",
    "eval('x')",
    "open('/etc/passwd')",
    "import os",
    "x; import os",
    "x\nimport os",
    "x\n",
    "globals()",
    "x if y else 1",
    "[x for x in y]",
    "x[0]",
    "x @ y",
    "x // y",
    "f'{x}'",
    "jnp.sin(x)",
    "\x00",
    "x\u202e+y",
    "１+x",  # fullwidth digit
    "٣*x",  # Arabic-Indic digit
    "(" * 10_000 + "x" + ")" * 10_000,
    "x" * 100_000,
    "x+" * 50_000 + "x",
    "sin(" * 50 + "x" + ")" * 50,
    "-" * 299 + "x",
    "x" + "**x" * 99,
    "x" + "+x" * 149,
]


def _parse_or_error(text):
    """Parse, and evaluate what parses; anything but a Formula or a FormulaError fails."""
    start = time.perf_counter()
    try:
        formula = parse_formula(text)
    except Exception as error:  # catch everything: only FormulaError may escape
        assert isinstance(error, FormulaError), repr(error)
        return None
    finally:
        assert time.perf_counter() - start < 1.0
    assert np.shape(formula({}, jnp.array([0.5, -1.5]))) == ()
    return formula


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_text_gives_formula_or_formula_error(text):
    _parse_or_error(text)


@PROPERTY_SETTINGS
@given(st.text(alphabet="xyzeEpi0123456789._+-*/^(),'\" \n;:[]{}@%!=<>abcdfghlmnoqrstuvw"))
def test_random_text_gives_formula_or_formula_error(text):
    formula = _parse_or_error(text)
    if formula is not None and len(formula.text) <= MAX_FORMULA_LENGTH:
        assert parse_formula(formula.text) == formula  # the canonical text reads back


@PROPERTY_SETTINGS
@given(st.text(max_size=60))
def test_random_unicode_gives_formula_or_formula_error(text):
    _parse_or_error(text)


OPERANDS = ["x", "y", "1.0", "2.0", "3.0", "0.5"]


@PROPERTY_SETTINGS
@given(
    st.lists(st.tuples(st.booleans(), st.sampled_from(OPERANDS)), min_size=1, max_size=7),
    st.lists(st.sampled_from(["+", "-", "*", "/", "**"]), min_size=6, max_size=6),
    st.booleans(),
)
def test_precedence_agrees_with_python(operands, operators, caret):
    """Flat chains such as ``-x ** 2.0 * y - 3.0 ** -y``: Python's grammar is the oracle.

    The strings come from a fixed alphabet of numbers, x, y and operators, never from a user.
    Bases of ``**`` are always positive atoms here, so Python's float power stays real.
    """
    python = " ".join(
        f"{operator} {'-' if negative else ''}{operand}"
        for operator, (negative, operand) in zip(["+", *operators], operands, strict=False)
    )[2:]
    assume("x" in python or "y" in python)
    try:
        expected = eval(python, {"__builtins__": {}}, {"x": 0.7, "y": 1.3})
    except (OverflowError, ZeroDivisionError):
        assume(False)
    ours = python.replace("**", "^") if caret else python
    value = parse_formula(ours)({}, jnp.array([0.7, 1.3]))
    np.testing.assert_allclose(float(value), expected, rtol=1e-9, atol=1e-9)


def _normal(value):
    """XLA on CPU flushes subnormal numbers to zero, NumPy does not: skip examples with them."""
    assume(not 0.0 < abs(value) < np.finfo(np.float64).tiny)
    return value


def _number_leaf(value):
    spellings = [repr(value), f"{value:.6e}", f"{value:E}", f"{value:.3f}"]
    return st.sampled_from(spellings).map(lambda text: (text, lambda x, y: _normal(float(text))))


LEAVES = st.sampled_from(
    [("x", lambda x, y: x), ("y", lambda x, y: y), ("pi", lambda x, y: np.pi),
     ("e", lambda x, y: np.e)]
) | st.floats(0.0, 100.0).flatmap(_number_leaf)  # fmt: skip


def _well_conditioned(name, *values):
    """XLA and NumPy may round an argument differently by an ulp; a function amplifies that by
    its condition number, so NumPy is only an oracle where that stays modest: not for sin, cos
    or tan of a huge argument (one ulp of 10¹⁵ is a quarter of a radian), nor tan at a pole."""
    if name in ("sin", "cos", "tan"):
        assume(all(abs(v) < 1e6 for v in values))
    if name == "tan":
        assume(all(abs(np.cos(v)) > 1e-6 for v in values))
    return values


def _call(name, *arguments):
    text = f"{name}({', '.join(argument[0] for argument in arguments)})"
    function = NUMPY_FUNCTIONS[{"atan": "arctan", "ln": "log"}.get(name, name)]
    return text, lambda x, y: _normal(
        function(*_well_conditioned(name, *(a[1](x, y) for a in arguments)))
    )


def _binary(operator, left, right):
    numpy_operators = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide}
    function = numpy_operators.get(operator, np.power)
    text = f"({left[0]}){operator}({right[0]})"
    return text, lambda x, y: _normal(function(left[1](x, y), right[1](x, y)))


def _extend(children):
    one = [*FORMULA_FUNCTIONS[:-2], "atan", "ln"]
    return st.one_of(
        st.builds(_call, st.sampled_from(one), children),
        st.builds(_call, st.sampled_from(["min", "max"]), children, children),
        st.builds(_binary, st.sampled_from(["+", "-", "*", "/", "**", "^"]), children, children),
        children.map(lambda a: (f"-({a[0]})", lambda x, y: -a[1](x, y))),
        children.map(lambda a: (f"+ ( {a[0]} )", a[1])),
    )


@PROPERTY_SETTINGS
@given(
    st.recursive(LEAVES, _extend, max_leaves=12),
    st.floats(-3.0, 3.0, allow_subnormal=False),
    st.floats(-3.0, 3.0, allow_subnormal=False),
)
def test_random_trees_evaluate_like_numpy(tree, x, y):
    text, reference = tree
    text = f"0*x + ({text})"  # every formula must use x or y
    assume(len(text) <= MAX_FORMULA_LENGTH)
    formula = parse_formula(text)
    with np.errstate(all="ignore"):
        expected = 0 * x + reference(x, y)
    value = float(formula({}, jnp.array([x, y])))
    np.testing.assert_allclose(value, expected, rtol=1e-6, atol=1e-9, equal_nan=True)
    if len(formula.text) <= MAX_FORMULA_LENGTH:
        assert parse_formula(formula.text) == formula


# --- the one interpreter for every formula ---------------------------------------------------

_UNARY_NAMES = [name for name in FORMULA_FUNCTIONS if name not in ("min", "max")]
INTERPRETER_LEAVES = st.sampled_from(["x", "y", "2", "0.5", "pi", "1.5e-1"])
INTEGER_EXPONENTS = st.sampled_from(["2", "3", "0", "1", "7"])


def _any_node(children):
    # Powers with a constant exponent or a positive constant base: a variable exponent over a
    # base that may be negative is real only at isolated exponents (x**(x - x)), where the
    # tree's derivatives are 0 and the chain rule's nan (log of a negative base).
    operators = st.sampled_from(["+", "-", "*", "/"])
    return st.one_of(
        st.tuples(children, operators, children).map(lambda t: f"({t[0]}){t[1]}({t[2]})"),
        st.tuples(children, INTEGER_EXPONENTS).map(lambda t: f"({t[0]})**{t[1]}"),
        st.tuples(children, st.sampled_from(["0.5", "1.5", "-2"])).map(
            lambda t: f"({t[0]})**({t[1]})"
        ),
        children.map(lambda a: f"2**({a})"),
        children.map(lambda a: f"-({a})"),
        st.tuples(st.sampled_from(_UNARY_NAMES), children).map(lambda t: f"{t[0]}({t[1]})"),
        st.tuples(st.sampled_from(["min", "max"]), children, children).map(
            lambda t: f"{t[0]}({t[1]}, {t[2]})"
        ),
    )


def _interpreted(text):
    return Partial(run_program, {"program": jnp.asarray(parse_formula(text).program)})


def _close_where_defined(actual, expected, defined):
    """Equal where the tree's result is finite; where it is not (inf or nan alike), not finite
    either, or exactly 0. Only at points where the formula's value is defined: where it is nan,
    a variable that does not occur may get a 0 derivative from the tree and a nan (0·nan) from
    the chain rule.

    The 0: the interpreter's chain rule takes a zero inner derivative as exact (``_times``), so
    √(x − x) has derivative 0 (it is the constant 0), where JAX's tree multiplies ∞ by the
    computed 1 − 1 = 0 and gets nan."""
    actual, expected = np.asarray(actual)[defined], np.asarray(expected)[defined]
    finite = np.isfinite(expected) & (np.abs(expected) < 1e12)
    undefined = actual[~np.isfinite(expected)]
    assert not (np.isfinite(undefined) & (undefined != 0)).any()
    np.testing.assert_allclose(actual[finite], expected[finite], rtol=1e-9, atol=1e-9)


_TREE = {
    "value": jax.jit(lambda f, w: jax.vmap(f)(w)),
    "gradient": jax.jit(lambda f, w: jax.vmap(jax.grad(f))(w)),
    "hessian": jax.jit(lambda f, w: jax.vmap(jax.hessian(f))(w)),
}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.recursive(INTERPRETER_LEAVES, _any_node, max_leaves=12))
@example("2**(((x)-(x))**(0.5))")  # √0 behind a derivative that is exactly 0
def test_interpreter_equals_the_tree_value_gradient_and_hessian(text):
    assume(len(text) <= MAX_FORMULA_LENGTH)
    try:
        parse_formula(text)
    except FormulaError:  # a formula of constants only
        assume(False)
    tree, interpreted = Partial(parse_formula(text), {}), _interpreted(text)
    defined = np.isfinite(_TREE["value"](tree, POINTS))
    for derivative in _TREE.values():
        _close_where_defined(derivative(interpreted, POINTS), derivative(tree, POINTS), defined)


@pytest.mark.parametrize(("text", "reference"), VALUE_CASES)
def test_interpreter_values_match_numpy(text, reference):
    values = jax.vmap(_interpreted(text))(jnp.asarray(POINTS))
    np.testing.assert_allclose(values, reference(POINTS[:, 0], POINTS[:, 1]), rtol=1e-12)


@pytest.mark.parametrize(
    ("text", "gradient", "hessian"),
    [
        ("x**2 - y**2", lambda x, y: (2 * x, -2 * y), lambda x, y: ((2, 0), (0, -2))),
        ("x**3 - 3*x*y**2",
         lambda x, y: (3 * x**2 - 3 * y**2, -6 * x * y),
         lambda x, y: ((6 * x, -6 * y), (-6 * y, -6 * x))),
        ("sin(x)*exp(y)",
         lambda x, y: (np.cos(x) * np.exp(y), np.sin(x) * np.exp(y)),
         lambda x, y: ((-np.sin(x) * np.exp(y), np.cos(x) * np.exp(y)),
                       (np.cos(x) * np.exp(y), np.sin(x) * np.exp(y)))),
    ],
)  # fmt: skip
def test_interpreter_derivatives_match_closed_forms(text, gradient, hessian):
    loss = _interpreted(text)
    for x, y in POINTS[:4]:
        w = jnp.array([x, y])
        np.testing.assert_allclose(jax.grad(loss)(w), gradient(x, y), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(jax.hessian(loss)(w), hessian(x, y), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    ("text", "gradient"), [("(x - x)**0.5", [0.0, 0.0]), ("2**((x - x)**0.5) + y", [0.0, 1.0])]
)
def test_interpreter_gives_a_constant_under_a_root_a_zero_gradient(text, gradient):
    # √(x − x) is the constant 0: the inner derivative is exactly 0, so the root's infinite
    # slope at 0 contributes nothing (JAX's tree gives ∞ · 0 = nan here)
    grad = jax.grad(_interpreted(text))(jnp.array([0.3, 0.2]))
    np.testing.assert_array_equal(grad, gradient)


def test_integer_power_through_the_interpreter_has_finite_gradient_at_zero():
    grad = jax.grad(_interpreted("x**0*y + x**2"))(jnp.zeros(2))
    np.testing.assert_array_equal(grad, [0.0, 1.0])


def test_the_largest_formulas_fit_the_registers_and_program_lengths():
    leaves = (MAX_FORMULA_LENGTH + 1) // 2
    chain = "+".join(["x"] * leaves)  # the most leaves a formula can have
    balanced = "x"
    while len(balanced) * 2 + 3 <= MAX_FORMULA_LENGTH:  # bracketed halves: the most registers
        balanced = f"({balanced})*({balanced})"
    for text in (chain, balanced, "-" * MAX_NESTING + "x", "sin(" * 14 + "x" + ")" * 14):
        program = parse_formula(text).program
        assert program.shape[1] in PROGRAM_LENGTHS
        assert program[1:4].max() < REGISTERS
    np.testing.assert_allclose(_interpreted(chain)(jnp.array([0.5, 0.0])), 0.5 * leaves)


def test_a_new_formula_compiles_nothing_after_the_first_of_its_length():
    import landscapes
    import optim

    def work(text):
        surface = landscapes.custom_surface(text, ((-2, 2), (-2, 2)))
        landscapes.loss_grid(surface.loss, surface.bounds, 30)
        optim.run(surface.loss, np.array([1.0, 0.5]), "adam", 50)
        return float(surface.loss(jnp.array([0.3, 0.4])))

    work("x**2 + 3*y**2")  # the first formula of its length class compiles
    with CompileCounter() as compiles:
        assert work("x**4 - 2*x*y + 0.5*sin(y)") == pytest.approx(
            0.3**4 - 2 * 0.3 * 0.4 + 0.5 * np.sin(0.4), rel=1e-12
        )
        work("exp(-x**2) + max(x, y)")
    assert compiles.count == 0
