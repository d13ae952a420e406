"""Differences between two versions of a record, field by field (dotted paths)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class FieldChange:
    path: str
    before: Any
    after: Any
    kind: str  # added, removed, changed


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, inner in value.items():
            out.update(_flatten(inner, f"{prefix}.{key}" if prefix else str(key)))
        return out or ({prefix: {}} if prefix else {})
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        out = {}
        for i, inner in enumerate(value):
            out.update(_flatten(inner, f"{prefix}[{i}]"))
        return out
    return {prefix: value}


def diff(before: dict[str, Any] | None, after: dict[str, Any]) -> list[FieldChange]:
    """The fields that differ between ``before`` and ``after``, in path order."""
    old, new = _flatten(before or {}), _flatten(after)
    changes = []
    for path in sorted(set(old) | set(new)):
        if path not in old:
            changes.append(FieldChange(path, None, new[path], "added"))
        elif path not in new:
            changes.append(FieldChange(path, old[path], None, "removed"))
        elif old[path] != new[path]:
            changes.append(FieldChange(path, old[path], new[path], "changed"))
    return changes
