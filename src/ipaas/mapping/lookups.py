"""Lookup tables compiled for fast translation, with or without case sensitivity."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ipaas.mapping.model import LookupTable
from ipaas.mapping.paths import MISSING


def _key(value: Any) -> str:
    # Entries are keyed by text: 1, "1" and 1.0 from different systems mean the same code.
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@dataclass(frozen=True, slots=True)
class CompiledLookup:
    """A lookup table ready to translate values; ``translate`` returns ``MISSING`` if absent."""

    name: str
    exact: dict[str, Any]
    folded: dict[str, Any]
    case_sensitive: bool
    has_default: bool
    default: Any

    @classmethod
    def build(cls, table: LookupTable) -> CompiledLookup:
        """Prepare ``table`` once: an exact and a case-folded index."""
        folded = {key.casefold(): value for key, value in table.entries.items()}
        return cls(
            table.name,
            dict(table.entries),
            folded,
            table.case_sensitive,
            table.has_default,
            table.default,
        )

    def translate(self, value: Any, case_sensitive: bool | None = None) -> Any:
        """The entry for ``value``; ``MISSING`` when the table has none."""
        key = _key(value)
        sensitive = self.case_sensitive if case_sensitive is None else case_sensitive
        if sensitive:
            return self.exact.get(key, MISSING)
        return self.folded.get(key.casefold(), MISSING)
