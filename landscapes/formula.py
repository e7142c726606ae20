"""Surfaces typed by students, e.g. ``x**2 - y**2 + 0.1*sin(3*x)``, parsed safely into JAX losses.

The text is never handed to ``eval``, ``exec`` or ``compile``, nor to Python's ``ast`` (whose
recursion crashes on deeply nested input). A small tokenizer and a precedence-climbing parser
(T. Norvell, "Parsing expressions by recursive descent", 1999) accept only a whitelist, with
Python's precedence, ``^`` as a synonym of ``**``, and bounded length and nesting::

    expression := primary (operator expression)*    binding: + - (1) < * / (2) < unary (3) < ** (4)
    primary    := ('-' | '+') expression  |  number  |  x | y | pi | e  |  '(' expression ')'
                | function '(' expression ')'  |  min|max '(' expression ',' expression ')'

So ``-x**2 = -(x**2)`` and ``2**3**2 = 2**9``. The result is a tuple tree, so that the same
formula parsed twice gives equal, equally hashed objects.

Computing with a formula goes through one interpreter for every formula (``run_program``): the
tree is written out in post-order as a straight-line program, slot k = op_k(slot l_k, slot r_k)
(or a number, x or y), padded to one of a few lengths (``PROGRAM_LENGTHS``), and evaluated by a
``lax.fori_loop`` whose body picks the operation with ``lax.switch``. Opcodes, operand slots and
numbers are traced arrays, so a new formula (or a changed constant) reuses the programs compiled
for the first one of its length class instead of compiling new ones that would stay in memory
for the life of the process; JAX differentiates the loop like any other (value, gradient and
Hessian equal those of the tree evaluated directly, ``Formula.__call__``).
"""

import difflib
import math
import re
from dataclasses import dataclass, field
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

MAX_FORMULA_LENGTH = 300
MAX_NESTING = 30  # brackets, signs and exponents nested inside one another

# fmt: off
_FUNCTIONS = {
    "sin": jnp.sin, "cos": jnp.cos, "tan": jnp.tan, "exp": jnp.exp, "log": jnp.log,
    "log1p": jnp.log1p, "sqrt": jnp.sqrt, "abs": jnp.abs, "tanh": jnp.tanh, "sinh": jnp.sinh,
    "cosh": jnp.cosh, "arctan": jnp.arctan, "sigmoid": jax.nn.sigmoid,
    "softplus": jax.nn.softplus, "min": jnp.minimum, "max": jnp.maximum,
}
# fmt: on
FORMULA_FUNCTIONS = tuple(_FUNCTIONS)
_TWO_ARGUMENTS = ("min", "max")
_ALIASES = {"atan": "arctan", "ln": "log"}
_CONSTANTS = {"pi": math.pi, "e": math.e}
_ALLOWED_NAMES = ("x", "y", *_CONSTANTS, *_FUNCTIONS)
_LATEX_NAMES = {
    "sigmoid": r"\sigma",
    "log1p": r"\operatorname{log1p}",
    "softplus": r"\operatorname{softplus}",
}

_BINDING = {"+": 1, "-": 1, "*": 2, "/": 2, "**": 4}  # ** groups to the right, others to the left
_UNARY, _ATOM = 3, 5  # -x**2 = -(x**2) while -x*y = (-x)*y
_OPERATIONS = {"+": jnp.add, "-": jnp.subtract, "*": jnp.multiply, "/": jnp.divide}

_TOKEN = re.compile(
    r"(?P<space>\s+)|(?P<number>(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<op>\*\*|[-+*/^(),])",
    re.ASCII,  # no Unicode digits or letters
)
_LOOKALIKES = str.maketrans("−×·÷", "-**/")  # operators pasted from slides, one char for one


class FormulaError(ValueError):
    """A formula that cannot be used. ``position``: 0-based index of the culprit, or None."""

    def __init__(self, message: str, position: int | None = None, text: str | None = None):
        super().__init__(message)
        self.position, self.text = position, text

    def pointer(self) -> str:
        """The formula with a caret under the culprit (for a monospace box), or ``""``."""
        if self.position is None or self.text is None:
            return ""
        return re.sub(r"\s", " ", self.text) + "\n" + " " * self.position + "^"


class _Token(NamedTuple):
    kind: str  # "number", "name", "op" or "end"
    value: str
    position: int


def _tokenize(text: str) -> list[_Token]:
    tokens, position = [], 0
    while position < len(text):
        if (match := _TOKEN.match(text, position)) is None:
            message = f"the character {text[position]!r} at position {position} is not allowed"
            raise FormulaError(message, position, text)
        if match.lastgroup != "space":
            value = "**" if match.group() == "^" else match.group()
            tokens.append(_Token(match.lastgroup, value, position))
        position = match.end()
    return [*tokens, _Token("end", "", len(text))]


class _Parser:
    def __init__(self, text: str):
        self.text, self.tokens, self.index = text, _tokenize(text), 0
        self.depth = -1  # of nested expressions; the whole formula is at depth 0
        self.uses_variables = False

    def parse(self) -> tuple:
        tree = self.expression(1)
        self.close(None)
        if not self.uses_variables:
            raise FormulaError("the formula must use x or y", None, self.text)
        return tree

    def fail(self, message: str, position: int) -> FormulaError:
        return FormulaError(message, position, self.text)

    def take(self) -> _Token:
        self.index += 1
        return self.tokens[self.index - 1]

    def expression(self, min_binding: int) -> tuple:
        """An expression whose operators bind at least as tightly as ``min_binding``."""
        if self.depth == MAX_NESTING:  # blame the bracket, sign or operator that opened it
            position = self.tokens[self.index - 1].position
            raise self.fail(
                f"too deeply nested at position {position} (at most {MAX_NESTING} levels)", position
            )
        self.depth += 1
        left = self.primary()
        while _BINDING.get((token := self.tokens[self.index]).value, 0) >= min_binding:
            self.take()
            binding = _BINDING[token.value]
            right = self.expression(binding if token.value == "**" else binding + 1)
            left = (token.value, left, right)
        self.depth -= 1
        return left

    def primary(self) -> tuple:
        kind, value, position = token = self.take()
        if kind == "number":
            if not math.isfinite(number := float(value)):
                raise self.fail(f"the number {value} at position {position} is too large", position)
            return ("num", number)
        if kind == "name":
            return self.name(token)
        if value in ("-", "+"):
            operand = self.expression(_UNARY)
            return ("neg", operand) if value == "-" else operand
        if value == "(":
            inner = self.expression(1)
            self.close(token)
            return inner
        found = "the formula ends" if kind == "end" else f"unexpected '{value}'"
        message = f"{found} at position {position} — expected a number, x, y, a function or '('"
        raise self.fail(message, position)

    def name(self, token: _Token) -> tuple:
        name, position = _ALIASES.get(token.value, token.value), token.position
        if name in ("x", "y"):
            self.uses_variables = True
            return ("var", name)
        if name in _CONSTANTS:
            return ("const", name)
        if name not in _FUNCTIONS:
            guess = difflib.get_close_matches(name.lower(), _ALLOWED_NAMES, n=1)
            hint = f"did you mean '{guess[0]}'? " if guess else ""
            raise self.fail(
                f"unknown name '{name}' at position {position} — {hint}allowed: "
                f"{', '.join(_ALLOWED_NAMES)}",
                position,
            )
        if (opening := self.take()).value != "(":
            raise self.fail(
                f"the function {name} at position {position} needs brackets: {name}(...)", position
            )
        arguments = [self.expression(1)]
        while self.tokens[self.index].value == ",":
            self.take()
            arguments.append(self.expression(1))
        self.close(opening)
        if len(arguments) != (arity := 2 if name in _TWO_ARGUMENTS else 1):
            raise self.fail(
                f"{name} at position {position} takes {arity} argument"
                f"{'s' * (arity > 1)}, not {len(arguments)}",
                position,
            )
        return ("call", name, *arguments)

    def close(self, opening: _Token | None) -> None:
        """Take the token that must end an expression: ``)`` after ``opening``, else the end."""
        kind, value, position = self.take()
        if (value == ")") if opening else (kind == "end"):
            return
        if kind == "end":
            message = f"the '(' at position {opening.position} is never closed"
            raise self.fail(message, opening.position)
        if value == ")":
            message = f"unmatched ')' at position {position}"
        elif value == ",":
            message = (
                f"unexpected ',' at position {position} — commas only separate the two "
                "arguments of min(a, b) and max(a, b)"
            )
        else:
            message = f"unexpected '{value}' at position {position} — is an operator missing?"
        raise self.fail(message, position)


def parse_formula(text: str) -> "Formula":
    """Parse a formula in ``x`` and ``y`` into a hashable ``Formula``.

    Raises ``FormulaError`` (a ``ValueError``) for anything outside the whitelist, with the
    0-based position of the culprit where there is one.
    """
    if not isinstance(text, str):
        raise FormulaError(f"a formula must be text, not {type(text).__name__}")
    if len(text) > MAX_FORMULA_LENGTH:
        raise FormulaError(
            f"the formula has {len(text)} characters; at most {MAX_FORMULA_LENGTH} are allowed"
        )
    if not text.strip():
        raise FormulaError("the formula is empty")
    text = text.translate(_LOOKALIKES)
    tree = _Parser(text).parse()
    return Formula(_render(tree), tree)


@dataclass(frozen=True)
class Formula:
    """A parsed formula. ``text`` is its canonical spelling; equality and hash go by ``tree``."""

    text: str = field(compare=False)
    tree: tuple = field(repr=False)

    def __call__(self, params, w):
        """E(w) at ``w = (x, y)``; ``params`` is unused (the ``Partial(fn, params)`` form)."""
        w = jnp.asarray(w)
        return _evaluate(self.tree, w[0], w[1])

    @property
    def program(self) -> np.ndarray:
        """The formula as a program for the one interpreter ``run_program`` (shape (4, L))."""
        return compile_program(self.tree)

    @property
    def latex(self) -> str:
        """The formula in LaTeX, e.g. ``\\frac{{x}^{2}}{y} + \\sqrt{x}``."""
        return _render(self.tree, latex=True)


def _evaluate(node: tuple, x, y):
    kind, *rest = node
    if kind == "num":  # an array, never a Python float: 9.0**9**9 must give inf, not hang
        return jnp.asarray(rest[0])
    if kind == "const":
        return jnp.asarray(_CONSTANTS[rest[0]])
    if kind == "var":
        return x if rest[0] == "x" else y
    if kind == "call":
        return _FUNCTIONS[rest[0]](*(_evaluate(argument, x, y) for argument in rest[1:]))
    if kind == "neg":
        return -_evaluate(rest[0], x, y)
    left, right = rest
    if _is_integer_power(node):
        # repeated multiplication: exact, and x**0 keeps the gradient 0 at x = 0 (0 * inf = nan
        # with a float exponent)
        return jnp.power(_evaluate(left, x, y), int(right[1]))
    operation = jnp.power if kind == "**" else _OPERATIONS[kind]
    return operation(_evaluate(left, x, y), _evaluate(right, x, y))


def _render(node: tuple, latex: bool = False) -> str:
    """Text with as few brackets as the parser needs to read back the same tree, or LaTeX."""
    kind, *rest = node
    if kind == "num":
        text = repr(rest[0]).removesuffix(".0")
        if latex and "e" in text:
            mantissa, exponent = text.split("e")
            return rf"{mantissa} \cdot 10^{{{int(exponent)}}}"
        return text
    if kind in ("var", "const"):
        return r"\pi" if latex and rest[0] == "pi" else rest[0]
    if kind == "call":
        name, inner = rest[0], ", ".join(_render(argument, latex) for argument in rest[1:])
        if not latex:
            return f"{name}({inner})"
        if name in ("sqrt", "abs"):
            return rf"\sqrt{{{inner}}}" if name == "sqrt" else rf"\left|{inner}\right|"
        return _LATEX_NAMES.get(name, "\\" + name) + rf"\left({inner}\right)"
    if kind == "neg":
        return "-" + _bracket(rest[0], _binding(rest[0]) <= _UNARY, latex)
    left, right = rest
    if latex and kind == "/":
        return rf"\frac{{{_render(left, True)}}}{{{_render(right, True)}}}"
    if latex and kind == "**":
        return f"{{{_bracket(left, _binding(left) <= 4, True)}}}^{{{_render(right, True)}}}"
    binding, to_right = _BINDING[kind], kind == "**"
    symbol = {"*": r" \cdot " if latex else "*", "/": "/", "**": "**"}.get(kind, f" {kind} ")
    return (
        _bracket(left, _binding(left) < binding + to_right, latex)
        + symbol
        + _bracket(right, _binding(right) < binding + (not to_right), latex)
    )


def _binding(node: tuple) -> int:
    return _BINDING.get(node[0], _UNARY if node[0] == "neg" else _ATOM)


def _bracket(node: tuple, needed: bool, latex: bool) -> str:
    inner = _render(node, latex)
    return (rf"\left({inner}\right)" if latex else f"({inner})") if needed else inner


# --- one interpreter for every formula -------------------------------------------------------

# A program's length is padded up to one of these (a formula of at most 300 characters has at
# most 300 nodes): every jitted function that takes a typed surface compiles once per length
# class, whatever the formula. Short classes keep the loop short for short formulas.
PROGRAM_LENGTHS = (16, 64, MAX_FORMULA_LENGTH)
REGISTERS = 8
UNROLL = 1  # instructions per loop iteration (8 ran faster but compiled 8× larger programs)
MAX_INTEGER_POWER = 64  # x**n with a literal integer 0 ≤ n ≤ 64 is repeated multiplication


def _integer_power(a, n):
    """a**n for an integer 0 ≤ n ≤ 64 (traced) by binary exponentiation, multiplying in the
    order of ``lax.integer_pow`` (the same value as ``jnp.power(a, n)`` with a static n). A
    square is taken only while higher bits remain, so no overflowing, unused factor ever meets
    a zero cotangent (0·inf = nan in the gradient)."""
    n = n.astype(jnp.int32)
    # a**0 = 1 with derivative 0 even where a is nan (log(x)**0 at x < 0), as with a static 0
    result, power = jnp.ones_like(a), jnp.where(n > 0, a, 1.0)
    for bit in range(MAX_INTEGER_POWER.bit_length()):
        result = jnp.where((n >> bit) & 1, result * power, result)
        power = jnp.where((n >> (bit + 1)) > 0, power * power, power)
    return result


# Each operation as f(left value, right value, number, x, y); the opcode is the index.
# fmt: off
_OPCODES = (
    "copy", "num", "x", "y", "neg", "+", "-", "*", "/", "**", "ipow",
    *(name for name in _FUNCTIONS if name not in _TWO_ARGUMENTS), *_TWO_ARGUMENTS,
)
# fmt: on
_OPCODE = {name: code for code, name in enumerate(_OPCODES)}


def _branch(name: str):
    if name == "copy":
        return lambda a, b, c, x, y: a
    if name == "num":
        return lambda a, b, c, x, y: c
    if name in ("x", "y"):
        return (lambda a, b, c, x, y: x) if name == "x" else (lambda a, b, c, x, y: y)
    if name == "neg":
        return lambda a, b, c, x, y: -a
    if name == "**":
        return lambda a, b, c, x, y: jnp.power(a, b)
    if name == "ipow":
        return lambda a, b, c, x, y: _integer_power(a, c)
    if name in _OPERATIONS:
        return lambda a, b, c, x, y, f=_OPERATIONS[name]: f(a, b)
    if name in _TWO_ARGUMENTS:
        return lambda a, b, c, x, y, f=_FUNCTIONS[name]: f(a, b)
    return lambda a, b, c, x, y, f=_FUNCTIONS[name]: f(a)


_BRANCHES = tuple(_branch(name) for name in _OPCODES)


def _is_integer_power(node: tuple) -> bool:
    """x**n with a literal integer 0 ≤ n ≤ 64: repeated multiplication (as in ``_evaluate``)."""
    return (
        node[0] == "**" and node[2][0] == "num" and node[2][1].is_integer()
        and node[2][1] <= MAX_INTEGER_POWER
    )  # fmt: skip


def _registers_needed(node: tuple) -> int:
    """Sethi–Ullman number: the registers that evaluating ``node`` needs (≤ log₂ leaves + 1)."""
    kind, *rest = node
    if kind in ("num", "const", "var"):
        return 1
    if kind == "neg" or (kind == "call" and len(rest) == 2):
        return _registers_needed(rest[-1])
    if _is_integer_power(node):
        return _registers_needed(rest[0])
    left, right = (_registers_needed(child) for child in rest[-2:])
    return max(left, right) if left != right else left + 1


def compile_program(tree: tuple) -> np.ndarray:
    """The straight-line program of a formula's tree: a float64 array of shape (5, L) whose
    columns are (opcode, target register, left register, right register, number): r_t ←
    op(r_l, r_r). Registers are allocated by Sethi & Ullman's rule (J. ACM 17, 1970: the
    operand that needs more registers first), so ``REGISTERS`` = 8 hold any formula of at most
    150 leaves; the value ends in r₀. L is the least of ``PROGRAM_LENGTHS`` that fits; the
    padding copies r₀ onto itself."""
    rows: list[tuple[int, int, int, int, float]] = []

    def emit(node: tuple, target: int) -> None:
        kind, *rest = node
        if kind in ("num", "const"):
            number = rest[0] if kind == "num" else _CONSTANTS[rest[0]]
            rows.append((_OPCODE["num"], target, target, target, number))
        elif kind == "var":
            rows.append((_OPCODE[rest[0]], target, target, target, 0.0))
        elif kind == "neg" or (kind == "call" and len(rest) == 2):
            emit(rest[-1], target)
            rows.append(
                (_OPCODE[rest[0] if kind == "call" else "neg"], target, target, target, 0.0)
            )
        elif (
            kind == "**"
            and rest[1][0] == "num"
            and rest[1][1].is_integer()
            and (rest[1][1] <= MAX_INTEGER_POWER)
        ):
            emit(rest[0], target)
            rows.append((_OPCODE["ipow"], target, target, target, rest[1][1]))
        else:
            opcode = _OPCODE[rest[0] if kind == "call" else kind]
            left, right = rest[-2:]
            if _registers_needed(left) >= _registers_needed(right):
                emit(left, target)
                emit(right, target + 1)
                rows.append((opcode, target, target, target + 1, 0.0))
            else:
                emit(right, target)
                emit(left, target + 1)
                rows.append((opcode, target, target + 1, target, 0.0))

    if _registers_needed(tree) > REGISTERS or (count := _count_nodes(tree)) > PROGRAM_LENGTHS[-1]:
        # the parser's limits make this impossible; never run a cut program
        raise FormulaError("the formula is too large to evaluate")
    emit(tree, 0)
    length = next(n for n in PROGRAM_LENGTHS if n >= count)
    rows += [(_OPCODE["copy"], 0, 0, 0, 0.0)] * (length - len(rows))
    return np.array(rows, dtype=np.float64).T


def _count_nodes(node: tuple) -> int:
    """The program's length for ``node``: one instruction per node but the exponent of an
    integer power."""
    kind, *rest = node
    if kind in ("num", "const", "var"):
        return 1
    if _is_integer_power(node):
        return 1 + _count_nodes(rest[0])
    return 1 + sum(_count_nodes(child) for child in rest if isinstance(child, tuple))


def _interpret(program, w):
    """r_t ← op(r_l, r_r) for each instruction in turn; the value is r₀ at the end."""
    program = jnp.asarray(program)
    opcodes, targets, lefts, rights = (program[row].astype(jnp.int32) for row in range(4))
    numbers, length = program[4], program.shape[1]
    w = jnp.asarray(w)
    x, y = w[0], w[1]
    slots = jnp.arange(REGISTERS)

    def step(k, registers):
        a, b = registers[lefts[k]], registers[rights[k]]
        value = jax.lax.switch(opcodes[k], _BRANCHES, a, b, numbers[k], x, y)
        return jnp.where(slots == targets[k], value, registers)

    dtype = jnp.result_type(x, 1.0)
    registers = jax.lax.fori_loop(0, length, step, jnp.zeros(REGISTERS, dtype=dtype), unroll=UNROLL)
    return registers[0]


# Derivatives: reverse mode through the loop would store every step's operands for all of
# the switch's branches and run the loop backwards, and forward mode over forward mode repeats
# the loop per direction; both make Newton's search for critical points many times slower. So a
# second interpreter carries each register's jet, (value, ∂/∂x, ∂/∂y, ∂²/∂x², ∂²/∂x∂y,
# ∂²/∂y²), through the chain rule of each operation (its own first and second derivatives by
# JAX, for scalars inside the branch), and hands JAX the gradient and Hessian as the
# derivatives of the value and of the gradient (``custom_jvp``).


def _times(partial, derivative):
    """partial · derivative, 0 where either is 0, as JAX's symbolic zeros give: x**0 or
    min/max's other side contribute nothing even where the inner derivative is nan, and a
    constant exponent nothing even where ∂(a**b)/∂b = a**b log a is nan (a < 0)."""
    return jnp.where((partial == 0) | (derivative == 0), 0.0, partial * derivative)


def _chain(f, a, b):
    """The jet of f(a, b) from the jets a, b: (v, gx, gy) or (v, gx, gy, hxx, hxy, hyy).
    Each partial of f is taken with the other argument held constant, so that a constant
    exponent adds no log of a negative base to ∂²(a**b)/∂a² (JAX's symbolic zeros)."""
    va, vb = a[0], b[0]

    def along_a(u):
        return f(u, vb)

    def along_b(v):
        return f(va, v)

    def fa_of(v):
        return jax.grad(lambda u: f(u, v))(va)

    fa, fb = jax.grad(along_a)(va), jax.grad(along_b)(vb)
    ga, gb = a[1:3], b[1:3]
    first = jnp.concatenate([jnp.stack([f(va, vb)]), _times(fa, ga) + _times(fb, gb)])
    if a.shape[0] == 3:
        return first
    faa, fbb = jax.grad(jax.grad(along_a))(va), jax.grad(jax.grad(along_b))(vb)
    fab = jax.grad(fa_of)(vb)

    def outer(u, v):  # (u_x v_x, (u_x v_y + u_y v_x)/2, u_y v_y): the symmetric part
        return jnp.stack([u[0] * v[0], 0.5 * (u[0] * v[1] + u[1] * v[0]), u[1] * v[1]])

    second = (
        _times(faa, outer(ga, ga)) + _times(2 * fab, outer(ga, gb)) + _times(fbb, outer(gb, gb))
        + _times(fa, a[3:]) + _times(fb, b[3:])
    )  # fmt: skip
    return jnp.concatenate([first, second])


def _jet_branch(name: str, size: int):
    if name == "copy":
        return lambda a, b, c, x, y: a
    if name == "num":
        return lambda a, b, c, x, y: jnp.zeros(size).at[0].set(c)
    if name in ("x", "y"):
        unit = 1 if name == "x" else 2
        return lambda a, b, c, x, y: (
            jnp.zeros(size).at[0].set(x if unit == 1 else y).at[unit].set(1)
        )
    if name == "ipow":
        return lambda a, b, c, x, y: _chain(lambda u, v: _integer_power(u, c), a, a)
    value = _branch(name)
    return lambda a, b, c, x, y: _chain(lambda u, v: value(u, v, c, x, y), a, b)


_JET_BRANCHES = {size: tuple(_jet_branch(name, size) for name in _OPCODES) for size in (3, 6)}


def _jet(program, w, size=6):
    """The jet of the program's value at w: (E, ∂E/∂x, ∂E/∂y) for ``size`` 3, then
    (∂²E/∂x², ∂²E/∂x∂y, ∂²E/∂y²) for ``size`` 6."""
    program = jnp.asarray(program)
    opcodes, targets, lefts, rights = (program[row].astype(jnp.int32) for row in range(4))
    numbers, length = program[4], program.shape[1]
    w = jnp.asarray(w)
    x, y = w[0], w[1]
    slots = jnp.arange(REGISTERS)[:, None]

    def step(k, registers):
        a, b = registers[lefts[k]], registers[rights[k]]
        value = jax.lax.switch(opcodes[k], _JET_BRANCHES[size], a, b, numbers[k], x, y)
        return jnp.where(slots == targets[k], value, registers)

    dtype = jnp.result_type(x, 1.0)
    registers = jax.lax.fori_loop(
        0, length, step, jnp.zeros((REGISTERS, size), dtype=dtype), unroll=UNROLL
    )
    return registers[0]


@jax.custom_jvp
def _gradient(program, w):
    return _jet(program, w, size=3)[1:3]


@_gradient.defjvp
def _gradient_jvp(primals, tangents):
    program, w = primals
    jet = _jet(program, w)
    hessian = jnp.stack([jet[3:5], jet[4:6]])
    return jet[1:3], hessian @ tangents[1]


@jax.custom_jvp
def _value(program, w):
    return _interpret(program, w)


@_value.defjvp
def _value_jvp(primals, tangents):
    program, w = primals
    return _value(program, w), _gradient(program, w) @ tangents[1]


@jax.jit  # also called eagerly: unjitted, its loop would capture each program as a constant
def run_program(params, w):
    """E(w) at ``w = (x, y)`` for the program ``params["program"]`` (see ``compile_program``):
    slot_k = op_k(slot_{l_k}, slot_{r_k}) for k = 0 … L − 1, the value is slot_{L−1}. A
    module-level function of traced arrays, so jit compiles it once per program length; its
    gradient and Hessian are the interpreter's, computed in forward mode."""
    return _value(params["program"], jnp.asarray(w))
