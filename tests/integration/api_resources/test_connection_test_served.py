"""The connection test while the hub serves with its connector provider (as ``ipaas serve``)."""

from __future__ import annotations

from pathlib import Path

from resources_support import World, publish_demo, subscribe

from ipaas.connectors.recorder import ListRecorder
from ipaas.demo.shop import create_shop_app
from ipaas.demo.systems.settings import DemoSettings
from ipaas.transfer.registry_provider import RegistryConnectorProvider
from loopback_support import serve_in_thread


def test_connection_test_with_the_connector_provider_on_sqlite(
    sqlite_world: World, tmp_path: Path
) -> None:
    # The provider reads through a unit of work of its own; the test must not use it, or
    # it waits for the request's own SQLite write lock ("database is locked", then 500).
    hub = sqlite_world.hub
    provider_calls = ListRecorder()
    provider = RegistryConnectorProvider(hub, recorder=provider_calls)
    hub.connectors = provider
    integration = publish_demo(sqlite_world)
    sub = subscribe(sqlite_world, "shop", integration["id"], "store")
    client = sqlite_world.client("shop")
    url = f"/api/v1/subscriptions/{sub['id']}"
    shop_app = create_shop_app(str(tmp_path / "shop.db"), DemoSettings())
    try:
        with serve_in_thread(shop_app) as base:
            values = {"shop_url": base, "api_token": "shop-demo-token", "webhook_secret": "s"}
            assert client.patch(f"{url}/settings", json={"values": values}).status_code == 200
            tested = client.post(f"{url}/test")
            assert tested.status_code == 200, tested.text
            assert tested.json() == {"ok": True, "code": None, "message": None}
    finally:
        shop_app.state.system.close()
        hub.connectors = None
        sqlite_world.portal.call(provider.close)
    calls = client.get("/api/v1/api-calls", params={"subscription_id": sub["id"]}).json()
    assert [c["status"] for c in calls["items"]] == [200]
    assert provider_calls.rows == []
