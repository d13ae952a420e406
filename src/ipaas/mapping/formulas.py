"""Formulas: JSONata text compiled once into a fast closure and a sandboxed expression."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from jsonata.jexception import JException
from jsonata.utils import Utils

from ipaas.mapping.ast_walk import walk_symbols
from ipaas.mapping.errors import FormulaError
from ipaas.mapping.fastpath import Closure, Deopt, compile_fast, run_fast
from ipaas.mapping.paths import MISSING
from ipaas.mapping.sandbox import DEFAULT_LIMITS, FormulaLimits, SandboxedExpression


class Formula:
    """One compiled formula. ``evaluate`` returns plain Python values.

    ``MISSING`` stands for JSONata's "undefined" (nothing matched), ``None`` for null.
    """

    __slots__ = ("expression", "fast", "names", "text")

    def __init__(
        self,
        text: str,
        functions: Mapping[str, Callable[..., Any]],
        limits: FormulaLimits = DEFAULT_LIMITS,
    ) -> None:
        self.text = text
        try:
            self.expression = SandboxedExpression(text, functions, limits)
        except JException as exc:
            raise FormulaError(f"cannot parse formula {text!r}: {exc}") from None
        self.fast: Closure | None = compile_fast(self.expression.ast, functions, limits.max_string)
        self.names = _top_level_names(self.expression.ast)

    @property
    def is_fast(self) -> bool:
        """Whether simple inputs take the fast path (for diagnostics and tests)."""
        return self.fast is not None

    def evaluate(self, input: Any, variables: Mapping[str, Any]) -> Any:
        """The formula's value for ``input``; raises ``FormulaError`` on failure."""
        if self.fast is not None:
            try:
                return _plain(run_fast(self.fast, input, variables))
            except Deopt:
                pass
        return _plain(self.expression.run(input, variables))

    def inputs(self, source: Any) -> dict[str, Any]:
        """The top-level source fields the formula reads, for error reports."""
        if not isinstance(source, dict):
            return {}
        return {name: source[name] for name in self.names if name in source}


def _plain(value: Any) -> Any:
    if value is None:
        return MISSING
    if value is Utils.NULL_VALUE:
        return None
    if isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, list):
        return [item for item in (_plain(v) for v in value) if item is not MISSING]
    if isinstance(value, dict):
        return {
            k: item for k, item in ((k, _plain(v)) for k, v in value.items()) if item is not MISSING
        }
    raise FormulaError("formula returned a function or another value that is not JSON")


def _top_level_names(root: Any) -> tuple[str, ...]:
    names: list[str] = []
    for node in walk_symbols(root):
        if node.type == "path" and node.steps and node.steps[0].type == "name":
            name = str(node.steps[0].value)
            if name not in names:
                names.append(name)
        elif node.type == "name" and str(node.value) not in names:
            names.append(str(node.value))
    return tuple(names)
