"""Mapping collections, field mappings and lookup tables: the definitions users edit.

These are plain pydantic models (no behaviour beyond validation); ``compile_collection``
turns a collection into something fast to run.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, JsonValue, model_validator

from ipaas.domain import Direction, Method
from ipaas.mapping.errors import MappingDefinitionError
from ipaas.mapping.paths import parse_path


class SyncType(StrEnum):
    """Which queue methods a collection serves."""

    ADD = "add"
    UPDATE = "update"
    ADD_AND_UPDATE = "add_and_update"
    DELETE = "delete"
    # An update sent to the target when the hub record was deleted (e.g. set it inactive
    # rather than delete it), so it serves the delete method but maps like an update.
    DELETE_TRIGGERED_UPDATE = "delete_triggered_update"


_SERVES: dict[SyncType, frozenset[Method]] = {
    SyncType.ADD: frozenset({Method.CREATE}),
    SyncType.UPDATE: frozenset({Method.UPDATE}),
    SyncType.ADD_AND_UPDATE: frozenset({Method.CREATE, Method.UPDATE}),
    SyncType.DELETE: frozenset({Method.DELETE}),
    SyncType.DELETE_TRIGGERED_UPDATE: frozenset({Method.DELETE}),
}


class CollisionMethod(StrEnum):
    """What a create does when the record already exists in the target."""

    ERROR = "error"
    UPDATE_AND_LINK = "update_and_link"
    REMAP_AND_LINK = "remap_and_link"
    UPDATE_NO_LINK = "update_no_link"


class FieldMappingType(StrEnum):
    STATIC = "static"
    FIELD = "field"
    FORMULA = "formula"
    LOOKUP = "lookup"
    PARENT_ONLY = "parent_only"


class LookupMissing(StrEnum):
    """What a lookup does with a value that is not in its table."""

    DEFAULT = "default"  # the field's default, else the table's default, else an error
    ERROR = "error"
    PASSTHROUGH = "passthrough"  # keep the value untranslated


class LookupTable(BaseModel):
    """A named translation table, e.g. shop status -> ERP status; reusable across mappings."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=128)
    entries: dict[str, JsonValue] = Field(default_factory=dict)
    case_sensitive: bool = True
    default: JsonValue = None

    @property
    def has_default(self) -> bool:
        """True when ``default`` was given (a ``null`` default is a real default)."""
        return "default" in self.model_fields_set

    @model_validator(mode="after")
    def _unique_when_folded(self) -> LookupTable:
        if not self.case_sensitive:
            seen: dict[str, str] = {}
            for key in self.entries:
                folded = key.casefold()
                if folded in seen and seen[folded] != key:
                    raise ValueError(
                        f"lookup table {self.name!r}: keys {seen[folded]!r} and {key!r} "
                        "are the same when case is ignored"
                    )
                seen[folded] = key
        return self


class FieldMapping(BaseModel):
    """One target field and how to fill it.

    ``static`` writes ``value``; ``field`` copies ``source``; ``formula`` evaluates the
    JSONata ``expression``; ``lookup`` translates ``source`` (or ``expression``) through
    ``table``; ``parent_only`` (in a child collection) computes like ``field``/``formula``
    and writes onto the parent record. ``default`` is used when the source is missing; a
    ``null`` default is a real default (it maps to null), absence of ``default`` means the
    field is left unmapped.
    """

    model_config = ConfigDict(extra="forbid")

    target: str
    type: FieldMappingType
    value: JsonValue = None
    source: str | None = None
    expression: str | None = None
    table: str | None = None
    default: JsonValue = None
    on_missing: LookupMissing = LookupMissing.DEFAULT
    case_sensitive: bool | None = None  # overrides the table's setting when given

    @property
    def has_default(self) -> bool:
        """True when ``default`` was given, even as ``null``."""
        return "default" in self.model_fields_set

    @model_validator(mode="after")
    def _complete(self) -> FieldMapping:
        _check_path(self.target, "target")
        kind = self.type
        if kind is FieldMappingType.FIELD and not self.source:
            raise ValueError(f"field mapping {self.target!r} needs a source path")
        if kind is FieldMappingType.FORMULA and not self.expression:
            raise ValueError(f"formula mapping {self.target!r} needs an expression")
        if kind is FieldMappingType.LOOKUP:
            if not self.table:
                raise ValueError(f"lookup mapping {self.target!r} needs a table")
            if not (self.source or self.expression):
                raise ValueError(f"lookup mapping {self.target!r} needs a source or an expression")
        if kind is FieldMappingType.PARENT_ONLY and not (self.source or self.expression):
            raise ValueError(f"parent_only mapping {self.target!r} needs a source or an expression")
        if self.source is not None:
            _check_path(self.source, "source")
        return self


class MappingCollection(BaseModel):
    """The field mappings for one data type and direction, with filters and children.

    A child collection iterates the list at ``source_path`` in its parent's source and
    writes its output list at ``target_path`` (``source_path`` when not given).
    """

    model_config = ConfigDict(extra="forbid")

    id: str | None = None
    data_type: str
    direction: Direction
    name: str = Field(min_length=1, max_length=200)
    sync_type: SyncType = SyncType.ADD_AND_UPDATE
    collision_method: CollisionMethod = CollisionMethod.ERROR
    mapping_filter: str | None = None
    error_filter: str | None = None
    error_message: str | None = None
    sort_order: int = 0
    source_path: str | None = None
    target_path: str | None = None
    field_mappings: list[FieldMapping] = Field(default_factory=list)
    children: list[MappingCollection] = Field(default_factory=list)

    def serves(self, method: Method) -> bool:
        """Whether this collection is the one to use for queue ``method``."""
        return method in _SERVES[self.sync_type]

    @property
    def output_path(self) -> str | None:
        """Where a child's output list goes in the parent's output."""
        return self.target_path or self.source_path

    @model_validator(mode="after")
    def _children_have_paths(self) -> MappingCollection:
        for child in self.children:
            if not child.source_path:
                raise ValueError(
                    f"child collection {child.name!r} of {self.name!r} needs a source_path "
                    "(the list it iterates, e.g. lines)"
                )
            _check_path(child.source_path, "source_path")
            if child.target_path:
                _check_path(child.target_path, "target_path")
        return self


def _check_path(path: str, name: str) -> None:
    # pydantic reports ValueError with the model's location; our own error would escape it
    try:
        parse_path(path)
    except MappingDefinitionError as exc:
        raise ValueError(f"{name}: {exc.message}") from None


def field_mapping(target: str, kind: FieldMappingType | str, **settings: Any) -> FieldMapping:
    """Shorthand used by tests and templates: ``field_mapping("sku", "field", source="code")``."""
    return FieldMapping(target=target, type=FieldMappingType(kind), **settings)
