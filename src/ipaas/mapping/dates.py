"""Date helpers for formulas: parse, format and convert time zones (ISO 8601 out)."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ipaas.mapping.errors import FormulaError


@lru_cache(maxsize=256)
def zone(name: str) -> tzinfo:
    """The time zone called ``name`` (IANA, e.g. ``Europe/Amsterdam``, or ``UTC``)."""
    if name.upper() in ("UTC", "Z"):
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise FormulaError(f"unknown time zone {name!r}; use an IANA name such as UTC") from None


def _parse_iso(value: str) -> datetime:
    try:
        return datetime.fromisoformat(
            value.replace("Z", "+00:00") if value.endswith("Z") else value
        )
    except ValueError:
        raise FormulaError(f"{value!r} is not an ISO 8601 date") from None


def parse_date(value: str | None, fmt: str | None = None, tz: str | None = None) -> str | None:
    """Parse ``value`` (``strptime`` format ``fmt``, ISO 8601 when omitted) to ISO 8601.

    A value without a time zone is read in ``tz`` (UTC when omitted); the result always
    carries its offset, e.g. ``2026-01-31T12:00:00+01:00``.
    """
    if value is None:
        return None
    text = str(value).strip()
    if fmt:
        try:
            parsed = datetime.strptime(text, fmt)
        except ValueError as exc:
            raise FormulaError(f"date {text!r} does not match format {fmt!r}: {exc}") from None
    else:
        parsed = _parse_iso(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone(tz or "UTC"))
    return parsed.isoformat()


def format_date(value: str | None, fmt: str, tz: str | None = None) -> str | None:
    """Format ISO 8601 ``value`` with ``strftime`` format ``fmt``, in ``tz`` when given."""
    if value is None:
        return None
    parsed = _parse_iso(str(value))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    if tz:
        parsed = parsed.astimezone(zone(tz))
    return parsed.strftime(fmt)


def convert_timezone(value: str | None, tz: str) -> str | None:
    """The same instant as ISO 8601 ``value``, expressed in time zone ``tz``."""
    if value is None:
        return None
    parsed = _parse_iso(str(value))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(zone(tz)).isoformat()
