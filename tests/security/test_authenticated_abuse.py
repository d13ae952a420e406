"""Hostile bodies and hostile formulas sent by a signed-in user, through the real routes
(the unauthenticated body walk is in test_hostile_input.py)."""

from __future__ import annotations

import pytest
from test_hostile_formulas import HOSTILE
from test_hostile_input import BODIES

from security.security_world import SecurityWorld, app_routes, body_fields, fill_path

HAS_BODY = set(body_fields())
WRITES = [
    (method, path)
    for method, path in app_routes()
    if method in ("POST", "PUT", "PATCH") and path.startswith("/api/v1/")
]


def _caller(path: str) -> str:
    if path.startswith(("/api/v1/integrations", "/api/v1/switch-view")):
        return "builder"
    if path.startswith(("/api/v1/portal/", "/api/v1/companies")):
        return "misp"
    return "rival"


@pytest.mark.parametrize(("method", "path"), WRITES)
def test_hostile_bodies_from_a_signed_in_user(
    security_world: SecurityWorld, method: str, path: str
) -> None:
    """Guarantee: with valid credentials and the caller's own ids in the path, every write
    route answers an oversized body 413, deeply nested JSON, invalid UTF-8, malformed
    JSON and wrong content types with a 4xx in the one error shape: never a 2xx, never a
    5xx. Routes without a body refuse the oversized one (413) before doing anything."""
    sw = security_world
    who = _caller(path)
    url = fill_path(path, sw.objects[who])
    assert url is not None, path
    client = sw.client(who)
    # a route without a body never reads one: only the size limit applies to it
    kinds = BODIES if (method, path) in HAS_BODY else {"oversized": BODIES["oversized"]}
    for kind, (body, content_type) in kinds.items():
        answer = client.request(method, url, content=body, headers={"content-type": content_type})
        label = (kind, method, url, answer.status_code, answer.text[:200])
        assert 400 <= answer.status_code < 500, label
        assert set(answer.json()["error"]) == {"code", "message", "field"}, label
        if kind == "oversized":
            assert answer.status_code == 413, label
        if kind == "invalid_utf8":
            assert answer.status_code == 400, label


@pytest.mark.timeout(60)
@pytest.mark.parametrize("formula", HOSTILE)
def test_hostile_formulas_through_the_preview(security_world: SecurityWorld, formula: str) -> None:
    """Guarantee: a hostile formula saved into a subscription's collection and run by the
    mapping preview (deep recursion, huge ranges, string blow-up, reaching for Python
    internals) is refused when saved (422 naming the field) or previewed as a field error
    (never a value from outside the record, never a 5xx), within the test's time bound."""
    sw = security_world
    rival = sw.client("rival")
    objects = sw.objects["rival"]
    base = f"/api/v1/subscriptions/{objects['subscription_id']}/mappings"
    collection = {
        "data_type": "product",
        "direction": "to_hub",
        "name": "hostile",
        "field_mappings": [
            {"target": "sku", "type": "field", "source": "sku"},
            {"target": "name", "type": "formula", "expression": formula},
        ],
    }
    created = rival.post(base, json=collection)
    if created.status_code == 422:
        assert created.json()["error"]["field"], created.text
        return
    assert created.status_code in (200, 201), created.text
    collection_id = created.json()["id"]
    try:
        preview = rival.post(
            f"{base}/{collection_id}/preview", json={"sample": {"sku": "A-1", "n": "x"}}
        )
        assert preview.status_code < 500, preview.text
        text = preview.text
        assert "uid=" not in text, text
        assert "<class" not in text, text
        assert "__" not in text.replace(formula.replace('"', '\\"'), ""), text
        if preview.status_code == 200:
            body = preview.json()
            assert body.get("ok") is False or body.get("output", {}).get("name") is None, body
    finally:
        rival.delete(f"{base}/{collection_id}")
