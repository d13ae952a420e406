"""Validating input against a pydantic model with our error: the first problem, by field."""

from __future__ import annotations

from typing import Any, TypeVar

import pydantic

from ipaas.errors import ValidationError

M = TypeVar("M", bound=pydantic.BaseModel)


def validate_as(model: type[M], data: Any, *where: str | int) -> M:
    """``model.model_validate(data)``, or a ``ValidationError`` for its first problem placed
    under ``where``: ``validate_as(LookupTable, raw, "lookup_tables", 0)`` names the field
    ``lookup_tables.0.name`` and says ``lookup_tables[0].name: Field required``."""
    try:
        return model.model_validate(data)
    except pydantic.ValidationError as exc:
        first = exc.errors()[0]
        loc = [str(p) for p in first["loc"]]
        shown = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in where)
        shown = ".".join([shown.lstrip("."), *loc])
        field = ".".join([*(str(p) for p in where), *loc])
        raise ValidationError(f"{shown}: {first['msg']}", field=field) from None
