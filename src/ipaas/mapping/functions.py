"""The functions ipaas adds to JSONata: lookups, links, custom fields and helpers.

Each takes the current focus (``input``) first, then the formula's arguments as plain
Python values (JSONata null arrives as ``None``), and returns ``None`` for "undefined".
The same callables serve the full JSONata engine and the fast path in ``fastpath.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextvars import ContextVar
from typing import Any

from ipaas.mapping import dates
from ipaas.mapping.context import MappingContext
from ipaas.mapping.errors import FormulaError
from ipaas.mapping.lookups import CompiledLookup
from ipaas.mapping.paths import MISSING

FormulaFunction = Callable[..., Any]

# The context of the record being mapped. A ContextVar rather than an argument because the
# functions are bound into the compiled formula once, not per record; it is per thread and
# per task, so one compiled collection can serve many workers.
current_context: ContextVar[MappingContext | None] = ContextVar("current_context", default=None)


def _context(function: str) -> MappingContext:
    context = current_context.get()
    if context is None:
        raise FormulaError(f"${function} needs a mapping context (use apply or preview)")
    return context


def _text(value: Any, function: str, argument: str) -> str:
    if not isinstance(value, str):
        raise FormulaError(f"${function}: {argument} must be a string, got {value!r}")
    return value


class FormulaFunctions:
    """Our functions, bound to one set of lookup tables."""

    def __init__(self, tables: Mapping[str, CompiledLookup]) -> None:
        self.tables = tables

    def table(self, name: str) -> CompiledLookup:
        """The compiled table ``name``; a ``FormulaError`` names the known tables."""
        try:
            return self.tables[name]
        except KeyError:
            known = ", ".join(sorted(self.tables)) or "none"
            raise FormulaError(f"unknown lookup table {name!r}; known: {known}") from None

    def lookup(self, _input: Any, table: Any, value: Any = None, default: Any = MISSING) -> Any:
        """``$lookup(table, value, default?)``: translate ``value`` through a named table."""
        compiled = self.table(_text(table, "lookup", "table"))
        if value is None:
            return None
        found = compiled.translate(value)
        if found is not MISSING:
            return found
        if default is not MISSING:
            return default
        return compiled.default if compiled.has_default else None

    def external_id(self, _input: Any, data_type: Any, hub_id: Any = None) -> Any:
        """``$externalId(dataType, hubId)``: the id of a linked hub record in this system."""
        if hub_id is None:
            return None
        resolver = _context("externalId").resolver
        return resolver.external_id(_text(data_type, "externalId", "dataType"), str(hub_id))

    def hub_id(self, _input: Any, data_type: Any, external_id: Any = None) -> Any:
        """``$hubId(dataType, externalId)``: the hub id linked to an external id."""
        if external_id is None:
            return None
        resolver = _context("hubId").resolver
        return resolver.hub_id(_text(data_type, "hubId", "dataType"), str(external_id))

    def all(self) -> dict[str, FormulaFunction]:
        """Every function by its JSONata name (without the ``$``)."""
        return {
            "lookup": self.lookup,
            "externalId": self.external_id,
            "hubId": self.hub_id,
            "customField": custom_field,
            "firstMatch": first_match,
            "coalesce": coalesce,
            "truncate": truncate,
            "parseDate": parse_date,
            "formatDate": format_date,
            "convertTimezone": convert_timezone,
        }


def custom_field(input: Any, name: Any = None) -> Any:
    """``$customField(name)``: a custom field of the current record.

    Reads ``custom_fields`` as an object (the hub's shape) or as a list of
    ``{"name"|"key"|"code": ..., "value": ...}`` entries (a common shape in external APIs).
    """
    if name is None:
        return None
    name = _text(name, "customField", "name")
    fields = input.get("custom_fields") if isinstance(input, dict) else None
    if isinstance(fields, dict):
        return fields.get(name)
    if isinstance(fields, list):
        for entry in fields:
            if isinstance(entry, dict):
                key = entry.get("name", entry.get("key", entry.get("code")))
                if key == name:
                    return entry.get("value")
    return None


def first_match(_input: Any, items: Any = None, predicate: Any = None) -> Any:
    """``$firstMatch(list, predicate)``: the first item the predicate accepts.

    ``predicate`` is a JSONata function (``function($v){ $v.type = "billing" }``) or an
    object whose every key must equal the item's (``{"type": "billing"}``).
    """
    if items is None:
        return None
    if not isinstance(items, list):
        items = [items]
    if isinstance(predicate, dict):
        for item in items:
            if isinstance(item, dict) and all(
                item.get(key, MISSING) == wanted for key, wanted in predicate.items()
            ):
                return item
        return None
    call = _predicate_caller(predicate)
    for position, item in enumerate(items):
        if call(item, position, items):
            return item
    return None


def _predicate_caller(predicate: Any) -> Callable[[Any, int, list[Any]], bool]:
    # Imported here: only the full engine passes JSONata lambdas, the fast path never does.
    from jsonata.functions import Functions

    if predicate is None or isinstance(predicate, str | int | float | bool | list):
        raise FormulaError("$firstMatch: the predicate must be a function or an object")

    def call(item: Any, position: int, items: list[Any]) -> bool:
        arguments = Functions.hof_func_args(predicate, item, position, items)
        return bool(Functions.to_boolean(Functions.func_apply(predicate, arguments)))

    return call


def coalesce(_input: Any, *values: Any) -> Any:
    """``$coalesce(a, b, ...)``: the first value that is neither missing, null nor ``""``."""
    for value in values:
        if value is not None and value != "":
            return value
    return None


def truncate(_input: Any, value: Any = None, length: Any = None) -> Any:
    """``$truncate(s, n)``: at most ``n`` characters of ``s`` (numbers are turned to text)."""
    if value is None:
        return None
    if isinstance(length, bool) or not isinstance(length, int | float) or length < 0:
        raise FormulaError(f"$truncate: length must be a number >= 0, got {length!r}")
    text = value if isinstance(value, str) else _number_text(value)
    return text[: int(length)]


def _number_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def parse_date(_input: Any, value: Any = None, fmt: Any = None, tz: Any = None) -> Any:
    """``$parseDate(value, format?, tz?)``: a ``strptime``-format date to ISO 8601."""
    return dates.parse_date(value, fmt, tz)


def format_date(_input: Any, value: Any = None, fmt: Any = None, tz: Any = None) -> Any:
    """``$formatDate(iso, format, tz?)``: an ISO 8601 date in ``strftime`` format."""
    if fmt is None:
        raise FormulaError("$formatDate needs a format, e.g. '%d.%m.%Y'")
    return dates.format_date(value, _text(fmt, "formatDate", "format"), tz)


def convert_timezone(_input: Any, value: Any = None, tz: Any = None) -> Any:
    """``$convertTimezone(iso, tz)``: the same instant in another time zone."""
    if tz is None:
        raise FormulaError("$convertTimezone needs a time zone, e.g. 'Europe/Amsterdam'")
    return dates.convert_timezone(value, _text(tz, "convertTimezone", "tz"))
