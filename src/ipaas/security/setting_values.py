"""Preset values checked against their declared fields, split into public and secret parts.

Pure: no I/O. Error messages name the field and never repeat a value, so a secret typed
into the wrong field cannot leak through an error.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from ipaas.connectors.base import SettingField
from ipaas.errors import ValidationError
from ipaas.security.secret_box import MASK


@dataclass(frozen=True, slots=True)
class SettingValues:
    """Checked values: ``public`` may be shown and stored as JSON, ``secret`` is encrypted."""

    public: dict[str, Any] = field(default_factory=dict)
    secret: dict[str, Any] = field(default_factory=dict)


def _check(f: SettingField, value: Any) -> Any:
    kind = f.type
    if kind in ("string", "encrypted", "password"):
        if not isinstance(value, str):
            raise ValidationError(f"{f.name} must be a string", field=f.name)
        return value
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValidationError(f"{f.name} must be a number", field=f.name)
        if isinstance(value, float) and not math.isfinite(value):
            raise ValidationError(f"{f.name} must be a finite number", field=f.name)
        return value
    if kind == "boolean":
        if not isinstance(value, bool):
            raise ValidationError(f"{f.name} must be true or false", field=f.name)
        return value
    if not isinstance(value, str):
        raise ValidationError(f"{f.name} must be a string ({kind})", field=f.name)
    try:
        if kind == "guid":
            return str(uuid.UUID(value))
        if kind == "date":
            return date.fromisoformat(value).isoformat()
        if kind == "datetime":
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
            if parsed.tzinfo is None:
                raise ValueError("naive")
            return parsed.isoformat()
    except ValueError:
        shapes = {
            "guid": "a GUID like 123e4567-e89b-12d3-a456-426614174000",
            "date": "a date like 2024-01-31",
            "datetime": "a date and time with a zone like 2024-01-31T12:00:00Z",
        }
        raise ValidationError(f"{f.name} must be {shapes[kind]}", field=f.name) from None
    if kind == "enum":
        if value not in f.choices:
            allowed = ", ".join(f.choices)
            raise ValidationError(f"{f.name} must be one of: {allowed}", field=f.name)
        return value
    raise ValidationError(f"{f.name} has an unknown type {kind}", field=f.name)


def validate_values(
    fields: Iterable[SettingField],
    values: Mapping[str, Any],
    *,
    existing: SettingValues | None = None,
) -> SettingValues:
    """Check ``values`` against ``fields`` and split them.

    With ``existing`` (an update), omitted fields keep their stored value, a secret sent
    back as the mask keeps its stored value, and ``None`` clears a field.
    """
    declared = {f.name: f for f in fields}
    for name in values:
        if name not in declared:
            raise ValidationError(f"{name} is not a declared field", field=name)
    before = existing or SettingValues()
    public: dict[str, Any] = {}
    secret: dict[str, Any] = {}
    for f in sorted(declared.values(), key=lambda d: d.sort_order):
        stored = before.secret.get(f.name) if f.secret else before.public.get(f.name)
        if f.name in values:
            value = values[f.name]
            if f.secret and value == MASK:
                value = stored
        elif existing is not None:
            value = stored
        else:
            value = f.default
        if value is None or (value == "" and f.required):
            if f.required:
                raise ValidationError(f"{f.name} is required", field=f.name)
            continue
        (secret if f.secret else public)[f.name] = _check(f, value)
    return SettingValues(public, secret)


def split_values(fields: Iterable[SettingField], values: Mapping[str, Any]) -> SettingValues:
    """Split already-checked ``values`` by whether their field is secret."""
    secret_names = {f.name for f in fields if f.secret}
    return SettingValues(
        {k: v for k, v in values.items() if k not in secret_names},
        {k: v for k, v in values.items() if k in secret_names},
    )


def mask_secrets(
    fields: Iterable[SettingField], secret_names: Iterable[str]
) -> dict[str, dict[str, Any]]:
    """What the API shows for each secret field: whether it is set, and the mask."""
    present = set(secret_names)
    return {
        f.name: {"set": f.name in present, "value": MASK if f.name in present else None}
        for f in fields
        if f.secret
    }
