"""Dotted paths into JSON documents and ``${setting}`` / ``{field}`` templates.

A path like ``data.items`` walks nested objects; a key that itself holds dots
(``@odata.nextLink``) is found as a whole first. An empty path is the document itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from ipaas.errors import ConfigurationError

_MISSING = object()
_SETTING = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_FIELD = re.compile(r"\{([A-Za-z_][A-Za-z0-9_.]*)\}")


def get_path(document: Any, path: str | None, default: Any = None) -> Any:
    """The value at ``path`` in ``document``, or ``default`` when any step is missing."""
    if not path or path == "$":
        return document
    value = _get(document, path)
    return default if value is _MISSING else value


def _get(document: Any, path: str) -> Any:
    if isinstance(document, Mapping):
        if path in document:
            return document[path]
        head, dot, rest = path.partition(".")
        while dot:
            if head in document:
                found = _get(document[head], rest)
                if found is not _MISSING:
                    return found
            more, dot, rest = rest.partition(".")
            head = f"{head}.{more}"
        return _MISSING
    if isinstance(document, list):
        head, _, rest = path.partition(".")
        if head.isdigit() and int(head) < len(document):
            return _get(document[int(head)], rest) if rest else document[int(head)]
    return _MISSING


def set_path(document: dict[str, Any], path: str, value: Any) -> None:
    """Set ``path`` in ``document``, creating objects on the way."""
    parts = path.split(".")
    for part in parts[:-1]:
        document = document.setdefault(part, {})
    document[parts[-1]] = value


def resolve_settings(value: Any, settings: Mapping[str, Any], *, where: str = "config") -> Any:
    """``value`` with every ``${name}`` replaced by the setting ``name``, recursively.

    A string that is exactly ``${name}`` keeps the setting's type.
    """
    if isinstance(value, str):
        whole = _SETTING.fullmatch(value)
        if whole:
            return _setting(settings, whole.group(1), where)
        return _SETTING.sub(lambda m: str(_setting(settings, m.group(1), where)), value)
    if isinstance(value, Mapping):
        return {k: resolve_settings(v, settings, where=f"{where}.{k}") for k, v in value.items()}
    if isinstance(value, list):
        return [resolve_settings(v, settings, where=f"{where}.{i}") for i, v in enumerate(value)]
    return value


def _setting(settings: Mapping[str, Any], name: str, where: str) -> Any:
    if name not in settings or settings[name] is None:
        raise ConfigurationError(
            f"{where} needs the setting {name!r}, which is not set", field=name
        )
    return settings[name]


def fill_template(template: str, values: Callable[[str], Any]) -> str:
    """``template`` with every ``{name}`` replaced by ``values(name)``."""
    return _FIELD.sub(lambda m: str(values(m.group(1))), template)


def fill_structure(value: Any, values: Callable[[str], Any]) -> Any:
    """Fill ``{name}`` templates in every string of a JSON structure.

    A string that is exactly ``{name}`` is replaced by the value itself (keeps lists,
    numbers and objects).
    """
    if isinstance(value, str):
        whole = _FIELD.fullmatch(value)
        if whole:
            return values(whole.group(1))
        return fill_template(value, values)
    if isinstance(value, Mapping):
        return {k: fill_structure(v, values) for k, v in value.items()}
    if isinstance(value, list):
        return [fill_structure(v, values) for v in value]
    return value
