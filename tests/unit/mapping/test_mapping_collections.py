"""Collections: nesting to the grandchild, parent_only, sync types, filters, validation,
missing prerequisites, merge for updates, collision decisions and the compile cache."""

from __future__ import annotations

from typing import Any

import pytest

from ipaas.domain import Method
from ipaas.mapping import (
    CollisionAction,
    CollisionMethod,
    FieldMapping,
    InMemoryLinkResolver,
    MappingCollection,
    MappingContext,
    MissingPrerequisite,
    SyncType,
    compile_collection,
    decide_collision,
    merge_onto,
)


def fm(target: str, kind: str, **settings: Any) -> FieldMapping:
    return FieldMapping(target=target, type=kind, **settings)  # type: ignore[arg-type]


def order_collection(**settings: Any) -> MappingCollection:
    serials = MappingCollection(
        data_type="transaction",
        direction="to_hub",
        name="serials",
        source_path="serial_numbers",
        target_path="serials",
        field_mappings=[fm("serial", "field", source="number")],
    )
    lines = MappingCollection(
        data_type="transaction",
        direction="to_hub",
        name="lines",
        source_path="items",
        target_path="lines",
        mapping_filter="qty > 0",
        field_mappings=[
            fm("sku", "field", source="sku"),
            fm("quantity", "field", source="qty"),
            fm("unit_price", "field", source="price"),
            fm("total", "formula", expression="qty * price"),
            fm("notes", "parent_only", expression='"first line: " & sku & " of " & $parent.no'),
        ],
        children=[serials],
    )
    return MappingCollection(
        data_type="transaction",
        direction="to_hub",
        name="orders",
        field_mappings=[
            fm("number", "field", source="no"),
            fm("currency", "static", value="EUR"),
        ],
        children=[lines],
        **settings,
    )


ORDER = {
    "no": "SO-1",
    "items": [
        {
            "sku": "A",
            "qty": 2,
            "price": 1.5,
            "serial_numbers": [{"number": "S1"}, {"number": "S2"}],
        },
        {"sku": "FREE", "qty": 0, "price": 0},
        {"sku": "B", "qty": 1, "price": 4},
    ],
}


def test_children_and_grandchildren_map_with_parent_only() -> None:
    result = compile_collection(order_collection()).apply(ORDER, MappingContext())
    assert result.ok, result.errors
    assert result.output == {
        "number": "SO-1",
        "currency": "EUR",
        "lines": [
            {
                "sku": "A",
                "quantity": "2",
                "unit_price": "1.5",
                "total": "3",
                "serials": [{"serial": "S1"}, {"serial": "S2"}],
                "custom_fields": {},  # the schema's normalized form of each line
            },
            {
                "sku": "B",
                "quantity": "1",
                "unit_price": "4",
                "total": "4",
                "serials": [],
                "custom_fields": {},
            },
        ],
        "notes": "first line: A of SO-1",
    }


def test_child_errors_name_the_item() -> None:
    order = {"no": "SO-2", "items": [{"sku": "A", "qty": 1, "price": "x"}]}
    result = compile_collection(order_collection()).apply(order, MappingContext())
    assert not result.ok
    assert [e.field for e in result.errors] == ["lines[0].total", "lines[0].unit_price"]
    assert [e.mapping_type for e in result.errors] == ["formula", "schema"]


def test_missing_child_list_is_not_mapped() -> None:
    result = compile_collection(order_collection()).apply({"no": "SO-3"}, MappingContext())
    assert result.ok
    assert "lines" not in result.output


def test_mapping_filter_skips_with_reason() -> None:
    compiled = compile_collection(order_collection(mapping_filter='no != "SO-SKIP"'))
    skipped = compiled.apply({"no": "SO-SKIP"}, MappingContext())
    assert skipped.skipped == 'mapping filter is false: no != "SO-SKIP"'
    assert not skipped.ok
    assert compiled.apply({"no": "SO-4"}, MappingContext()).ok


def test_error_filter_fails_with_our_message() -> None:
    compiled = compile_collection(
        order_collection(error_filter="$count(items) > 2", error_message="too many lines")
    )
    failed = compiled.apply(ORDER, MappingContext())
    assert failed.failed == "too many lines"
    assert not failed.ok
    default_message = compile_collection(order_collection(error_filter="no = 'SO-1'"))
    assert default_message.apply(ORDER).failed == "error filter matched: no = 'SO-1'"


def test_error_filter_in_a_child_fails_the_record() -> None:
    collection = order_collection()
    lines = collection.children[0].model_copy(
        update={"error_filter": "price < 0", "error_message": "negative price"}
    )
    compiled = compile_collection(collection.model_copy(update={"children": [lines]}))
    order = {"no": "SO-5", "items": [{"sku": "A", "qty": 1, "price": -1}]}
    assert compiled.apply(order).failed == "lines[0]: negative price"


def test_filter_that_fails_to_evaluate_is_an_error() -> None:
    compiled = compile_collection(order_collection(mapping_filter="no + 1"))
    result = compiled.apply({"no": "SO-6"})
    assert [e.field for e in result.errors] == ["(mapping_filter)"]


def test_to_hub_output_is_validated_and_never_ok_when_invalid() -> None:
    collection = MappingCollection(
        data_type="product",
        direction="to_hub",
        name="products",
        field_mappings=[
            fm("sku", "field", source="code"),
            fm("currency", "field", source="cur"),
            fm("price", "field", source="price"),
        ],
    )
    compiled = compile_collection(collection)
    result = compiled.apply({"code": "A", "cur": "euro", "price": "abc"})
    assert not result.ok
    assert sorted(e.field for e in result.errors) == ["currency", "price"]
    assert all(e.mapping_type == "schema" for e in result.errors)
    currency = next(e for e in result.errors if e.field == "currency")
    assert currency.input == "euro"
    assert currency.message.startswith('invalid field "currency": ')
    assert compiled.apply({"code": "A", "cur": "euro"}, validate=False).ok


def test_schema_problems_are_reported_beside_field_errors() -> None:
    collection = MappingCollection(
        data_type="product",
        direction="to_hub",
        name="products",
        field_mappings=[
            fm("sku", "field", source="code"),
            fm("price", "formula", expression="price * 2"),
        ],
    )
    result = compile_collection(collection).apply({"price": "x"})
    assert [(e.field, e.mapping_type) for e in result.errors] == [
        ("price", "formula"),
        ("sku", "schema"),
    ]


def test_to_hub_partial_output_is_validated_against_the_hub_record() -> None:
    collection = MappingCollection(
        data_type="product",
        direction="to_hub",
        name="price updates",
        sync_type="update",
        field_mappings=[fm("price", "field", source="p"), fm("brand", "field", source="b")],
    )
    compiled = compile_collection(collection)
    hub = {"sku": "A", "name": "Mug", "brand": "Acme"}
    result = compiled.apply({"p": 3, "b": None}, MappingContext(hub=hub))
    assert result.ok, result.errors
    assert result.output == {"price": "3", "brand": None}
    assert merge_onto(hub, result.output) == {
        "sku": "A",
        "name": "Mug",
        "brand": None,
        "price": "3",
    }
    assert not compiled.apply({"p": 3}).ok  # without the hub record the sku is missing


def test_missing_prerequisite_propagates() -> None:
    collection = MappingCollection(
        data_type="product",
        direction="from_hub",
        name="products out",
        field_mappings=[
            fm("category_id", "formula", expression='$externalId("product_category", category)')
        ],
    )
    compiled = compile_collection(collection)
    resolver = InMemoryLinkResolver(strict=True)
    with pytest.raises(MissingPrerequisite) as missing:
        compiled.apply({"category": "c-1"}, MappingContext(resolver=resolver))
    assert (missing.value.data_type, missing.value.hub_id) == ("product_category", "c-1")
    resolver.link("product_category", "c-1", "77")
    assert compiled.apply({"category": "c-1"}, MappingContext(resolver=resolver)).output == {
        "category_id": "77"
    }


@pytest.mark.parametrize(
    ("sync_type", "served"),
    [
        (SyncType.ADD, {Method.CREATE}),
        (SyncType.UPDATE, {Method.UPDATE}),
        (SyncType.ADD_AND_UPDATE, {Method.CREATE, Method.UPDATE}),
        (SyncType.DELETE, {Method.DELETE}),
        (SyncType.DELETE_TRIGGERED_UPDATE, {Method.DELETE}),
    ],
)
def test_sync_type_serves(sync_type: SyncType, served: set[Method]) -> None:
    collection = order_collection(sync_type=sync_type)
    assert {m for m in Method if collection.serves(m)} == served


def test_merge_onto_keeps_missing_clears_null_and_merges_deeply() -> None:
    current = {"a": 1, "b": {"c": 2, "d": 3}, "e": [1, 2], "f": "keep"}
    partial = {"a": None, "b": {"c": 9}, "e": [3]}
    merged = merge_onto(current, partial)
    assert merged == {"a": None, "b": {"c": 9, "d": 3}, "e": [3], "f": "keep"}
    assert current["b"] == {"c": 2, "d": 3}


@pytest.mark.parametrize(
    ("method", "action", "link", "remap"),
    [
        (CollisionMethod.ERROR, CollisionAction.ERROR, False, False),
        (CollisionMethod.UPDATE_AND_LINK, CollisionAction.UPDATE, True, False),
        (CollisionMethod.REMAP_AND_LINK, CollisionAction.UPDATE, True, True),
        (CollisionMethod.UPDATE_NO_LINK, CollisionAction.UPDATE, False, False),
    ],
)
def test_collision_decisions(
    method: CollisionMethod, action: CollisionAction, link: bool, remap: bool
) -> None:
    decision = decide_collision(method, "ext-9")
    assert (decision.action, decision.link, decision.remap) == (action, link, remap)
    assert "ext-9" in decision.reason
    fresh = decide_collision(method, None)
    assert (fresh.action, fresh.link) == (CollisionAction.CREATE, True)


def test_collision_method_defaults_to_error() -> None:
    assert order_collection().collision_method is CollisionMethod.ERROR
    assert decide_collision("error", "x").action is CollisionAction.ERROR


def test_compile_is_cached_until_the_collection_or_a_table_changes() -> None:
    from ipaas.mapping import LookupTable

    collection = order_collection()
    tables = {"t": LookupTable(name="t", entries={"a": "b"})}
    first = compile_collection(collection, tables)
    assert compile_collection(collection.model_copy(deep=True), tables) is first
    edited = collection.model_copy(update={"name": "orders v2"})
    assert compile_collection(edited, tables) is not first
    other_tables = {"t": LookupTable(name="t", entries={"a": "c"})}
    assert compile_collection(collection, other_tables) is not first
    with_null_default = FieldMapping(target="x", type="field", source="y", default=None)
    without_default = FieldMapping(target="x", type="field", source="y")
    a = compile_collection(collection.model_copy(update={"field_mappings": [with_null_default]}))
    b = compile_collection(collection.model_copy(update={"field_mappings": [without_default]}))
    assert a is not b
    assert a.apply({}).output == {"x": None}
    assert b.apply({}).output == {}
