"""Every field mapping type, defaults, null versus not mapped, lookups, errors per field."""

from __future__ import annotations

from typing import Any

import pytest

from ipaas.mapping import (
    FieldMapping,
    LookupTable,
    MappingCollection,
    MappingContext,
    compile_collection,
)


def fm(target: str, kind: str, **settings: Any) -> FieldMapping:
    return FieldMapping(target=target, type=kind, **settings)  # type: ignore[arg-type]


def collection(*mappings: FieldMapping, direction: str = "from_hub") -> MappingCollection:
    return MappingCollection(
        data_type="product",
        direction=direction,  # type: ignore[arg-type]
        name="test",
        field_mappings=list(mappings),
    )


TABLES = {
    "status": LookupTable(name="status", entries={"Published": "active", "hidden": "draft"}),
    "status_ci": LookupTable(
        name="status_ci", entries={"Published": "active"}, case_sensitive=False
    ),
    "with_default": LookupTable(name="with_default", entries={"a": "A"}, default="other"),
}


def run(*mappings: FieldMapping, source: dict[str, Any]) -> Any:
    return compile_collection(collection(*mappings), TABLES).apply(source, MappingContext())


def test_static_writes_typed_constants() -> None:
    result = run(
        fm("a", "static", value=3),
        fm("b", "static", value=True),
        fm("c.d", "static", value={"x": [1, 2]}),
        fm("e", "static", value=None),
        source={},
    )
    assert result.ok
    assert result.output == {"a": 3, "b": True, "c": {"d": {"x": [1, 2]}}, "e": None}


def test_field_reads_dotted_and_indexed_paths() -> None:
    source = {"billing": {"address": {"city": "Utrecht"}}, "lines": [{"sku": "A"}, {"sku": "B"}]}
    result = run(
        fm("city", "field", source="billing.address.city"),
        fm("first_sku", "field", source="lines[0].sku"),
        fm("second.sku", "field", source="lines[1].sku"),
        fm("items[1].code", "field", source="lines[1].sku"),
        source=source,
    )
    assert result.output == {
        "city": "Utrecht",
        "first_sku": "A",
        "second": {"sku": "B"},
        "items": [None, {"code": "B"}],
    }


def test_null_is_mapped_missing_is_not() -> None:
    result = run(
        fm("cleared", "field", source="gone"),
        fm("untouched", "field", source="absent"),
        source={"gone": None},
    )
    assert result.output == {"cleared": None}
    assert "untouched" not in result.output


def test_default_used_only_when_the_source_is_missing() -> None:
    mappings = (
        fm("a", "field", source="a", default="fallback"),
        fm("b", "field", source="b", default="fallback"),
        fm("c", "field", source="c", default=None),
        fm("d", "formula", expression="nothing.here", default=0),
    )
    result = run(*mappings, source={"b": "given"})
    assert result.output == {"a": "fallback", "b": "given", "c": None, "d": 0}
    assert run(*mappings, source={"a": None}).output["a"] is None


def test_nested_writes_do_not_change_the_source() -> None:
    source = {"address": {"city": "Utrecht"}}
    result = run(
        fm("address", "field", source="address"),
        fm("address.country", "static", value="NL"),
        source=source,
    )
    assert result.output == {"address": {"city": "Utrecht", "country": "NL"}}
    assert source == {"address": {"city": "Utrecht"}}


def test_formula_mapping_with_variables() -> None:
    mappings = (
        fm("price", "formula", expression="$number(price) * 2"),
        fm("label", "formula", expression='name & " / " & $preset.shop & " / " & $system.name'),
        fm("hub_name", "formula", expression="$hub.name"),
    )
    compiled = compile_collection(collection(*mappings), TABLES)
    context = MappingContext(
        preset={"shop": "Main"}, hub={"name": "Hub name"}, system={"name": "erp", "id": "7"}
    )
    result = compiled.apply({"price": "2.5", "name": "Mug"}, context)
    assert result.output == {"price": 5, "label": "Mug / Main / erp", "hub_name": "Hub name"}


@pytest.mark.parametrize(
    ("table", "value", "expected"),
    [
        ("status", "Published", "active"),
        ("status_ci", "PUBLISHED", "active"),
        ("status_ci", "published", "active"),
        ("with_default", "zzz", "other"),
    ],
)
def test_lookup_translates(table: str, value: str, expected: str) -> None:
    result = run(fm("status", "lookup", source="state", table=table), source={"state": value})
    assert result.ok, result.errors
    assert result.output == {"status": expected}


def test_lookup_case_sensitive_by_default_and_overridable() -> None:
    strict = run(fm("s", "lookup", source="v", table="status"), source={"v": "published"})
    assert not strict.ok
    assert strict.errors[0].message == (
        "lookup error in field \"s\": no entry for 'published' in lookup table 'status'"
    )
    relaxed = run(
        fm("s", "lookup", source="v", table="status", case_sensitive=False),
        source={"v": "published"},
    )
    assert relaxed.output == {"s": "active"}


def test_lookup_missing_value_default_error_passthrough() -> None:
    source = {"v": "unknown"}
    with_default = run(fm("s", "lookup", source="v", table="status", default="x"), source=source)
    assert with_default.output == {"s": "x"}
    table_default = run(fm("s", "lookup", source="v", table="with_default"), source=source)
    assert table_default.output == {"s": "other"}
    error = run(
        fm("s", "lookup", source="v", table="with_default", on_missing="error"), source=source
    )
    assert [e.field for e in error.errors] == ["s"]
    assert error.errors[0].input == "unknown"
    passthrough = run(
        fm("s", "lookup", source="v", table="status", on_missing="passthrough"), source=source
    )
    assert passthrough.output == {"s": "unknown"}


def test_lookup_with_expression_and_missing_or_null_input() -> None:
    mapping = fm("s", "lookup", expression="$lowercase(v)", table="status")
    assert run(mapping, source={"v": "HIDDEN"}).output == {"s": "draft"}
    assert run(mapping, source={}).output == {}
    assert run(fm("s", "lookup", source="v", table="status"), source={"v": None}).output == {
        "s": None
    }


def test_errors_are_collected_per_field() -> None:
    result = run(
        fm("a", "formula", expression="name + 1"),
        fm("b", "field", source="name"),
        fm("c", "lookup", source="name", table="status"),
        source={"name": "Mug"},
    )
    assert not result.ok
    assert result.output == {"b": "Mug"}
    assert [(e.field, e.mapping_type) for e in result.errors] == [
        ("a", "formula"),
        ("c", "lookup"),
    ]
    first = result.errors[0]
    assert first.message.startswith('formula error in field "a": ')
    assert first.input == {"name": "Mug"}
    assert first.mapping == "formula: name + 1"


def test_unknown_table_and_bad_formula_fail_at_compile_naming_the_field() -> None:
    from ipaas.mapping import MappingDefinitionError

    with pytest.raises(MappingDefinitionError) as unknown:
        compile_collection(collection(fm("s", "lookup", source="v", table="nope")), TABLES)
    assert unknown.value.field == "field_mappings[0]"
    with pytest.raises(MappingDefinitionError) as syntax:
        compile_collection(
            collection(fm("x", "static", value=1), fm("s", "formula", expression="("))
        )
    assert syntax.value.field == "field_mappings[1]"
    assert "cannot parse formula" in syntax.value.message


@pytest.mark.parametrize(
    ("settings", "problem"),
    [
        ({"target": "a", "type": "field"}, "needs a source path"),
        ({"target": "a", "type": "formula"}, "needs an expression"),
        ({"target": "a", "type": "lookup", "source": "x"}, "needs a table"),
        ({"target": "a", "type": "parent_only"}, "needs a source or an expression"),
        ({"target": "a..b", "type": "static"}, "segment"),
    ],
)
def test_incomplete_field_mappings_are_rejected(settings: dict[str, Any], problem: str) -> None:
    import pydantic

    with pytest.raises(pydantic.ValidationError, match=problem):
        FieldMapping.model_validate(settings)
