"""Small validators for incoming demo-system fields; each error names the field."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from ipaas.errors import ValidationError


def text(body: dict[str, Any], name: str, *, required: bool = False, path: str = "") -> str | None:
    """``body[name]`` as stripped text (None if absent and not required)."""
    value = body.get(name)
    field = f"{path}{name}"
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValidationError(f"{field} can't be blank", field=field)
        return None
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise ValidationError(f"{field} must be text", field=field)
    return str(value).strip()


def money(value: Any, field: str) -> Decimal:
    """A non-negative amount with at most two decimals."""
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise ValidationError(f"{field} must be a number", field=field) from None
    if isinstance(value, bool) or not amount.is_finite() or amount < 0:
        raise ValidationError(f"{field} must be a non-negative number", field=field)
    return amount.quantize(Decimal("0.01"))


def integer(value: Any, field: str, minimum: int | None = 0) -> int:
    """A whole number, at least ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValidationError(f"{field} must be a whole number", field=field)
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ValidationError(f"{field} must be a whole number", field=field) from None
    if number != number.to_integral_value():
        raise ValidationError(f"{field} must be a whole number", field=field)
    if minimum is not None and number < minimum:
        raise ValidationError(f"{field} must be at least {minimum}", field=field)
    return int(number)


def number(value: Any, field: str) -> float:
    """A non-negative JSON number."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValidationError(f"{field} must be a number", field=field)
    try:
        result = float(value)
    except ValueError:
        raise ValidationError(f"{field} must be a number", field=field) from None
    if result != result or result < 0:
        raise ValidationError(f"{field} must be a non-negative number", field=field)
    return result


def boolean(value: Any, field: str) -> bool:
    """A JSON boolean."""
    if not isinstance(value, bool):
        raise ValidationError(f"{field} must be true or false", field=field)
    return value


def choice(value: Any, field: str, allowed: tuple[str | None, ...]) -> str | None:
    """One of ``allowed``."""
    if value not in allowed:
        names = ", ".join(str(a) for a in allowed)
        raise ValidationError(f"{field} must be one of: {names}", field=field)
    return value


def email(value: Any, field: str) -> str:
    """A plausible email address, lower-cased."""
    if not isinstance(value, str) or "@" not in value or " " in value.strip():
        raise ValidationError(f"{field} must be an email address", field=field)
    return value.strip().lower()


def mapping(value: Any, field: str) -> dict[str, Any] | None:
    """A JSON object or null."""
    if value is not None and not isinstance(value, dict):
        raise ValidationError(f"{field} must be an object", field=field)
    return value


def rows(value: Any, field: str, *, required: bool = False) -> list[dict[str, Any]]:
    """A JSON list of objects."""
    if not isinstance(value, list) or not all(isinstance(row, dict) for row in value):
        raise ValidationError(f"{field} must be a list of objects", field=field)
    if required and not value:
        raise ValidationError(f"{field} can't be empty", field=field)
    return value
