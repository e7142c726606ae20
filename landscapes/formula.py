"""Surfaces typed by students, e.g. ``x**2 - y**2 + 0.1*sin(3*x)``, parsed safely into JAX losses.

The text is never handed to ``eval``, ``exec`` or ``compile``, nor to Python's ``ast`` (whose
recursion crashes on deeply nested input). A small tokenizer and a precedence-climbing parser
(T. Norvell, "Parsing expressions by recursive descent", 1999) accept only a whitelist, with
Python's precedence, ``^`` as a synonym of ``**``, and bounded length and nesting::

    expression := primary (operator expression)*    binding: + - (1) < * / (2) < unary (3) < ** (4)
    primary    := ('-' | '+') expression  |  number  |  x | y | pi | e  |  '(' expression ')'
                | function '(' expression ')'  |  min|max '(' expression ',' expression ')'

So ``-x**2 = -(x**2)`` and ``2**3**2 = 2**9``. The result is a tuple tree, so that the same
formula parsed twice gives equal, equally hashed objects: jit then compiles it only once.
"""

import difflib
import math
import re
from dataclasses import dataclass, field
from typing import NamedTuple

import jax
import jax.numpy as jnp

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
    if kind == "**" and right[0] == "num" and right[1].is_integer() and right[1] <= 64:
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
