"""What applying a collection returns: the output, per-field errors, skip and fail reasons."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class FieldError:
    """One field that could not be mapped: which field, which mapping, what input, why."""

    field: str
    mapping_type: str  # static, field, formula, lookup, parent_only, filter or schema
    input: Any
    message: str
    mapping: str = ""  # the mapping itself, e.g. the formula text or the source path

    def __str__(self) -> str:
        return self.message


@dataclass(slots=True)
class MappingResult:
    """The result of one ``CompiledCollection.apply``.

    ``output`` contains a key mapped to null as ``None`` and omits keys not mapped.
    ``skipped`` is the reason when the mapping filter said no; ``failed`` the error
    filter's message. Only an ``ok`` result may be written.
    """

    output: dict[str, Any] = field(default_factory=dict)
    errors: list[FieldError] = field(default_factory=list)
    skipped: str | None = None
    failed: str | None = None

    @property
    def ok(self) -> bool:
        """True when the output is complete and may be written."""
        return not self.errors and self.skipped is None and self.failed is None

    def describe(self) -> str:
        """One line for logs and monitoring."""
        if self.skipped is not None:
            return f"skipped: {self.skipped}"
        if self.failed is not None:
            return f"failed: {self.failed}"
        if self.errors:
            return "; ".join(error.message for error in self.errors)
        return "ok"
