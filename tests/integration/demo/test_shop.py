"""The demo storefront through its HTTP API."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import httpx
import pytest
from fastapi import FastAPI

from ipaas.demo.systems.signing import verify_shop_signature

if TYPE_CHECKING:
    from conftest import Receiver

pytestmark = pytest.mark.anyio

PRODUCT = {
    "title": "Trail Backpack",
    "tags": ["bags", "outdoor"],
    "variants": [{"sku": "BP-1", "price": 49.9, "weight": 900, "inventory_quantity": 4}],
}


async def test_product_crud(shop: httpx.AsyncClient) -> None:
    created = await shop.post("/api/products", json={"product": PRODUCT})
    assert created.status_code == 201
    product = created.json()["product"]
    assert product["tags"] == "bags, outdoor"
    assert product["variants"][0]["price"] == "49.90"
    assert product["updated_at"].endswith("+00:00")

    variant_id = product["variants"][0]["id"]
    changed = await shop.put(
        f"/api/products/{product['id']}",
        json={"product": {"status": "draft", "variants": [{"id": variant_id, "price": "59"}]}},
    )
    assert changed.status_code == 200
    assert changed.json()["product"]["status"] == "draft"
    assert changed.json()["product"]["variants"][0] == {
        **product["variants"][0],
        "price": "59.00",
    }
    assert changed.json()["product"]["updated_at"] > product["updated_at"]

    found = await shop.get("/api/products", params={"sku": "bp-1"})
    assert [p["id"] for p in found.json()["products"]] == [product["id"]]

    assert (await shop.delete(f"/api/products/{product['id']}")).status_code == 200
    assert (await shop.get(f"/api/products/{product['id']}")).status_code == 404
    assert (await shop.delete(f"/api/products/{product['id']}")).status_code == 404
    live = await shop.get("/api/products")
    assert live.json()["products"] == []
    tombstones = await shop.get("/api/products", params={"include_deleted": "true"})
    assert tombstones.json()["products"][0]["deleted_at"]


async def test_customer_and_order_crud(shop: httpx.AsyncClient) -> None:
    customer = {"email": "Ann@Example.com", "first_name": "Ann", "default_address": {"city": "X"}}
    created = (await shop.post("/api/customers", json={"customer": customer})).json()["customer"]
    assert created["email"] == "ann@example.com"
    duplicate = await shop.post("/api/customers", json={"customer": customer})
    assert duplicate.status_code == 422
    assert "email" in duplicate.json()["errors"]
    found = await shop.get("/api/customers", params={"email": "ann@example.com"})
    assert [c["id"] for c in found.json()["customers"]] == [created["id"]]

    order = {"email": "ann@example.com", "line_items": [{"sku": "A", "quantity": 2, "price": 10}]}
    made = (await shop.post("/api/orders", json={"order": order})).json()["order"]
    assert (made["name"], made["order_number"]) == ("#1001", 1001)
    assert (made["subtotal_price"], made["total_tax"], made["total_price"]) == (
        "20.00",
        "3.80",
        "23.80",
    )
    paid = await shop.put(f"/api/orders/{made['id']}", json={"order": {"financial_status": "paid"}})
    assert paid.json()["order"]["financial_status"] == "paid"
    got = await shop.get(f"/api/orders/{made['id']}")
    assert got.json()["order"]["financial_status"] == "paid"
    bad = await shop.post("/api/orders", json={"order": {"line_items": [{"quantity": 0}]}})
    assert bad.status_code == 422
    assert "line_items[0].quantity" in bad.json()["errors"]
    assert (await shop.delete(f"/api/customers/{created['id']}")).status_code == 200


async def test_wrong_token_is_401(shop: httpx.AsyncClient) -> None:
    response = await shop.get("/api/products", headers={"X-Shop-Token": "nope"})
    assert response.status_code == 401
    assert "errors" in response.json()


async def test_cursor_pagination_walks_every_record_once(
    shop: httpx.AsyncClient, shop_app: FastAPI
) -> None:
    shop_app.state.system.generate("products", 12)
    seen: list[int] = []
    url: str | None = "/api/products?limit=5"
    for _ in range(10):
        if url is None:
            break
        response = await shop.get(url)
        seen += [p["id"] for p in response.json()["products"]]
        link = response.links.get("next")
        url = link["url"] if link else None
    assert len(seen) == 12
    assert len(set(seen)) == 12


async def test_updated_at_min_returns_changes_since(
    shop: httpx.AsyncClient, shop_app: FastAPI
) -> None:
    shop_app.state.system.generate("products", 3)
    first = (await shop.get("/api/products")).json()["products"]
    mark = first[-1]["updated_at"]
    await shop.put(f"/api/products/{first[0]['id']}", json={"product": {"title": "New"}})
    since = (await shop.get("/api/products", params={"updated_at_min": mark})).json()
    assert [p["id"] for p in since["products"]] == [first[-1]["id"], first[0]["id"]]
    naive = await shop.get("/api/products", params={"updated_at_min": "2020-01-01T00:00:00"})
    assert naive.status_code == 422


async def test_idempotency_key_creates_once(shop: httpx.AsyncClient) -> None:
    headers = {"Idempotency-Key": "k-1"}
    first = await shop.post("/api/products", json={"product": PRODUCT}, headers=headers)
    again = await shop.post("/api/products", json={"product": PRODUCT}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert len((await shop.get("/api/products")).json()["products"]) == 1


async def test_generator_is_deterministic_and_realistic(shop_app: FastAPI) -> None:
    keys = shop_app.state.system.generate("orders", 2)
    assert len(keys) == 2
    stats = shop_app.state.system.stats()["resources"]
    assert stats["products"]["live"] == 10
    assert stats["customers"]["live"] == 5
    other = shop_app.state.system.generator
    assert other.article(1).sku == "SKU-000001"
    assert other.article(1) == type(other)(other.seed).article(1)
    assert other.person(3).email.endswith(".3@example.com")


async def test_inventory_set_updates_level_and_variant(shop: httpx.AsyncClient) -> None:
    await shop.post("/api/products", json={"product": PRODUCT})
    level = await shop.post(
        "/api/inventory_levels/set", json={"sku": "BP-1", "location": "main", "available": 7}
    )
    assert level.json()["inventory_level"]["available"] == 7
    levels = (await shop.get("/api/inventory_levels", params={"sku": "BP-1"})).json()
    assert [lv["available"] for lv in levels["inventory_levels"]] == [7]
    product = (await shop.get("/api/products", params={"sku": "BP-1"})).json()["products"][0]
    assert product["variants"][0]["inventory_quantity"] == 7


async def test_signed_webhook_is_delivered_with_retry(
    shop: httpx.AsyncClient, shop_app: FastAPI, receiver: Receiver
) -> None:
    receiver.fail_first = 1  # the first attempt fails: the shop retries
    hook = {"webhook": {"topic": "products/create", "address": receiver.url}}
    registered = await shop.post("/api/webhooks", json=hook)
    assert registered.status_code == 201
    assert (await shop.get("/api/webhooks")).json()["webhooks"][0]["topic"] == "products/create"
    created = (await shop.post("/api/products", json={"product": PRODUCT})).json()["product"]

    [delivery] = receiver.wait_for(1)
    secret = shop_app.state.system.settings.shop_webhook_secret
    assert verify_shop_signature(secret, delivery.body, delivery.headers["x-shop-hmac-sha256"])
    assert delivery.headers["x-shop-topic"] == "products/create"
    assert delivery.headers["x-shop-webhook-id"]
    assert json.loads(delivery.body) == created
    assert shop_app.state.system.webhooks.stats["retried"] >= 1

    webhook_id = registered.json()["webhook"]["id"]
    assert (await shop.delete(f"/api/webhooks/{webhook_id}")).status_code == 200
