"""Field mappings compiled into small closures: one per target field."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ipaas.mapping.errors import MappingDefinitionError
from ipaas.mapping.formulas import Formula
from ipaas.mapping.lookups import CompiledLookup
from ipaas.mapping.model import FieldMapping, FieldMappingType, LookupMissing
from ipaas.mapping.paths import MISSING, PathKey, getter, json_copy, parse_path, setter

Compute = Callable[[Any, Mapping[str, Any]], Any]


class FieldFailure(Exception):
    """A field could not be computed; carries the input that caused it."""

    def __init__(self, reason: str, input: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.input = input


@dataclass(frozen=True, slots=True)
class CompiledField:
    """A field mapping ready to run: ``compute(source, variables)`` gives the value.

    ``MISSING`` means "not mapped": the target is left out of the output.
    """

    target: str
    keys: tuple[PathKey, ...]
    kind: FieldMappingType
    describe: str
    compute: Compute
    write: Callable[[dict[str, Any], Any], None]
    to_parent: bool
    formula: Formula | None

    def failure_input(self, source: Any) -> Any:
        """What to report as the input when the formula itself failed."""
        return self.formula.inputs(source) if self.formula is not None else None


def _copied(value: Any) -> Any:
    # Containers are copied so that writing a nested target never changes the source.
    return json_copy(value) if isinstance(value, dict | list) else value


def compile_field(
    mapping: FieldMapping,
    tables: Mapping[str, CompiledLookup],
    functions: Mapping[str, Callable[..., Any]],
    make_formula: Callable[[str], Formula],
) -> CompiledField:
    """Compile ``mapping``; ``make_formula`` compiles (and shares) formula text."""
    kind = mapping.type
    has_default, default = mapping.has_default, mapping.default
    formula: Formula | None = None
    if mapping.expression and kind is not FieldMappingType.STATIC:
        formula = make_formula(mapping.expression)
    read = _reader(mapping, formula)

    if kind is FieldMappingType.STATIC:
        value = mapping.value
        compute: Compute = (
            (lambda _s, _v: json_copy(value))
            if isinstance(value, dict | list)
            else (lambda _s, _v: value)
        )
        describe = f"static: {value!r}"
    elif kind is FieldMappingType.LOOKUP:
        compute = _lookup(mapping, tables, read)
        describe = f"lookup {mapping.table}: {mapping.source or mapping.expression}"
    else:
        if has_default:

            def compute(source: Any, variables: Mapping[str, Any]) -> Any:
                value = read(source, variables)
                return _copied(default) if value is MISSING else value

        else:
            compute = read
        describe = f"formula: {mapping.expression}" if formula else f"field: {mapping.source}"
        if kind is FieldMappingType.PARENT_ONLY:
            describe = f"parent_only {describe}"
    keys = parse_path(mapping.target)
    return CompiledField(
        target=mapping.target,
        keys=keys,
        write=setter(keys),
        kind=kind,
        describe=describe,
        compute=compute,
        to_parent=kind is FieldMappingType.PARENT_ONLY,
        formula=formula,
    )


def _reader(mapping: FieldMapping, formula: Formula | None) -> Compute:
    """How the mapping reads its input: a formula, else a pre-split source path."""
    if formula is not None:
        evaluate = formula.evaluate
        return lambda source, variables: _copied(evaluate(source, variables))
    if mapping.source:
        get = getter(parse_path(mapping.source))
        return lambda source, _variables: _copied(get(source))
    return lambda _source, _variables: MISSING


def _lookup(mapping: FieldMapping, tables: Mapping[str, CompiledLookup], read: Compute) -> Compute:
    name = mapping.table or ""
    table = tables.get(name)
    if table is None:
        known = ", ".join(sorted(tables)) or "none"
        raise MappingDefinitionError(
            f"lookup mapping {mapping.target!r} uses unknown table {name!r}; known: {known}",
            field="table",
        )
    case_sensitive = mapping.case_sensitive
    on_missing = mapping.on_missing
    has_default, default = mapping.has_default, mapping.default

    def translate(source: Any, variables: Mapping[str, Any]) -> Any:
        value = read(source, variables)
        if value is MISSING:
            return _copied(default) if has_default else MISSING
        if value is None:
            return None
        if isinstance(value, dict | list):
            raise FieldFailure(f"lookup {name!r} needs a single value, got {value!r}", value)
        found = table.translate(value, case_sensitive)
        if found is not MISSING:
            return _copied(found)
        if on_missing is LookupMissing.PASSTHROUGH:
            return value
        if on_missing is LookupMissing.DEFAULT:
            if has_default:
                return _copied(default)
            if table.has_default:
                return _copied(table.default)
        raise FieldFailure(f"no entry for {value!r} in lookup table {name!r}", value)

    return translate
