"""Dotted paths into records: ``billing.address.city``, ``lines[0].sku``.

A path is parsed once into a tuple of keys (``str`` for object keys, ``int`` for list
positions) so that reading and writing at run time is a plain loop.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Final

from ipaas.mapping.errors import MappingDefinitionError


class _Missing:
    """The marker for "no value here", distinct from an explicit ``None`` (JSON null)."""

    _instance: _Missing | None = None

    def __new__(cls) -> _Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING: Final = _Missing()

PathKey = str | int
_SEGMENT = re.compile(r"^([^.\[\]]+)((?:\[\d+\])*)$")
_INDEX = re.compile(r"\[(\d+)\]")


def parse_path(path: str) -> tuple[PathKey, ...]:
    """Split ``path`` into keys; raises ``MappingDefinitionError`` for a malformed path."""
    if not path or path.strip() != path:
        raise MappingDefinitionError(f"path {path!r} must be non-empty, without spaces around")
    keys: list[PathKey] = []
    for segment in path.split("."):
        match = _SEGMENT.match(segment)
        if match is None:
            raise MappingDefinitionError(
                f"path {path!r}: segment {segment!r} must be a name optionally followed "
                "by [index], e.g. lines[0].sku"
            )
        keys.append(match.group(1))
        keys.extend(int(i) for i in _INDEX.findall(match.group(2)))
    return tuple(keys)


def format_path(keys: tuple[PathKey, ...]) -> str:
    """The text form of parsed ``keys`` (the inverse of ``parse_path``)."""
    text = ""
    for key in keys:
        if isinstance(key, int):
            text += f"[{key}]"
        else:
            text += f".{key}" if text else key
    return text


def get_path(record: Any, keys: tuple[PathKey, ...]) -> Any:
    """The value at ``keys`` in ``record``, or ``MISSING`` when any step is absent."""
    value = record
    for key in keys:
        if isinstance(key, int):
            if not isinstance(value, list) or key >= len(value):
                return MISSING
        elif not isinstance(value, dict) or key not in value:
            return MISSING
        value = value[key]
    return value


def getter(keys: tuple[PathKey, ...]) -> Callable[[Any], Any]:
    """A fast reader for ``keys``: the common one- and two-key cases skip the loop."""
    if len(keys) == 1 and isinstance(keys[0], str):
        only = keys[0]

        def get_one(record: Any) -> Any:
            if isinstance(record, dict):
                return record.get(only, MISSING)
            return MISSING

        return get_one
    if len(keys) == 2 and isinstance(keys[0], str) and isinstance(keys[1], str):
        first, second = keys

        def get_two(record: Any) -> Any:
            inner = record.get(first, MISSING) if isinstance(record, dict) else MISSING
            if isinstance(inner, dict):
                return inner.get(second, MISSING)
            return MISSING

        return get_two

    def get_many(record: Any) -> Any:
        return get_path(record, keys)

    return get_many


def set_path(record: dict[str, Any], keys: tuple[PathKey, ...], value: Any) -> None:
    """Write ``value`` at ``keys``, creating objects and list slots on the way."""
    container: Any = record
    for position, key in enumerate(keys):
        last = position == len(keys) - 1
        following = None if last else keys[position + 1]
        if isinstance(key, int):
            if not isinstance(container, list):
                raise MappingDefinitionError(
                    f"cannot write {format_path(keys)!r}: position {key} is not in a list"
                )
            while len(container) <= key:
                container.append(None)
            if last:
                container[key] = value
                return
            if not isinstance(container[key], dict | list):
                container[key] = [] if isinstance(following, int) else {}
            container = container[key]
        else:
            if not isinstance(container, dict):
                raise MappingDefinitionError(
                    f"cannot write {format_path(keys)!r}: {key!r} is not in an object"
                )
            if last:
                container[key] = value
                return
            child = container.get(key)
            if not isinstance(child, dict | list):
                child = [] if isinstance(following, int) else {}
                container[key] = child
            container = child


def setter(keys: tuple[PathKey, ...]) -> Callable[[dict[str, Any], Any], None]:
    """A fast writer for ``keys``: one or two object keys skip the general loop."""
    if len(keys) == 1 and isinstance(keys[0], str):
        only = keys[0]

        def set_one(record: dict[str, Any], value: Any) -> None:
            record[only] = value

        return set_one
    if len(keys) == 2 and isinstance(keys[0], str) and isinstance(keys[1], str):
        first, second = keys[0], keys[1]

        def set_two(record: dict[str, Any], value: Any) -> None:
            inner = record.get(first)
            if type(inner) is not dict:
                inner = record[first] = {}
            inner[second] = value

        return set_two

    def set_many(record: dict[str, Any], value: Any) -> None:
        set_path(record, keys, value)

    return set_many


def json_copy(value: Any) -> Any:
    """A copy of a JSON value's containers (faster than ``copy.deepcopy`` for JSON)."""
    if isinstance(value, dict):
        return {key: json_copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [json_copy(item) for item in value]
    return value
