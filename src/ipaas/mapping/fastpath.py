"""A fast path for simple formulas: the common JSONata subset turned into Python closures.

Most mapping formulas are a path, a concatenation, some arithmetic, a condition or a call
to one of our functions. The full engine spends tens of microseconds per evaluation on
frames and callbacks; these closures take one or two. They reuse the engine's own operator
functions so results match exactly, and give up ("deopt") whenever a value leaves the
simple world (a list met on a path, an error): the caller then runs the full engine on the
same input, which also produces the engine's own error messages.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from jsonata import Jsonata
from jsonata.functions import Functions
from jsonata.parser import Parser
from jsonata.utils import Utils

from ipaas.mapping.errors import MissingPrerequisite

NULL = Utils.NULL_VALUE
Variables = Mapping[str, Any]
Closure = Callable[[Any, Variables], Any]


class Deopt(Exception):
    """The fast path cannot be sure of the result: use the full engine."""


class _Unsupported(Exception):
    pass


def _is_text(value: Any) -> bool:
    return value is None or isinstance(value, str)


def _is_number(value: Any) -> bool:
    return value is None or (isinstance(value, int | float) and not isinstance(value, bool))


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def _is_numberlike(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


# Engine built-ins the fast path calls directly, skipping the engine's signature check
# (the slowest part of a call): the argument checks below accept only what the signature
# would, anything else deopts. Each entry: argument checks, how many are required.
_BUILTINS: dict[str, tuple[tuple[Callable[[Any], bool], ...], int]] = {
    "uppercase": ((_is_text,), 1),
    "lowercase": ((_is_text,), 1),
    "trim": ((_is_text,), 1),
    "length": ((_is_text,), 1),
    "substring": ((_is_text, _is_number, _is_number), 2),
    "substringBefore": ((_is_text, _is_text), 2),
    "substringAfter": ((_is_text, _is_text), 2),
    "contains": ((_is_text, _is_text), 2),
    "string": ((_is_scalar,), 1),
    "number": ((_is_numberlike,), 1),
    "round": ((_is_number, _is_number), 1),
    "floor": ((_is_number,), 1),
    "ceil": ((_is_number,), 1),
    "abs": ((_is_number,), 1),
    "boolean": ((_is_scalar,), 1),
    "not": ((_is_scalar,), 1),
    "exists": ((_is_scalar,), 1),
}
_NUMERIC = frozenset({"+", "-", "*", "/", "%"})
_EQUALITY = frozenset({"=", "!="})
_COMPARISON = frozenset({"<", "<=", ">", ">="})
# The engine's operator methods do not use their instance; any object will do.
_ENGINE: Any = object()
_PATH_FLAGS = ("stages", "predicate", "group", "focus", "index", "tuple", "keep_array")


def compile_fast(
    ast: Any, functions: Mapping[str, Callable[..., Any]], max_string: int
) -> Closure | None:
    """A closure computing ``ast`` like the engine, or None when ``ast`` is not simple.

    The closure takes the input and the variables (``preset``, ``hub``, ...), returns the
    engine's raw result (``None`` undefined, ``NULL`` null) or raises ``Deopt``.
    """
    try:
        return _Compiler(functions, max_string).node(ast)
    except _Unsupported:
        return None


class _Compiler:
    def __init__(self, functions: Mapping[str, Callable[..., Any]], max_string: int) -> None:
        self.functions = functions
        self.max_string = max_string

    def node(self, ast: Any) -> Closure:
        if not isinstance(ast, Parser.Symbol):
            raise _Unsupported
        if getattr(ast, "predicate", None) or getattr(ast, "group", None):
            raise _Unsupported
        kind = ast.type
        if kind in ("string", "number", "value"):
            return _constant(ast.value if ast.value is not None else NULL)
        if kind == "path":
            return self.path(ast)
        if kind == "variable":
            return _variable(str(ast.value))
        if kind == "binary":
            return self.binary(ast)
        if kind == "condition":
            return self.condition(ast)
        if kind == "function":
            return self.function(ast)
        if kind == "unary" and ast.value == "-":
            return _negate(self.node(ast.expression))
        if kind == "block" and len(ast.expressions or []) == 1:
            return self.node(ast.expressions[0])
        raise _Unsupported

    def path(self, ast: Any) -> Closure:
        steps = ast.steps or []
        if not steps or getattr(ast, "keep_singleton_array", False):
            raise _Unsupported
        for step in steps:
            if any(getattr(step, flag, None) for flag in _PATH_FLAGS):
                raise _Unsupported
        first = steps[0]
        names: list[str] = []
        start: str | None = None
        if first.type == "variable":
            start = str(first.value)
        elif first.type == "name":
            names.append(str(first.value))
        else:
            raise _Unsupported
        for step in steps[1:]:
            if step.type != "name":
                raise _Unsupported
            names.append(str(step.value))
        return _path(start, tuple(names))

    def binary(self, ast: Any) -> Closure:
        op = str(ast.value)
        lhs, rhs = self.node(ast.lhs), self.node(ast.rhs)
        if op in _NUMERIC:
            numeric = Jsonata.evaluate_numeric_expression
            return lambda i, v: numeric(_ENGINE, lhs(i, v), rhs(i, v), op)
        if op in _EQUALITY:
            equality = Jsonata.evaluate_equality_expression
            return lambda i, v: equality(_ENGINE, _scalar(lhs(i, v)), _scalar(rhs(i, v)), op)
        if op in _COMPARISON:
            comparison = Jsonata.evaluate_comparison_expression
            return lambda i, v: comparison(_ENGINE, lhs(i, v), rhs(i, v), op)
        if op == "&":
            return _concat(lhs, rhs, self.max_string)
        if op == "and":
            return lambda i, v: _truthy(lhs(i, v)) and _truthy(rhs(i, v))
        if op == "or":
            return lambda i, v: _truthy(lhs(i, v)) or _truthy(rhs(i, v))
        raise _Unsupported

    def condition(self, ast: Any) -> Closure:
        test, then = self.node(ast.condition), self.node(ast.then)
        otherwise = self.node(ast._else) if ast._else is not None else _constant(None)

        def choose(i: Any, v: Variables) -> Any:
            return then(i, v) if _truthy(test(i, v)) else otherwise(i, v)

        return choose

    def function(self, ast: Any) -> Closure:
        procedure = ast.procedure
        if getattr(procedure, "type", None) != "variable" or getattr(ast, "next_function", None):
            raise _Unsupported
        name = str(procedure.value)
        arguments = [self.node(argument) for argument in ast.arguments or []]
        if name in self.functions:
            ours = self.functions[name]

            def call_ours(i: Any, v: Variables) -> Any:
                values = [_plain_scalar(argument(i, v)) for argument in arguments]
                return ours(_plain_scalar(i, allow_dict=True), *values)

            return call_ours
        if name in _BUILTINS:
            checks, required = _BUILTINS[name]
            if not required <= len(arguments) <= len(checks):
                raise _Unsupported  # context arguments and arity errors: the engine's job
            native = Jsonata.static_frame.lookup(name)
            pairs = tuple(zip(arguments, checks, strict=False))

            def call_builtin(i: Any, v: Variables) -> Any:
                values = []
                for argument, check in pairs:
                    value = argument(i, v)
                    if not check(value):
                        raise Deopt
                    values.append(value)
                return native.call(i, values)

            return call_builtin
        raise _Unsupported


def _constant(value: Any) -> Closure:
    return lambda _i, _v: value


def _variable(name: str) -> Closure:
    def read(i: Any, v: Variables) -> Any:
        value = i if name == "" else v.get(name)
        if isinstance(value, list):
            raise Deopt
        return value  # a variable bound to None is undefined, as in the engine

    return read


def _path(start: str | None, names: tuple[str, ...]) -> Closure:
    def walk(i: Any, v: Variables) -> Any:
        value = i if start is None or start == "" else v.get(start)
        for name in names:
            if isinstance(value, dict):
                value = value.get(name, _ABSENT)
                if value is _ABSENT:
                    return None
                if value is None:
                    value = NULL
            elif isinstance(value, list):
                raise Deopt  # arrays map over their items: the engine's job
            else:
                return None
        if isinstance(value, list):
            raise Deopt
        return value

    if start is None and len(names) == 1:
        only = names[0]

        def one(i: Any, _v: Variables) -> Any:
            if not isinstance(i, dict):
                raise Deopt
            value = i.get(only, _ABSENT)
            if value is _ABSENT:
                return None
            if value is None:
                return NULL
            if isinstance(value, list):
                raise Deopt
            return value

        return one
    return walk


_ABSENT = object()


def _scalar(value: Any) -> Any:
    if isinstance(value, list | dict):
        raise Deopt
    return value


def _plain_scalar(value: Any, allow_dict: bool = False) -> Any:
    if value is NULL:
        return None
    if isinstance(value, list) or (isinstance(value, dict) and not allow_dict):
        raise Deopt
    return value


def _truthy(value: Any) -> bool:
    if isinstance(value, list | dict):
        raise Deopt
    return bool(Jsonata.boolize(value))


def _negate(inner: Closure) -> Closure:
    def negate(i: Any, v: Variables) -> Any:
        value = inner(i, v)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise Deopt
        return Utils.convert_number(-float(value))

    return negate


def _concat(lhs: Closure, rhs: Closure, max_string: int) -> Closure:
    def concat(i: Any, v: Variables) -> Any:
        left, right = lhs(i, v), rhs(i, v)
        left = "" if left is None else left if isinstance(left, str) else _text(left)
        right = "" if right is None else right if isinstance(right, str) else _text(right)
        if len(left) + len(right) > max_string:
            raise Deopt  # the engine raises the limit error
        return left + right

    return concat


def _text(value: Any) -> str:
    if isinstance(value, list | dict):
        raise Deopt
    return str(Functions.string(value, None))


def run_fast(closure: Closure, input: Any, variables: Variables) -> Any:
    """Run ``closure``; ``Deopt`` for anything but a clean result or a missing link."""
    try:
        return closure(input, variables)
    except (Deopt, MissingPrerequisite):
        raise
    except Exception:  # the engine will raise its own message for it
        raise Deopt from None
