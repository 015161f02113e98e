"""Formula indicators (公式指标): parsed with lark, compiled to numpy operations over every village at once.

The language: numbers, references to other indicators by code, + - * / and unary minus,
comparisons (< <= > >= == !=, giving 1 or 0), `and`, `or`, `not`, and the functions
min(a, b, ...), max(a, b, ...), abs(a) and if(condition, then, else). Nothing is ever passed
to Python's `eval`: the parse tree becomes a tree of closures over numpy arrays.

A division by zero gives a missing value (NaN), and so does any operation on a missing value;
the indicator's missing-data policy then decides.
"""

from collections.abc import Callable
from functools import cache

import numpy as np
from lark import Lark, Token, Tree
from lark.exceptions import LarkError

GRAMMAR = r"""
?start: or_
?or_: and_ | or_ "or" and_                -> or_
?and_: not_ | and_ "and" not_             -> and_
?not_: comparison | "not" not_            -> not_
?comparison: sum | sum COMPARE sum        -> comparison
?sum: product | sum ADD_OP product        -> sum
?product: unary | product MUL_OP unary    -> product
?unary: atom | "-" unary                  -> neg
?atom: NUMBER                             -> number
     | NAME "(" [or_ ("," or_)*] ")"      -> call
     | NAME                               -> ref
     | "(" or_ ")"
COMPARE: "<=" | ">=" | "==" | "!=" | "<" | ">"
ADD_OP: "+" | "-"
MUL_OP: "*" | "/"
NAME: /[A-Za-z_][A-Za-z0-9_]*/
NUMBER: /\d+(\.\d+)?/
%import common.WS
%ignore WS
"""

FUNCTIONS = {"min": (1, None), "max": (1, None), "abs": (1, 1), "if": (3, 3)}
RESERVED = {"and", "or", "not"}

Vector = np.ndarray
Compiled = Callable[[dict[str, Vector]], Vector]


class FormulaError(ValueError):
    """A formula that cannot be read: `position` is the 1-based column where reading stopped."""

    def __init__(self, message: str, position: int | None = None):
        super().__init__(message)
        self.position = position


@cache
def _parser() -> Lark:
    return Lark(GRAMMAR, parser="lalr", maybe_placeholders=False)


@cache
def parse(text: str) -> Tree:
    """The formula's parse tree; raises FormulaError naming where it went wrong."""
    try:
        tree = _parser().parse(text)
    except LarkError as exc:
        column = getattr(exc, "column", None)
        raise FormulaError(f"cannot read the formula near column {column}" if column else "cannot read the formula",
                           column) from None
    _check_calls(tree)
    return tree


def _check_calls(tree: Tree | Token) -> None:
    if not isinstance(tree, Tree):
        return
    if tree.data == "call":
        name, args = str(tree.children[0]), [c for c in tree.children[1:] if c is not None]
        if name not in FUNCTIONS:
            raise FormulaError(f"unknown function {name}; use one of {', '.join(FUNCTIONS)}")
        low, high = FUNCTIONS[name]
        if len(args) < low or (high is not None and len(args) > high):
            raise FormulaError(f"{name} takes {low if low == high else f'at least {low}'} argument(s)")
    for child in tree.children:
        _check_calls(child)


def references(text: str) -> set[str]:
    """The indicator codes a formula reads."""
    return {str(node.children[0]) for node in parse(text).iter_subtrees() if node.data == "ref"}


def compile_formula(text: str) -> Compiled:
    """A function of {code: array} giving the formula's array, every village at once."""
    return _compile(parse(text))


def _compile(node: Tree) -> Compiled:
    kind, children = node.data, node.children
    if kind == "number":
        value = float(children[0])
        return lambda env: np.float64(value)
    if kind == "ref":
        name = str(children[0])
        return lambda env: env[name]
    if kind == "neg":
        inner = _compile(children[0])
        return lambda env: -inner(env)
    if kind == "call":
        return _compile_call(str(children[0]), [_compile(c) for c in children[1:] if c is not None])
    if kind in ("sum", "product"):
        return _compile_chain(children)
    if kind == "comparison":
        return _compile_comparison(children)
    if kind == "not_":
        inner = _compile(children[0])
        return lambda env: _logical(inner(env) == 0, inner(env))
    parts = [_compile(c) for c in children]
    combine = np.logical_and if kind == "and_" else np.logical_or
    return lambda env: _combine_logical(combine, [p(env) for p in parts])


def _compile_chain(children: list) -> Compiled:
    first = _compile(children[0])
    steps = [(str(children[i]), _compile(children[i + 1])) for i in range(1, len(children), 2)]

    def run(env):
        value = first(env)
        for op, operand in steps:
            right = operand(env)
            value = value + right if op == "+" else value - right if op == "-" else (
                value * right if op == "*" else _divide(value, right))
        return value

    return run


def _divide(left, right):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(right == 0, np.nan, left / np.where(right == 0, 1.0, right))


_COMPARE = {"<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal,
            "==": np.equal, "!=": np.not_equal}


def _compile_comparison(children: list) -> Compiled:
    left, op, right = _compile(children[0]), _COMPARE[str(children[1])], _compile(children[2])

    def run(env):
        a, b = left(env), right(env)
        return _logical(op(a, b), a + b)

    return run


def _logical(result, operands):
    """1.0 or 0.0, missing where an operand was missing."""
    return np.where(np.isnan(operands), np.nan, result.astype(np.float64))


def _combine_logical(combine, values):
    truth = combine.reduce([v != 0 for v in values])
    return _logical(truth, sum(values))


def _compile_call(name: str, args: list[Compiled]) -> Compiled:
    if name == "if":
        condition, then, otherwise = args
        return lambda env: _choose(condition(env), then(env), otherwise(env))
    if name == "abs":
        return lambda env: np.abs(args[0](env))
    reduce = np.minimum if name == "min" else np.maximum
    return lambda env: reduce.reduce(np.broadcast_arrays(*[a(env) for a in args]))


def _choose(condition, then, otherwise):
    chosen = np.where(condition != 0, then, otherwise)
    return np.where(np.isnan(condition), np.nan, chosen)


def evaluate_one(text: str, env: dict[str, float]) -> float:
    """The same formula for one village with plain floats: what the bench's per-village loop uses."""
    return _walk(parse(text), env)


def _walk(node: Tree, env: dict[str, float]) -> float:
    kind, children = node.data, node.children
    nan = float("nan")
    if kind == "number":
        return float(children[0])
    if kind == "ref":
        return env[str(children[0])]
    if kind == "neg":
        return -_walk(children[0], env)
    if kind in ("sum", "product"):
        value = _walk(children[0], env)
        for i in range(1, len(children), 2):
            op, right = str(children[i]), _walk(children[i + 1], env)
            if op == "/":
                value = nan if right == 0 else value / right
            else:
                value = value + right if op == "+" else value - right if op == "-" else value * right
        return value
    if kind == "comparison":
        a, b = _walk(children[0], env), _walk(children[2], env)
        return nan if a != a or b != b else float(bool(_COMPARE[str(children[1])](a, b)))
    if kind == "not_":
        a = _walk(children[0], env)
        return nan if a != a else float(a == 0)
    if kind in ("and_", "or_"):
        values = [_walk(c, env) for c in children]
        if any(v != v for v in values):
            return nan
        return float(all(values) if kind == "and_" else any(values))
    name, args = str(children[0]), [c for c in children[1:] if c is not None]
    if name == "if":
        condition = _walk(args[0], env)
        return condition if condition != condition else _walk(args[1] if condition != 0 else args[2], env)
    return _call_one(name, [_walk(c, env) for c in args])


def _call_one(name: str, args: list[float]) -> float:
    if any(a != a for a in args):
        return float("nan")
    if name == "abs":
        return abs(args[0])
    return min(args) if name == "min" else max(args)
