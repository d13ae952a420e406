"""Clone, reverse clone (with a property test), YAML export and import, preview."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ipaas.domain import Direction
from ipaas.mapping import (
    FieldMapping,
    FieldMappingType,
    InMemoryLinkResolver,
    LookupTable,
    MappingCollection,
    MappingContext,
    MappingDefinitionError,
    clone,
    compile_collection,
    dump_collections,
    load_collections,
    preview,
    reverse_clone,
)


def fm(target: str, kind: str, **settings: Any) -> FieldMapping:
    return FieldMapping(target=target, type=kind, **settings)  # type: ignore[arg-type]


def order() -> MappingCollection:
    serials = MappingCollection(
        data_type="transaction",
        direction="from_hub",
        name="serials",
        source_path="serials",
        target_path="serial_numbers",
        field_mappings=[fm("number", "field", source="serial")],
    )
    lines = MappingCollection(
        data_type="transaction",
        direction="from_hub",
        name="lines",
        source_path="lines",
        target_path="rows",
        sort_order=2,
        field_mappings=[
            fm("article", "field", source="sku"),
            fm("amount", "field", source="quantity", default=1),
            fm("vat", "static", value=21),
        ],
        children=[serials],
    )
    return MappingCollection(
        id="c-1",
        data_type="transaction",
        direction="from_hub",
        name="orders to ERP",
        sync_type="add",
        collision_method="update_and_link",
        mapping_filter='type = "order"',
        error_filter="total < 0",
        error_message="negative order",
        field_mappings=[
            fm("order_no", "field", source="number"),
            fm("state", "lookup", source="status", table="status", default=None),
            fm("total_text", "formula", expression="$string(total)"),
        ],
        children=[lines],
    )


TABLES = {"status": LookupTable(name="status", entries={"open": "O"}, case_sensitive=False)}


def test_clone_is_a_deep_copy_without_id() -> None:
    original = order()
    copied = clone(original)
    assert copied.id is None
    assert copied.model_dump(exclude={"id"}) == original.model_dump(exclude={"id"})
    copied.children[0].field_mappings[0].source = "changed"
    assert original.children[0].field_mappings[0].source == "sku"
    assert clone(original, name="mine").name == "mine"


def test_reverse_clone_flips_direction_and_field_mappings() -> None:
    reversed_ = reverse_clone(order())
    assert reversed_.direction is Direction.TO_HUB
    assert reversed_.name == "orders to ERP (reversed)"
    assert [(m.target, m.source) for m in reversed_.field_mappings] == [("number", "order_no")]
    lines = reversed_.children[0]
    assert (lines.source_path, lines.target_path) == ("rows", "lines")
    assert [(m.target, m.source, m.has_default) for m in lines.field_mappings] == [
        ("sku", "article", False),
        ("quantity", "amount", False),
    ]
    serials = lines.children[0]
    assert (serials.source_path, serials.target_path) == ("serial_numbers", "serials")
    assert all(m.type is FieldMappingType.FIELD for m in lines.field_mappings)
    assert reversed_.mapping_filter is None


_names = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True)
_scalars = st.none() | st.booleans() | st.integers() | st.text(max_size=20)
_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_names, inner, max_size=3),
    max_leaves=6,
)


@settings(max_examples=60, deadline=None)
@given(record=st.dictionaries(_names, _values, min_size=1, max_size=8), nest=st.booleans())
def test_field_mappings_and_their_reverse_clone_round_trip(
    record: dict[str, Any], nest: bool
) -> None:
    keys = sorted(record)
    mappings = [
        fm(f"out.{key}_t" if nest and i % 2 else f"{key}_t", "field", source=key)
        for i, key in enumerate(keys)
    ]
    forward = MappingCollection(
        data_type="product", direction="from_hub", name="p", field_mappings=mappings
    )
    there = compile_collection(forward).apply(record, MappingContext())
    back = compile_collection(reverse_clone(forward)).apply(
        there.output, MappingContext(), validate=False
    )
    assert there.ok
    assert back.ok
    assert back.output == record


def test_yaml_round_trip_is_exact() -> None:
    collections = [order(), reverse_clone(order())]
    text = dump_collections(collections, TABLES)
    loaded, tables = load_collections(text)
    assert loaded == collections
    assert tables == TABLES
    assert dump_collections(loaded, tables) == text
    state = loaded[0].field_mappings[1]
    assert state.has_default
    assert state.default is None
    assert not loaded[0].field_mappings[0].has_default


def test_yaml_accepts_an_empty_document() -> None:
    assert load_collections("") == ([], {})


@pytest.mark.parametrize(
    ("text", "field", "line"),
    [
        (
            "collections:\n"
            "- name: x\n"
            "  data_type: product\n"
            "  direction: to_hub\n"
            "  field_mappings:\n"
            "  - target: sku\n"
            "    type: fild\n",
            "collections[0].field_mappings[0].type",
            7,
        ),
        (
            "collections:\n- name: x\n  data_type: product\n  direction: sideways\n",
            "collections[0].direction",
            4,
        ),
        (
            "collections:\n"
            "- name: x\n"
            "  data_type: product\n"
            "  direction: to_hub\n"
            "  field_mappings:\n"
            "  - {target: s, type: lookup, source: v, table: missing}\n",
            "collections[0].field_mappings[0].table",
            6,
        ),
        (
            "lookup_tables:\n- {name: t}\n- {name: t}\n",
            "lookup_tables[1].name",
            3,
        ),
    ],
)
def test_yaml_errors_name_the_field_and_line(text: str, field: str, line: int) -> None:
    with pytest.raises(MappingDefinitionError) as error:
        load_collections(text)
    assert error.value.field == field
    assert error.value.line == line
    assert f"(line {line})" in error.value.message


def test_yaml_syntax_error_has_a_line() -> None:
    with pytest.raises(MappingDefinitionError) as error:
        load_collections("collections:\n  - name: [unclosed\n")
    assert error.value.line is not None


def test_preview_reports_output_errors_and_timing() -> None:
    sample = {"type": "order", "number": "SO-1", "status": "OPEN", "total": 10, "lines": []}
    shown = preview(order(), sample, TABLES)
    assert shown.ok
    assert shown.output == {"order_no": "SO-1", "state": "O", "total_text": "10", "rows": []}
    assert shown.microseconds > 0
    as_dict = shown.to_dict()
    assert as_dict["ok"] is True
    skipped = preview(order(), {**sample, "type": "quote"}, TABLES)
    assert skipped.skipped == 'mapping filter is false: type = "order"'
    failed = preview(order(), {**sample, "total": -1}, TABLES)
    assert failed.failed == "negative order"


def test_preview_turns_definition_problems_and_prerequisites_into_reports() -> None:
    broken = preview(order(), {}, {})
    assert not broken.ok
    assert broken.errors[0].field == "field_mappings[1]"
    needs_link = MappingCollection(
        data_type="product",
        direction="from_hub",
        name="p",
        field_mappings=[fm("cat", "formula", expression='$externalId("product_category", c)')],
    )
    context = MappingContext(resolver=InMemoryLinkResolver(strict=True))
    shown = preview(needs_link, {"c": "h-9"}, {}, context)
    assert shown.failed is not None
    assert "product_category h-9" in shown.failed
