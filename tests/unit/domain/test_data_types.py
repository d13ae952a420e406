"""The canonical data model, with no I/O."""

from __future__ import annotations

import pytest

from ipaas.domain import (
    DATA_TYPES,
    Action,
    Method,
    Scope,
    content_hash,
    dependency_order,
    get_data_type,
    validate_record,
)
from ipaas.errors import RecordValidationError, UnknownDataTypeError, ValidationError

EXPECTED_MATCH_KEYS = {
    "product": ("sku",),
    "product_variant": ("sku",),
    "product_category": ("code",),
    "product_inventory": ("sku", "location_code"),
    "location": ("code",),
    "customer": ("email",),
    "customer_address": ("customer_email", "label"),
    "transaction": ("type", "number"),
    "gift_card": ("code",),
    "shipping_method": ("code",),
    "payment_method": ("code",),
}


def test_every_data_type_declares_its_match_keys() -> None:
    assert {name: t.match_keys for name, t in DATA_TYPES.items()} == EXPECTED_MATCH_KEYS


def test_money_is_decimal_text_with_one_spelling() -> None:
    body = validate_record("product", {"sku": "A", "price": 19.9, "currency": "EUR"})
    assert body["price"] == "19.9"
    assert validate_record("product", {"sku": "A", "price": "19.90"})["price"] == "19.9"
    assert validate_record("product", {"sku": "A", "price": "100"})["price"] == "100"


def test_a_full_order_validates() -> None:
    order = validate_record(
        "transaction",
        {
            "number": "SO-1",
            "currency": "EUR",
            "ordered_at": "2026-11-01T10:00:00+01:00",
            "customer_email": "ann@example.com",
            "lines": [
                {"sku": "A", "quantity": 2, "unit_price": "5.00", "serials": [{"serial": "X1"}]}
            ],
            "billing_address": {"line1": "Main St 1", "city": "Utrecht", "country": "NL"},
            "payments": [{"method": "card", "amount": "10"}],
            "taxes": [{"name": "VAT", "rate": "0.21", "amount": "1.74"}],
            "total": "10.00",
            "custom_fields": {"channel": "web", "gift": True},
        },
    )
    assert order["type"] == "order"
    assert order["lines"][0]["serials"] == [
        {
            "serial": "X1",
        }
    ]
    assert order["custom_fields"] == {"channel": "web", "gift": True}


@pytest.mark.parametrize(
    ("data_type", "body", "field", "reason"),
    [
        ("product", {}, "sku", "Field required"),
        ("product", {"sku": "A", "price": "cheap"}, "price", "decimal"),
        ("product", {"sku": "A", "currency": "euro"}, "currency", "ISO 4217"),
        ("product", {"sku": "A", "colour": "red"}, "colour", "Extra inputs"),
        ("customer", {"email": "not-an-email"}, "email", "pattern"),
        (
            "transaction",
            {"number": "1", "ordered_at": "2026-01-01T10:00:00"},
            "ordered_at",
            "time zone",
        ),
        ("transaction", {"number": "1", "lines": [{"sku": "A"}]}, "lines.0.quantity", "required"),
        (
            "product",
            {"sku": "A", "custom_fields": {"bad name": 1}},
            "custom_fields",
            "custom field",
        ),
    ],
)
def test_validation_errors_name_the_field_and_reason(
    data_type: str, body: dict[str, object], field: str, reason: str
) -> None:
    with pytest.raises(RecordValidationError) as excinfo:
        validate_record(data_type, body)
    fields = [f for f, _ in excinfo.value.problems]
    assert field in fields
    assert reason in str(excinfo.value)


def test_unknown_data_type_lists_the_known_ones() -> None:
    with pytest.raises(UnknownDataTypeError, match="known: customer"):
        get_data_type("widget")


def test_match_key_is_case_insensitive_for_email_and_none_when_missing() -> None:
    customer = get_data_type("customer")
    assert customer.match_key({"email": "Ann@Example.com"}) == "ann@example.com"
    assert get_data_type("product_inventory").match_key({"sku": "A"}) is None


def test_content_hash_ignores_key_order() -> None:
    assert content_hash({"a": 1, "b": [1, 2]}) == content_hash({"b": [1, 2], "a": 1})
    assert content_hash({"a": 1}) != content_hash({"a": 2})


def test_dependency_order_puts_referenced_types_first() -> None:
    order = dependency_order()
    for name, spec in DATA_TYPES.items():
        for dep in spec.depends_on:
            assert order.index(dep) < order.index(name)
    assert dependency_order(["transaction", "customer"]) == ["customer", "transaction"]


def test_scopes_parse_and_reject_with_reasons() -> None:
    scope = Scope.parse("product/created")
    assert scope.data_type == "product"
    assert scope.action is Action.CREATED
    assert scope.method is Method.CREATE
    assert str(scope) == "product/created"
    with pytest.raises(ValidationError, match="must look like"):
        Scope.parse("product")
    with pytest.raises(ValidationError, match="unknown action 'made'"):
        Scope.parse("product/made")
    with pytest.raises(UnknownDataTypeError):
        Scope.parse("widget/created")
