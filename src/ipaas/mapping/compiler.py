"""Compile a mapping collection once, apply it to many records.

``compile_collection`` parses every formula and path up front and caches the result by a
hash of the collection and its lookup tables, so an edited collection (or table) compiles
again while an unchanged one is reused.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from ipaas.domain import DataType, Direction, get_data_type
from ipaas.errors import RecordValidationError
from ipaas.mapping.context import MappingContext
from ipaas.mapping.errors import FormulaError, MappingDefinitionError, MissingPrerequisite
from ipaas.mapping.fields import CompiledField, FieldFailure, compile_field
from ipaas.mapping.formulas import Formula
from ipaas.mapping.functions import FormulaFunctions, current_context
from ipaas.mapping.lookups import CompiledLookup
from ipaas.mapping.merge import merge_onto
from ipaas.mapping.model import LookupTable, MappingCollection
from ipaas.mapping.paths import MISSING, PathKey, get_path, getter, parse_path, set_path
from ipaas.mapping.result import FieldError, MappingResult
from ipaas.mapping.sandbox import DEFAULT_LIMITS, FormulaLimits


class _Record:
    """The result of mapping one record (or one child item) before it is assembled."""

    __slots__ = ("errors", "failed", "output", "parent_values", "skipped")

    def __init__(self) -> None:
        self.output: dict[str, Any] = {}
        self.errors: list[FieldError] = []
        self.skipped: str | None = None
        self.failed: str | None = None
        self.parent_values: list[tuple[CompiledField, Any]] = []


class CompiledCollection:
    """A mapping collection ready to run. Thread-safe: it holds no per-record state."""

    def __init__(
        self,
        collection: MappingCollection,
        tables: Mapping[str, CompiledLookup],
        limits: FormulaLimits,
        key: str,
    ) -> None:
        self.collection = collection
        self.key = key
        functions = FormulaFunctions(tables).all()
        formulas: dict[str, Formula] = {}

        def make_formula(text: str) -> Formula:
            if text not in formulas:
                formulas[text] = Formula(text, functions, limits)
            return formulas[text]

        self._make_formula = make_formula
        self._root = _compile_level(collection, tables, functions, make_formula, "")
        self._data_type: DataType | None = (
            get_data_type(collection.data_type)
            if collection.direction is Direction.TO_HUB
            else None
        )

    @property
    def formulas_on_fast_path(self) -> tuple[int, int]:
        """How many formulas take the fast path, out of how many (for diagnostics)."""
        found = _all_formulas(self._root)
        return sum(1 for f in found if f.is_fast), len(found)

    def apply(
        self,
        source: dict[str, Any],
        context: MappingContext | None = None,
        *,
        validate: bool | None = None,
    ) -> MappingResult:
        """Map ``source``. Field errors are collected, not raised.

        ``validate`` (default: True for ``to_hub``) checks the output against the data
        type's schema, merged onto ``context.hub`` when given, so an update collection's
        partial output is judged as the record it will produce. ``MissingPrerequisite``
        from the link resolver propagates: send the linked record first.
        """
        context = context if context is not None else MappingContext()
        token = current_context.set(context)
        try:
            record = self._root.run(source, context, "")
        finally:
            current_context.reset(token)
        result = MappingResult(record.output, record.errors, record.skipped, record.failed)
        check = self._data_type is not None if validate is None else validate
        if check and result.skipped is None and result.failed is None:
            # Validate even after field errors: the report then also names, say, a missing
            # required field; fields that already failed are not reported twice.
            self._validate(result, context)
        return result

    def _validate(self, result: MappingResult, context: MappingContext) -> None:
        data_type = self._data_type or get_data_type(self.collection.data_type)
        whole = merge_onto(context.hub, result.output) if context.hub else result.output
        try:
            normalized = data_type.validate(whole)
        except RecordValidationError as exc:
            failed = {error.field for error in result.errors}
            for location, reason in exc.problems:
                field = _our_path(location)
                if field in failed:
                    continue
                value = get_path(whole, parse_path(field)) if _is_path(field) else MISSING
                result.errors.append(
                    FieldError(
                        field=field or "(record)",
                        mapping_type="schema",
                        input=None if value is MISSING else value,
                        message=f'invalid field "{field or "(record)"}": {reason}',
                        mapping=f"{data_type.name} schema",
                    )
                )
            return
        if result.errors:
            return  # a failed record keeps its raw output, for the report
        # Keep "not mapped" absent and "mapped to null" None; take normalized values.
        result.output = {key: normalized.get(key) for key in result.output}


def _our_path(location: str) -> str:
    """pydantic's ``lines.0.sku`` written as our ``lines[0].sku``."""
    text = ""
    for part in location.split(".") if location else []:
        text += f"[{part}]" if part.isdigit() else (f".{part}" if text else part)
    return text


def _is_path(field: str) -> bool:
    try:
        parse_path(field)
    except MappingDefinitionError:
        return False
    return True


class _Level:
    """One collection level (root, child or grandchild) compiled."""

    def __init__(
        self,
        collection: MappingCollection,
        fields: list[CompiledField],
        mapping_filter: Formula | None,
        error_filter: Formula | None,
        children: list[_Level],
    ) -> None:
        self.collection = collection
        self.fields = fields
        self.mapping_filter = mapping_filter
        self.error_filter = error_filter
        self.children = children
        self.source_keys: tuple[PathKey, ...] = (
            parse_path(collection.source_path) if collection.source_path else ()
        )
        self.read_items = getter(self.source_keys) if self.source_keys else None
        output = collection.output_path
        self.output_keys: tuple[PathKey, ...] = parse_path(output) if output else ()
        self.output_name = output or ""

    def run(self, source: Any, context: MappingContext, prefix: str) -> _Record:
        record = _Record()
        variables = {
            "preset": context.preset,
            "hub": context.hub,
            "parent": context.parent,
            "system": context.system,
        }
        collection = self.collection
        if self.mapping_filter is not None:
            passed = self._filter(self.mapping_filter, source, variables, prefix, record)
            if passed is False:
                record.skipped = f"mapping filter is false: {collection.mapping_filter}"
                return record
        if self.error_filter is not None:
            matched = self._filter(self.error_filter, source, variables, prefix, record)
            if matched:
                record.failed = collection.error_message or (
                    f"error filter matched: {collection.error_filter}"
                )
                return record
        output = record.output
        for field in self.fields:
            try:
                value = field.compute(source, variables)
            except MissingPrerequisite:
                raise
            except FieldFailure as exc:
                record.errors.append(_field_error(field, prefix, exc.input, exc.reason))
                continue
            except FormulaError as exc:
                input = field.failure_input(source)
                record.errors.append(_field_error(field, prefix, input, exc.message))
                continue
            if value is MISSING:
                continue
            if field.to_parent:
                record.parent_values.append((field, value))
            else:
                field.write(output, value)
        for child in self.children:
            child.run_items(source, context, prefix, record)
        return record

    def _filter(
        self, formula: Formula, source: Any, variables: Any, prefix: str, record: _Record
    ) -> bool | None:
        try:
            value = formula.evaluate(source, variables)
        except FormulaError as exc:
            name = "mapping_filter" if formula is self.mapping_filter else "error_filter"
            record.errors.append(
                FieldError(
                    field=f"{prefix}({name})",
                    mapping_type="filter",
                    input=formula.inputs(source),
                    message=f'filter error in "{name}": {exc.message}',
                    mapping=formula.text,
                )
            )
            return None
        return value not in (MISSING, None, False, 0, "", [], {})

    def run_items(self, source: Any, context: MappingContext, prefix: str, parent: _Record) -> None:
        """Map the list this child collection iterates and attach it to ``parent``."""
        assert self.read_items is not None
        items = self.read_items(source)
        if items is MISSING:
            return
        if items is None:
            set_path(parent.output, self.output_keys, None)
            return
        if isinstance(items, dict):
            items = [items]
        if not isinstance(items, list):
            parent.errors.append(
                FieldError(
                    field=f"{prefix}{self.output_name}",
                    mapping_type="child",
                    input=items,
                    message=f'child error in field "{prefix}{self.output_name}": '
                    f"{self.collection.source_path!r} is not a list",
                    mapping=self.collection.name,
                )
            )
            return
        child_context = context.for_child(source if isinstance(source, dict) else {})
        results: list[Any] = []
        written: set[str] = set()
        for position, item in enumerate(items):
            item_prefix = f"{prefix}{self.output_name}[{position}]."
            record = self.run(item, child_context, item_prefix)
            parent.errors.extend(record.errors)
            if record.failed is not None and parent.failed is None:
                parent.failed = f"{item_prefix[:-1]}: {record.failed}"
            if record.skipped is not None:
                continue
            results.append(record.output)
            for field, value in record.parent_values:
                # The first item that gives a parent_only field a value wins.
                if field.target not in written:
                    written.add(field.target)
                    set_path(parent.output, field.keys, value)
        set_path(parent.output, self.output_keys, results)


def _field_error(field: CompiledField, prefix: str, input: Any, reason: str) -> FieldError:
    name = f"{prefix}{field.target}"
    return FieldError(
        field=name,
        mapping_type=field.kind.value,
        input=input,
        message=f'{field.kind.value} error in field "{name}": {reason}',
        mapping=field.describe,
    )


def _compile_level(
    collection: MappingCollection,
    tables: Mapping[str, CompiledLookup],
    functions: Mapping[str, Any],
    make_formula: Any,
    where: str,
) -> _Level:
    fields = []
    for position, mapping in enumerate(collection.field_mappings):
        try:
            fields.append(compile_field(mapping, tables, functions, make_formula))
        except (FormulaError, MappingDefinitionError) as exc:
            raise MappingDefinitionError(
                f"collection {collection.name!r}, field {mapping.target!r}: {exc.message}",
                field=f"{where}field_mappings[{position}]",
            ) from None
    filters: list[Formula | None] = []
    for name in ("mapping_filter", "error_filter"):
        text = getattr(collection, name)
        try:
            filters.append(make_formula(text) if text else None)
        except FormulaError as exc:
            raise MappingDefinitionError(
                f"collection {collection.name!r}, {name}: {exc.message}", field=f"{where}{name}"
            ) from None
    children = [
        _compile_level(child, tables, functions, make_formula, f"{where}children[{i}].")
        for i, child in sorted(
            enumerate(collection.children), key=lambda pair: (pair[1].sort_order, pair[0])
        )
    ]
    return _Level(collection, fields, filters[0], filters[1], children)


def _all_formulas(level: _Level) -> list[Formula]:
    found = [f.formula for f in level.fields if f.formula is not None]
    found += [f for f in (level.mapping_filter, level.error_filter) if f is not None]
    for child in level.children:
        found += _all_formulas(child)
    return found


_CACHE_SIZE = 256
_cache: OrderedDict[str, CompiledCollection] = OrderedDict()
_cache_lock = threading.Lock()


def collection_key(
    collection: MappingCollection,
    lookup_tables: Mapping[str, LookupTable],
    limits: FormulaLimits = DEFAULT_LIMITS,
) -> str:
    """A content hash of everything compiling depends on."""
    # exclude_unset keeps "default given as null" apart from "no default".
    digest = hashlib.sha256(collection.model_dump_json(exclude_unset=True).encode())
    for name in sorted(lookup_tables):
        table = lookup_tables[name].model_dump_json(exclude_unset=True)
        digest.update(f"\x1e{name}\x1f{table}".encode())
    digest.update(repr(limits).encode())
    return digest.hexdigest()


def compile_collection(
    collection: MappingCollection,
    lookup_tables: Mapping[str, LookupTable] | None = None,
    *,
    limits: FormulaLimits = DEFAULT_LIMITS,
) -> CompiledCollection:
    """Compile ``collection`` (cached by content); raises ``MappingDefinitionError``.

    The error's ``field`` says where the problem is, e.g. ``children[0].field_mappings[2]``.
    """
    tables = lookup_tables or {}
    key = collection_key(collection, tables, limits)
    with _cache_lock:
        found = _cache.get(key)
        if found is not None:
            _cache.move_to_end(key)
            return found
    compiled_tables = {name: CompiledLookup.build(table) for name, table in tables.items()}
    compiled = CompiledCollection(collection, compiled_tables, limits, key)
    with _cache_lock:
        _cache[key] = compiled
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return compiled
