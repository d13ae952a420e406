"""The ``webhook`` definition model and the parsing of foreign webhook bodies."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ipaas.connectors.base import WebhookRequest
from ipaas.domain import Method
from ipaas.errors import ValidationError
from ipaas.store.triggers import SubscriptionInfo
from ipaas.triggers.config import parse_webhook_config
from ipaas.triggers.parsing import parse_configured

SHOP = {
    "scope": {"header": "X-Shopify-Topic"},
    "external_id": {"json": "id"},
    "event_id": {"header": "x-shopify-webhook-id"},
    "topics": {"products/update": "product/updated", "products/create": "product/created"},
    "signature": {"scheme": "hmac_sha256_base64", "header": "X-Shopify-Hmac-Sha256"},
}
ERP = {
    "events": "value",
    "data_type": {"json": "resource"},
    "action": {"json": "changeType"},
    "external_id": {"json": "key"},
    "data_types": {"items": "product"},
    "signature": {"scheme": "standard_webhooks"},
}
INFO = SubscriptionInfo(
    id=7,
    company_id=1,
    flows={"product": {"to_hub": True}, "customer": {"to_hub": True}},
    settings={},
    webhook_config=None,
    paused=False,
)


def _request(body: Any, headers: dict[str, str] | None = None) -> WebhookRequest:
    return WebhookRequest(
        method="POST",
        path="/hooks/t",
        headers={k.lower(): v for k, v in (headers or {}).items()},
        query={},
        body=json.dumps(body).encode(),
    )


def _parse(
    config: dict[str, Any],
    body: Any,
    headers: dict[str, str] | None = None,
    segments: list[str] | None = None,
) -> list[tuple[str, str, Method, Any, Any]]:
    model = parse_webhook_config(config)
    events = parse_configured(model, INFO, _request(body, headers), segments or [], body)
    return [(e.scope, e.external_id, e.method, e.payload, e.dedupe_key) for e in events]


def test_shop_topic_header_is_translated_and_the_body_not_trusted() -> None:
    parsed = _parse(
        SHOP,
        {"id": 123, "title": "Mug"},
        {"X-Shopify-Topic": "products/update", "X-Shopify-Webhook-Id": "d-1"},
    )
    assert parsed == [("product/updated", "123", Method.UPDATE, None, "id:d-1")]


def test_batched_erp_notifications_with_separate_type_and_action() -> None:
    body = {
        "value": [
            {"resource": "items", "changeType": "created", "key": "7"},
            {"resource": "customer", "changeType": "deleted", "key": "c9"},
        ]
    }
    assert _parse(ERP, body) == [
        ("product/created", "7", Method.CREATE, None, None),
        ("customer/deleted", "c9", Method.DELETE, None, None),
    ]


def test_complete_record_url_segment_fixed_value_and_jsonata() -> None:
    config = {
        "preprocess": "{'thing': payload.item}",
        "scope": {"value": "product/updated"},
        "external_id": {"json": "thing.sku"},
        "complete_record": True,
        "record": "thing",
    }
    body = {"payload": {"item": {"sku": "A-1", "price": 3}}}
    assert _parse(config, body) == [
        ("product/updated", "A-1", Method.UPDATE, {"sku": "A-1", "price": 3}, None)
    ]
    by_segment = {"scope": {"url_segment": 0}, "external_id": {"url_segment": 1}}
    assert _parse(by_segment, {}, segments=["customer/created", "42"])[0][:2] == (
        "customer/created",
        "42",
    )


@pytest.mark.parametrize(
    ("config", "field"),
    [
        ({"scope": {"value": "product/created"}}, "webhook.external_id"),
        ({"external_id": {"json": "id"}}, "webhook"),
        ({"scope": {"header": "x", "json": "y"}, "external_id": {"json": "id"}}, "webhook.scope"),
        ({**SHOP, "topics": {"a": "gadget/created"}}, "webhook.topics"),
        ({**SHOP, "signature": {"scheme": "hmac_sha256_hex"}}, "webhook.signature"),
        ({**SHOP, "signature": {"scheme": "md5"}}, "webhook.signature.scheme"),
        ({**SHOP, "preprocess": "{{{"}, "webhook.preprocess"),
        ({**SHOP, "events": "a..b"}, "webhook.events"),
        ({**SHOP, "colour": "blue"}, "webhook.colour"),
    ],
)
def test_invalid_definitions_name_the_field(config: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as raised:
        parse_webhook_config(config)
    assert raised.value.field == field


@pytest.mark.parametrize(
    ("headers", "body", "field"),
    [
        ({"X-Shopify-Topic": "gadgets/update"}, {"id": 1}, "event.scope"),
        ({}, {"id": 1}, "event.scope"),
        ({"X-Shopify-Topic": "products/update"}, {"name": "x"}, "event.external_id"),
        ({"X-Shopify-Topic": "locations/update"}, {"id": 1}, "event.scope"),
    ],
)
def test_bad_events_name_the_field(headers: dict[str, str], body: Any, field: str) -> None:
    with pytest.raises(ValidationError) as raised:
        _parse(SHOP, body, headers)
    assert raised.value.field == field
