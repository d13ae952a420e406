"""The demo ERP through its HTTP API."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING

import httpx
import pytest
from fastapi import FastAPI

from ipaas.demo.erp import create_erp_app
from ipaas.demo.systems.settings import DemoSettings
from ipaas.demo.systems.signing import verify_standard_webhooks

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from conftest import Receiver

    GetToken = Callable[[httpx.AsyncClient], Awaitable[str]]

pytestmark = pytest.mark.anyio

ITEM = {"Description": "Trail Backpack", "UnitPrice": 49.9, "NetWeight": 0.9, "Ean": "4001"}


async def test_item_crud_and_lookup(erp: httpx.AsyncClient) -> None:
    created = await erp.post("/v1/items", json=ITEM)
    assert created.status_code == 201
    item = created.json()
    assert item["ItemNo"] == "I00001"
    assert item["UnitPrice"] == 49.9
    assert item["LastModified"].endswith("Z")

    patched = await erp.patch("/v1/items/I00001", json={"Blocked": True})
    assert patched.json()["Blocked"] is True
    assert patched.json()["LastModified"] > item["LastModified"]
    by_ean = (await erp.get("/v1/items", params={"ean": "4001"})).json()["value"]
    assert [i["ItemNo"] for i in by_ean] == ["I00001"]

    explicit = await erp.post("/v1/items", json={**ITEM, "ItemNo": "SKU-9"})
    assert explicit.json()["ItemNo"] == "SKU-9"
    again = await erp.post("/v1/items", json={**ITEM, "ItemNo": "SKU-9"})
    assert again.status_code == 409
    bad = await erp.post("/v1/items", json={"Description": "x", "UnitPrice": "lots"})
    assert bad.status_code == 400
    assert bad.json()["error"]["target"] == "UnitPrice"

    assert (await erp.delete("/v1/items/SKU-9")).status_code == 204
    assert (await erp.get("/v1/items/SKU-9")).status_code == 404
    assert (await erp.delete("/v1/items/SKU-9")).status_code == 404
    with_deleted = await erp.get("/v1/items", params={"includeDeleted": "true"})
    removed = [i for i in with_deleted.json()["value"] if "@removed" in i]
    assert [i["ItemNo"] for i in removed] == ["SKU-9"]


async def test_customers_orders_and_stock(erp: httpx.AsyncClient) -> None:
    customer = {"Name": "Ann Example", "EMail": "ann@example.com", "City": "Berlin"}
    made = (await erp.post("/v1/customers", json=customer)).json()
    assert made["CustomerNo"] == "C00001"
    found = (await erp.get("/v1/customers", params={"email": "ANN@example.com"})).json()
    assert [c["CustomerNo"] for c in found["value"]] == ["C00001"]
    await erp.post("/v1/items", json={**ITEM, "ItemNo": "SKU-1"})

    lines = [{"ItemNo": "SKU-1", "Quantity": 2, "UnitPrice": 10}]
    unknown = await erp.post("/v1/salesOrders", json={"CustomerNo": "C09999", "Lines": lines})
    assert unknown.status_code == 400
    assert unknown.json()["error"]["target"] == "CustomerNo"
    order = {"CustomerNo": "C00001", "ExternalDocumentNo": "#1001", "Lines": lines}
    created = (await erp.post("/v1/salesOrders", json=order)).json()
    assert (created["OrderNo"], created["Status"], created["AmountIncludingVAT"]) == (
        "SO00001",
        "Open",
        23.8,
    )
    assert created["Lines"][0]["LineNo"] == 10000
    released = await erp.patch("/v1/salesOrders/SO00001", json={"Status": "Released"})
    assert released.json()["Status"] == "Released"
    by_doc = await erp.get("/v1/salesOrders", params={"externalDocumentNo": "#1001"})
    assert [o["OrderNo"] for o in by_doc.json()["value"]] == ["SO00001"]

    stock = await erp.post("/v1/stock", json={"ItemNo": "SKU-1", "Inventory": 5})
    assert stock.json()["LocationCode"] == "MAIN"
    assert (await erp.patch("/v1/stock/SKU-1", json={"Inventory": 3})).json()["Inventory"] == 3
    assert (await erp.delete("/v1/salesOrders/SO00001")).status_code == 204
    assert (await erp.delete("/v1/customers/C00001")).status_code == 204


async def test_offset_pagination_and_modified_since(
    erp: httpx.AsyncClient, erp_app: FastAPI
) -> None:
    erp_app.state.system.generate("items", 12)
    seen: list[str] = []
    url: str | None = "/v1/items?$top=5"
    for _ in range(10):
        if url is None:
            break
        page = (await erp.get(url)).json()
        seen += [i["ItemNo"] for i in page["value"]]
        url = page.get("@odata.nextLink")
    assert seen == [f"SKU-{n:06d}" for n in range(1, 13)]

    mark = (await erp.get("/v1/items/SKU-000012")).json()["LastModified"]
    await erp.patch("/v1/items/SKU-000003", json={"UnitPrice": 1})
    since = (await erp.get("/v1/items", params={"modifiedSince": mark})).json()["value"]
    assert [i["ItemNo"] for i in since] == ["SKU-000012", "SKU-000003"]


async def test_bad_credentials_and_missing_token_are_401(erp_app: FastAPI) -> None:
    transport = httpx.ASGITransport(app=erp_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://erp") as client:
        form = {"grant_type": "client_credentials", "client_id": "x", "client_secret": "y"}
        denied = await client.post("/oauth/token", data=form)
        assert (denied.status_code, denied.json()) == (401, {"error": "invalid_client"})
        assert (await client.get("/v1/items")).status_code == 401
        wrong = await client.get("/v1/items", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        assert wrong.headers["WWW-Authenticate"].startswith("Bearer")


async def test_token_expires_and_a_new_one_works(get_erp_token: GetToken) -> None:
    app = create_erp_app(None, DemoSettings(erp_token_ttl_s=0.2))
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://erp") as client:
            token = await get_erp_token(client)
            auth = {"Authorization": f"Bearer {token}"}
            assert (await client.get("/v1/items", headers=auth)).status_code == 200
            time.sleep(0.25)
            expired = await client.get("/v1/items", headers=auth)
            assert expired.status_code == 401
            assert expired.json()["error"]["message"] == "token expired"
            fresh = {"Authorization": f"Bearer {await get_erp_token(client)}"}
            assert (await client.get("/v1/items", headers=fresh)).status_code == 200
    finally:
        app.state.system.close()


async def test_idempotency_key_creates_once(erp: httpx.AsyncClient) -> None:
    headers = {"Idempotency-Key": "create-customer-7"}
    body = {"Name": "Ann", "EMail": "ann@example.com"}
    first = await erp.post("/v1/customers", json=body, headers=headers)
    again = await erp.post("/v1/customers", json=body, headers=headers)
    assert again.json() == first.json()
    assert len((await erp.get("/v1/customers")).json()["value"]) == 1


async def test_subscription_notifications_are_batched_and_signed(
    erp: httpx.AsyncClient, erp_app: FastAPI, receiver: Receiver
) -> None:
    sub = await erp.post(
        "/v1/subscriptions", json={"notificationUrl": receiver.url, "resource": "items"}
    )
    assert sub.status_code == 201
    secret = sub.json()["secret"]
    assert secret.startswith("whsec_")
    assert "secret" not in (await erp.get("/v1/subscriptions")).json()["value"][0]

    erp_app.state.system.generate("items", 3)
    assert erp_app.state.system.webhooks.wait_idle()
    deliveries = receiver.wait_for(1)
    changes = []
    for delivery in deliveries:
        headers = delivery.headers
        assert verify_standard_webhooks(
            secret,
            headers["webhook-id"],
            int(headers["webhook-timestamp"]),
            delivery.body,
            headers["webhook-signature"],
        )
        changes += json.loads(delivery.body)["value"]
    assert changes == [
        {"resource": "items", "changeType": "created", "key": f"SKU-{n:06d}"} for n in (1, 2, 3)
    ]
    assert len(deliveries) < 3  # at least two changes shared a notification

    assert (await erp.delete(f"/v1/subscriptions/{sub.json()['id']}")).status_code == 204


async def test_generator_builds_orders_with_prerequisites(erp_app: FastAPI) -> None:
    erp = erp_app.state.system
    erp.generate("orders", 2)
    erp.generate("price_changes", 2)
    erp.generate("stock", 2)
    resources = erp.stats()["resources"]
    assert resources["salesOrders"]["live"] == 2
    assert resources["items"]["live"] == 10
    assert resources["customers"]["live"] == 5
    assert resources["stock"]["live"] >= 1
