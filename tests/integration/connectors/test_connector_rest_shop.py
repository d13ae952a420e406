"""The rest connector against the demo storefront on 127.0.0.1, every call in the log."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from connector_support import Logged, WebhookReceiver, assert_no_secrets

from ipaas.connectors import (
    CallContext,
    WebhookRequest,
    build_connector,
    call_context,
    load_integration_definition,
)
from ipaas.connectors.rest import RestConnector
from ipaas.connectors.testing import check_connector, poll_all
from ipaas.demo.shop import create_shop_app
from ipaas.demo.systems.settings import DemoSettings
from ipaas.domain import Method
from ipaas.errors import AuthenticationError, NotFoundError
from loopback_support import serve_in_thread

pytestmark = pytest.mark.anyio
SHOP_YAML = Path(__file__).parents[3] / "src/ipaas/demo/integrations/shop.yaml"


def _titles(body: Mapping[str, Any], expected: Mapping[str, Any], step: str) -> None:
    assert body["title"] == expected["title"], step


async def test_shop_crud_poll_webhooks_all_logged(
    logged: Logged, receiver: WebhookReceiver, tmp_path: Path
) -> None:
    token, hook_secret = secrets.token_hex(12), secrets.token_hex(12)
    demo = DemoSettings(
        shop_api_token=token, shop_webhook_secret=hook_secret, webhook_backoff_s=0.01
    )
    app = create_shop_app(str(tmp_path / "shop.db"), demo)
    definition = load_integration_definition(SHOP_YAML)
    # Small pages, so polling walks several Link-header pages.
    definition.config["data_types"]["product"]["pagination"]["page_size"] = 2
    try:
        with serve_in_thread(app) as shop_url:
            settings = {"shop_url": shop_url, "api_token": token, "webhook_secret": hook_secret}
            connector = build_connector(
                definition,
                settings,
                recorder=logged.recorder,
                subscription_id=logged.subscription_id,
            )
            assert isinstance(connector, RestConnector)
            marker = call_context.set(CallContext(tracking_id="t-shop", data_type="product"))
            try:
                records = [
                    {"title": f"Shirt {i}", "variants": [{"sku": f"S-{i}", "price": "10.00"}]}
                    for i in range(5)
                ]
                report = await check_connector(
                    connector, "product", records, change={"title": "Renamed"}, compare=_titles
                )
                assert len(report.polled) == 5
                found = await connector.find("product", {"sku": "S-1"})
                assert found is None  # deleted by the suite
                created = await connector.create("product", records[0])
                found = await connector.find("product", {"sku": "S-0"})
                assert found is not None
                assert found.external_id == created.external_id
                with pytest.raises(NotFoundError):
                    await connector.read("product", "999999")

                registration = await connector.enable_webhooks(receiver.url, ["product/all"])
                assert len(registration["registrations"]) == 3
                await connector.update("product", created.external_id, {"title": "Hooked"})
                deliveries = receiver.wait_for(1)
                update = next(
                    d for d in deliveries if d.headers["x-shop-topic"] == "products/update"
                )
                request = WebhookRequest("POST", "/hook", update.headers, {}, update.body)
                connector.verify_webhook(request)
                events = connector.parse_webhook(request)
                assert [(e.data_type, e.external_id, e.method) for e in events] == [
                    ("product", created.external_id, Method.UPDATE)
                ]
                assert events[0].payload is not None
                assert events[0].payload["title"] == "Hooked"
                assert events[0].event_id == update.headers["x-shop-webhook-id"]
                forged = WebhookRequest("POST", "/hook", update.headers, {}, update.body + b" ")
                with pytest.raises(AuthenticationError):
                    connector.verify_webhook(forged)
                await connector.disable_webhooks(registration)
                polled, _ = await poll_all(connector, "product", None)
                assert [r.external_id for r in polled] == [created.external_id]
            finally:
                call_context.reset(marker)
                await connector.close()
    finally:
        app.state.system.close()

    calls = logged.calls()
    methods = {c.method for c in calls}
    assert {"GET", "POST", "PUT", "DELETE"} <= methods
    assert all(c.subscription_id == logged.subscription_id for c in calls)
    assert all(c.tracking_id == "t-shop" and c.data_type == "product" for c in calls)
    assert all(c.status is not None and c.duration_ms >= 0 for c in calls)
    assert any(c.status == 404 and c.error for c in calls)
    assert any(c.status == 201 and c.url.endswith("/api/webhooks") for c in calls)
    # Polling walked Link-header pages (the cursor is in page_info).
    assert any("page_info=" in c.url for c in calls)
    posts = [c for c in calls if c.method == "POST" and c.url.endswith("/api/products")]
    assert posts
    assert all(c.request_excerpt and "Shirt" in c.request_excerpt for c in posts)
    assert_no_secrets(calls, [token, hook_secret])
