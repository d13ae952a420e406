"""Export and import collections and lookup tables as YAML.

The file holds two lists, ``lookup_tables`` and ``collections``. Only values that were set
are written, so a ``default: null`` (a real default) survives the round trip and an
absent default stays absent. Errors name the field and the line.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pydantic
import yaml

from ipaas.mapping.errors import MappingDefinitionError
from ipaas.mapping.model import FieldMappingType, LookupTable, MappingCollection


def dump_collections(
    collections: Iterable[MappingCollection],
    lookup_tables: Mapping[str, LookupTable] | Iterable[LookupTable] = (),
) -> str:
    """The YAML text of ``collections`` and ``lookup_tables``."""
    tables = list(lookup_tables.values()) if isinstance(lookup_tables, Mapping) else lookup_tables
    document = {
        "lookup_tables": [t.model_dump(mode="json", exclude_unset=True) for t in tables],
        "collections": [c.model_dump(mode="json", exclude_unset=True) for c in collections],
    }
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)


def load_collections(text: str) -> tuple[list[MappingCollection], dict[str, LookupTable]]:
    """Parse YAML written by ``dump_collections`` (or by hand) and validate it.

    Raises ``MappingDefinitionError`` whose ``field`` is the path of the first problem
    (``collections[0].field_mappings[2].type``) and whose ``line`` is its line.
    """
    try:
        root = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise MappingDefinitionError(
            f"not valid YAML: {exc}", line=mark.line + 1 if mark else None
        ) from None
    if data is None:
        return [], {}
    if not isinstance(data, dict) or not set(data) <= {"lookup_tables", "collections"}:
        raise MappingDefinitionError(
            "the document must be an object with 'lookup_tables' and 'collections' lists",
            line=1,
        )
    tables: dict[str, LookupTable] = {}
    for position, raw in enumerate(_list(data, "lookup_tables", root)):
        table = _validate(LookupTable, raw, ("lookup_tables", position), root)
        if table.name in tables:
            where = ("lookup_tables", position, "name")
            raise MappingDefinitionError(
                f"lookup table {table.name!r} is defined twice",
                field=_field(where),
                line=_line(root, where),
            )
        tables[table.name] = table
    collections = [
        _validate(MappingCollection, raw, ("collections", position), root)
        for position, raw in enumerate(_list(data, "collections", root))
    ]
    for position, collection in enumerate(collections):
        _check_tables(collection, tables, ("collections", position), root)
    return collections, tables


def _list(data: dict[str, Any], key: str, root: yaml.Node | None) -> list[Any]:
    value = data.get(key) or []
    if not isinstance(value, list):
        raise MappingDefinitionError(f"{key} must be a list", field=key, line=_line(root, (key,)))
    return value


def _validate(model: Any, raw: Any, where: tuple[str | int, ...], root: yaml.Node | None) -> Any:
    try:
        return model.model_validate(raw)
    except pydantic.ValidationError as exc:
        error = exc.errors()[0]
        loc = where + tuple(error["loc"])
        message = str(error["msg"]).removeprefix("Value error, ")
        raise MappingDefinitionError(
            f"{_field(loc)}: {message}", field=_field(loc), line=_line(root, loc)
        ) from None


def _check_tables(
    collection: MappingCollection,
    tables: Mapping[str, LookupTable],
    where: tuple[str | int, ...],
    root: yaml.Node | None,
) -> None:
    for position, mapping in enumerate(collection.field_mappings):
        if mapping.type is FieldMappingType.LOOKUP and mapping.table not in tables:
            loc = (*where, "field_mappings", position, "table")
            raise MappingDefinitionError(
                f"{_field(loc)}: unknown lookup table {mapping.table!r}",
                field=_field(loc),
                line=_line(root, loc),
            )
    for position, child in enumerate(collection.children):
        _check_tables(child, tables, (*where, "children", position), root)


def _field(loc: tuple[str | int, ...]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def _line(root: yaml.Node | None, loc: tuple[str | int, ...]) -> int | None:
    """The 1-based line of the deepest node ``loc`` reaches in the composed YAML."""
    node = root
    if node is None:
        return None
    for part in loc:
        found: yaml.Node | None = None
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value == part:
                    found = value
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part < len(node.value):
                found = node.value[part]
        if found is None:
            break
        node = found
    return int(node.start_mark.line) + 1
