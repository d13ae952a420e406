"""JSONata run inside bounds: time, depth, sizes, and no way out to Python.

jsonata-python (a port of jsonata-java) only walks dicts and lists, so a formula cannot
reach Python attributes, files, the network or the environment; ``$eval`` is switched off
so every formula is the text we checked at compile time. What it lacks is a usable bound:
its ``Timebox`` measures from construction, not per evaluation, and native functions
(``$pad``, ``&``, ranges) can build huge values in one step. ``SandboxedExpression``
adds a per-evaluation budget through the engine's entry/exit callbacks, caps ranges,
string growth and array growth, and rejects regular expressions prone to catastrophic
backtracking (Python's ``re`` cannot be interrupted).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from jsonata import Jsonata
from jsonata.jexception import JException
from jsonata.utils import Utils

from ipaas.mapping.ast_walk import walk_symbols
from ipaas.mapping.errors import FormulaError, FormulaLimitError, MissingPrerequisite


@dataclass(frozen=True, slots=True)
class FormulaLimits:
    """Bounds every formula evaluation runs within."""

    timeout_ms: float = 250.0
    max_depth: int = 120
    max_string: int = 1_000_000
    max_items: int = 100_000


DEFAULT_LIMITS = FormulaLimits()

# A quantified group whose body is itself quantified or has alternatives, e.g. (a+)+,
# (a|aa)*, (\w*)+: the shapes that backtrack exponentially.
_NESTED_QUANTIFIER = re.compile(r"\((?:[^()\\]|\\.)*(?:[+*}]|\|)(?:[^()\\]|\\.)*\)[+*{]")


class _Budget:
    """One evaluation's allowance of time and depth, checked at every node."""

    __slots__ = ("deadline", "depth", "limits")

    def __init__(self, limits: FormulaLimits) -> None:
        self.limits = limits
        self.deadline = time.perf_counter() + limits.timeout_ms / 1000.0
        self.depth = 0

    def enter(self, _expr: Any, _input: Any, _env: Any) -> None:
        self.depth += 1
        if self.depth > self.limits.max_depth:
            raise FormulaLimitError(
                f"formula nested or recursed deeper than {self.limits.max_depth} levels"
            )
        if time.perf_counter() > self.deadline:
            raise FormulaLimitError(f"formula ran longer than {self.limits.timeout_ms:g} ms")

    def leave(self, _expr: Any, _input: Any, _env: Any, _result: Any) -> None:
        self.depth -= 1


def count_items(value: Any, limit: int) -> int:
    """How many values ``value`` holds, counting shared references each time, up to ``limit``.

    Counting stops just past ``limit``, so the cost is bounded even for a structure built by
    doubling references (``$a := [$a, $a]``), whose printed form would be exponential.
    """
    seen = 0
    stack = [value]
    while stack:
        item = stack.pop()
        seen += 1
        if seen > limit:
            return seen
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            seen += len(item) // 64  # long strings weigh more when printed
    return seen


class _GuardedNative(Jsonata.JFunction):
    """A built-in function with a size check before it runs."""

    def __init__(self, original: Any, check: Callable[[list[Any]], None]) -> None:
        self.original = original
        self.check = check
        self.function = original.function if hasattr(original, "function") else original
        self.signature = original.signature
        self.function_name = original.function_name

    def call(self, input: Any, args: Any) -> Any:
        self.check(list(args) if isinstance(args, list) else [])
        return self.original.call(input, args)

    def get_number_of_args(self) -> int:
        return int(self.original.get_number_of_args())


class _InputAwareFunction(Jsonata.JLambda):
    """One of our functions: gets the current focus and plain-Python arguments."""

    def __init__(self, function: Callable[..., Any]) -> None:
        self.function = function

    def call(self, input: Any, args: Any) -> Any:
        values = [plain(arg) for arg in args] if isinstance(args, list) else []
        return self.function(plain(input), *values)


def plain(value: Any) -> Any:
    """JSONata's runtime values as plain Python: null to None, sequences to lists."""
    if value is Utils.NULL_VALUE:
        return None
    if isinstance(value, list):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    return value


def _forbidden_eval(*_args: Any) -> Any:
    raise FormulaError("$eval is not allowed in mapping formulas")


class SandboxedExpression(Jsonata):
    """A parsed JSONata expression with our functions and per-evaluation bounds."""

    limits: FormulaLimits

    def __init__(
        self,
        text: str,
        functions: Mapping[str, Callable[..., Any]],
        limits: FormulaLimits = DEFAULT_LIMITS,
    ) -> None:
        super().__init__(text)
        self.limits = limits
        self.set_validate_input(False)  # sources are JSON already; skip a full walk per call
        self.set_output_convert_nulls(False)  # keep null and undefined apart
        for pattern in _regex_patterns(self.ast):
            if _NESTED_QUANTIFIER.search(pattern):
                raise FormulaError(
                    f"regular expression /{pattern}/ nests quantifiers and could run for "
                    "ever; rewrite it without a repeated group that itself repeats"
                )
        for name, function in functions.items():
            self.environment.bind(name, _InputAwareFunction(function))
        self.environment.bind("eval", Jsonata.JLambda(_forbidden_eval))
        self._guard_natives()

    def _guard_natives(self) -> None:
        limits = self.limits
        static = Jsonata.static_frame

        def pad(args: list[Any]) -> None:
            width = args[1] if len(args) > 1 else 0
            if isinstance(width, int | float) and abs(width) > limits.max_string:
                raise FormulaLimitError(f"$pad width {width} exceeds {limits.max_string}")

        def join(args: list[Any]) -> None:
            parts = args[0] if args and isinstance(args[0], list) else []
            separator = args[1] if len(args) > 1 and isinstance(args[1], str) else ""
            size = sum(len(p) for p in parts if isinstance(p, str)) + len(separator) * len(parts)
            if size > limits.max_string:
                raise FormulaLimitError(f"$join result longer than {limits.max_string}")

        def replace(args: list[Any]) -> None:
            text = args[0] if args and isinstance(args[0], str) else ""
            with_ = args[2] if len(args) > 2 and isinstance(args[2], str) else ""
            if len(text) + (len(text) + 1) * len(with_) > limits.max_string * 8:
                raise FormulaLimitError(f"$replace result could exceed {limits.max_string}")

        def append(args: list[Any]) -> None:
            size = sum(len(a) if isinstance(a, list) else 1 for a in args)
            if size > limits.max_items:
                raise FormulaLimitError(f"$append result longer than {limits.max_items} items")

        def stringify(args: list[Any]) -> None:
            if args and count_items(args[0], limits.max_items) > limits.max_items:
                raise FormulaLimitError(f"$string of more than {limits.max_items} values")

        for name, check in (
            ("pad", pad),
            ("join", join),
            ("replace", replace),
            ("append", append),
            ("string", stringify),
        ):
            self.environment.bind(name, _GuardedNative(static.lookup(name), check))

    def evaluate_range_expression(self, lhs: Any, rhs: Any) -> Any:
        # The engine allows 10,000,000 items per range; one mapping never needs that many.
        if (
            isinstance(lhs, int)
            and isinstance(rhs, int)
            and not isinstance(lhs, bool)
            and not isinstance(rhs, bool)
            and rhs - lhs + 1 > self.limits.max_items
        ):
            raise FormulaLimitError(
                f"range [{lhs}..{rhs}] has more than {self.limits.max_items} items"
            )
        return super().evaluate_range_expression(lhs, rhs)

    def evaluate_string_concat(self, lhs: Any, rhs: Any) -> str:
        limit = self.limits.max_string
        for side in (lhs, rhs):
            if isinstance(side, str):
                if len(side) > limit:
                    raise FormulaLimitError(f"string longer than {limit} characters")
            elif side is not None and count_items(side, limit // 8) > limit // 8:
                raise FormulaLimitError(f"string longer than {limit} characters")
        result = super().evaluate_string_concat(lhs, rhs)
        if len(result) > limit:
            raise FormulaLimitError(f"string longer than {limit} characters")
        return result

    def run(self, input: Any, variables: Mapping[str, Any]) -> Any:
        """Evaluate against ``input`` with ``variables`` bound; JSONata errors become ours.

        Returns the raw result: ``None`` for undefined, ``Utils.NULL_VALUE`` for null.
        """
        budget = _Budget(self.limits)
        bindings = dict(variables)
        bindings["__evaluate_entry"] = budget.enter
        bindings["__evaluate_exit"] = budget.leave
        # The engine evaluates through a per-thread "current" instance, which is the last
        # one constructed on this thread; make it this one so our overrides apply.
        Jsonata.CURRENT.jsonata = self
        try:
            result = self.evaluate(input, bindings)
        except (FormulaError, MissingPrerequisite):
            raise
        except JException as exc:
            raise FormulaError(str(exc)) from None
        except RecursionError:
            raise FormulaLimitError("formula recursed too deeply") from None
        except MemoryError:
            raise FormulaLimitError("formula used too much memory") from None
        except (ValueError, TypeError, ArithmeticError, KeyError, IndexError) as exc:
            raise FormulaError(f"{type(exc).__name__}: {exc}") from None
        if count_items(result, self.limits.max_items) > self.limits.max_items:
            raise FormulaLimitError(
                f"formula result holds more than {self.limits.max_items} values"
            )
        return result


def _regex_patterns(root: Any) -> Iterator[str]:
    """The source of every regular expression literal in the parsed expression."""
    for node in walk_symbols(root):
        if node.type == "regex":
            value = node.value
            yield str(getattr(value, "pattern", value))
