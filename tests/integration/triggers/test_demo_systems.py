"""End to end with the demo systems: enabling webhooks registers the hub there, a change
arrives as a signed webhook and becomes a queue item, disabling stops it."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
import uvicorn
from triggers_support import FLOWS

from ipaas.api.app import create_app
from ipaas.bootstrap import Hub, bootstrap
from ipaas.connectors.base import Connector, ExternalRecord, WriteResult
from ipaas.demo.erp import create_erp_app
from ipaas.demo.shop import create_shop_app
from ipaas.demo.systems.settings import DemoSettings
from ipaas.settings import Settings
from ipaas.store.tables import queue_items
from ipaas.store.triggers import TriggerRepository
from ipaas.triggers.registration import disable_webhooks, enable_webhooks
from loopback_support import free_port

pytestmark = pytest.mark.anyio

SHOP_WEBHOOK = {
    "scope": {"header": "x-shop-topic"},
    "external_id": {"json": "id"},
    "event_id": {"header": "x-shop-webhook-id"},
    "topics": {
        "products/create": "product/created",
        "products/update": "product/updated",
        "products/delete": "product/deleted",
    },
    "complete_record": True,
    "signature": {
        "scheme": "hmac_sha256_base64",
        "header": "x-shop-hmac-sha256",
        "secret_from": "setting",
        "secret_setting": "webhook_secret",
    },
}
ERP_WEBHOOK = {
    "events": "value",
    "data_type": {"json": "resource"},
    "action": {"json": "changeType"},
    "external_id": {"json": "key"},
    "event_id": {"header": "webhook-id"},
    "data_types": {"items": "product"},
    "signature": {"scheme": "standard_webhooks"},
}
SHOP_TOPICS = {
    "product/created": "products/create",
    "product/updated": "products/update",
    "product/deleted": "products/delete",
}


class _NoRecords(Connector):
    async def read(self, data_type: str, external_id: str) -> ExternalRecord:
        raise NotImplementedError

    async def create(
        self, data_type: str, record: dict[str, Any], *, idempotency_key: str | None = None
    ) -> WriteResult:
        raise NotImplementedError

    async def update(self, data_type: str, external_id: str, record: dict[str, Any]) -> WriteResult:
        raise NotImplementedError

    async def delete(self, data_type: str, external_id: str) -> None:
        raise NotImplementedError


class ShopWebhooks(_NoRecords):
    """Registers webhooks in the demo shop, one per scope's topic."""

    name = "demo-shop-webhooks"

    async def enable_webhooks(self, callback_url: str, scopes: list[str]) -> dict[str, Any]:
        ids = []
        for scope in scopes:
            answer = await self.http.post(
                "/api/webhooks",
                json={"webhook": {"topic": SHOP_TOPICS[scope], "address": callback_url}},
            )
            answer.raise_for_status()
            ids.append(answer.json()["webhook"]["id"])
        return {"ids": ids}

    async def disable_webhooks(self, registration: dict[str, Any]) -> None:
        for webhook_id in registration["ids"]:
            (await self.http.delete(f"/api/webhooks/{webhook_id}")).raise_for_status()


class ErpWebhooks(_NoRecords):
    """Subscribes to the demo ERP's notifications per resource."""

    name = "demo-erp-webhooks"

    async def enable_webhooks(self, callback_url: str, scopes: list[str]) -> dict[str, Any]:
        answer = await self.http.post(
            "/v1/subscriptions", json={"notificationUrl": callback_url, "resource": "items"}
        )
        answer.raise_for_status()
        return dict(answer.json())

    async def disable_webhooks(self, registration: dict[str, Any]) -> None:
        (await self.http.delete(f"/v1/subscriptions/{registration['id']}")).raise_for_status()


class Provider:
    def __init__(self, connectors: dict[int, Connector]) -> None:
        self.connectors = connectors

    def get(self, subscription_id: int) -> Connector:
        return self.connectors[subscription_id]


@pytest.fixture
def served_hub(hub: Hub, tmp_path: Path) -> Iterator[Hub]:
    """The hub's API served by uvicorn on 127.0.0.1, its public URL pointing there."""
    port = free_port()
    served = bootstrap(
        Settings(
            database_url=hub.settings.resolved_database_url,
            data_dir=tmp_path,
            secret_key="test-secret-key",
            public_url=f"http://127.0.0.1:{port}",
        )
    )
    config = uvicorn.Config(
        create_app(served),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="off",
        ws="none",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started
    yield served
    server.should_exit = True
    thread.join(timeout=10)
    served.close()


def _subscription(hub: Hub, key: str, webhook: dict[str, Any], settings: dict[str, Any]) -> int:
    with hub.unit_of_work() as uow:
        integrator = uow.tenants.create_company("Builder", "integrator")
        company = uow.tenants.create_company(f"{key} customer", "subscriber")
        integration = uow.tenants.create_integration(
            integrator, key, key, "rest", definition={"webhook": webhook}
        )
        subscription = uow.tenants.create_subscription(company, integration, key, settings=settings)
        TriggerRepository(uow.conn).set_flows(subscription, FLOWS)
        uow.commit()
    return subscription


async def _wait_for_items(hub: Hub, subscription_id: int, count: int) -> list[Any]:
    deadline = time.monotonic() + 15
    while True:
        with hub.unit_of_work() as uow:
            rows = uow.conn.execute(
                sa.select(
                    queue_items.c.data_type,
                    queue_items.c.record_key,
                    queue_items.c.method,
                    queue_items.c.payload,
                )
                .where(queue_items.c.subscription_id == subscription_id)
                .order_by(queue_items.c.id)
            ).all()
        if len(rows) >= count or time.monotonic() > deadline:
            return list(rows)
        await asyncio.sleep(0.05)


async def test_shop_webhooks_enable_deliver_and_disable(served_hub: Hub) -> None:
    demo = DemoSettings(webhook_backoff_s=0.01)
    shop_app = create_shop_app(settings=demo)
    subscription = _subscription(
        served_hub, "shop", SHOP_WEBHOOK, {"webhook_secret": demo.shop_webhook_secret}
    )
    transport = httpx.ASGITransport(app=shop_app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://shop", headers={"X-Shop-Token": demo.shop_api_token}
    ) as shop:
        provider = Provider({subscription: ShopWebhooks({}, shop)})
        try:
            states = await enable_webhooks(
                served_hub, subscription, ["product/created", "product/updated"], provider=provider
            )
            assert [(s.scope, s.state) for s in states] == [
                ("product/created", "enabled"),
                ("product/updated", "enabled"),
            ]
            assert len((await shop.get("/api/webhooks")).json()["webhooks"]) == 2

            created = await shop.post("/api/products", json={"product": {"title": "Mug"}})
            product_id = str(created.json()["product"]["id"])
            rows = await _wait_for_items(served_hub, subscription, 1)
            assert [(r.data_type, r.record_key, r.method) for r in rows] == [
                ("product", product_id, "create")
            ]
            assert rows[0].payload["title"] == "Mug"

            await disable_webhooks(served_hub, subscription, provider=provider)
            assert (await shop.get("/api/webhooks")).json()["webhooks"] == []
            await shop.put(f"/api/products/{product_id}", json={"product": {"title": "Cup"}})
            await asyncio.sleep(0.5)
            assert len(await _wait_for_items(served_hub, subscription, 0)) == 1
        finally:
            shop_app.state.system.close()


async def test_erp_notifications_are_verified_with_the_registration_secret(
    served_hub: Hub,
) -> None:
    demo = DemoSettings(webhook_backoff_s=0.01, webhook_batch_window_s=0.01)
    erp_app = create_erp_app(settings=demo)
    subscription = _subscription(served_hub, "erp", ERP_WEBHOOK, {})
    transport = httpx.ASGITransport(app=erp_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://erp") as erp:
        token = await erp.post(
            "/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": demo.erp_client_id,
                "client_secret": demo.erp_client_secret,
            },
        )
        erp.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
        provider = Provider({subscription: ErpWebhooks({}, erp)})
        try:
            (state,) = await enable_webhooks(
                served_hub, subscription, ["product/all"], provider=provider
            )
            assert state.state == "enabled"
            assert "secret" not in state.registration
            assert state.secret is not None
            assert "whsec_" not in state.secret

            item = await erp.post("/v1/items", json={"Description": "Bolt"})
            key = item.json()["ItemNo"]
            rows = await _wait_for_items(served_hub, subscription, 1)
            assert [(r.data_type, r.record_key, r.method, r.payload) for r in rows] == [
                ("product", key, "create", None)
            ]

            await disable_webhooks(served_hub, subscription, provider=provider)
            assert (await erp.get("/v1/subscriptions")).json()["value"] == []
        finally:
            erp_app.state.system.close()
