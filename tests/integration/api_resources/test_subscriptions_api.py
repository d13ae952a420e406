"""Subscriptions through HTTP: subscribe, settings with masked secrets, flows, triggers,
throttle, pause, state, connection test, tenants kept apart."""

from __future__ import annotations

from pathlib import Path

from resources_support import World, error_of, publish_demo, subscribe

from ipaas.demo.shop import create_shop_app
from ipaas.demo.systems.settings import DemoSettings
from loopback_support import serve_in_thread


def test_subscribe_with_default_mappings_and_names(sqlite_world: World) -> None:
    shop_integration = publish_demo(sqlite_world, "shop")
    client = sqlite_world.client("shop")
    first = subscribe(sqlite_world, "shop", shop_integration["id"], "north store")
    assert first["mappings_copied"] == len(shop_integration["templates"]) > 0
    mappings = client.get(f"/api/v1/subscriptions/{first['id']}/mappings").json()
    assert len(mappings["collections"]) == first["mappings_copied"]
    # Two stores of the same system: two names.
    second = subscribe(sqlite_world, "shop", shop_integration["id"], "south store")
    assert second["id"] != first["id"]
    same = client.post(
        "/api/v1/subscriptions",
        json={"integration_id": shop_integration["id"], "name": "north store"},
    )
    assert same.status_code == 409
    assert error_of(same)["field"] == "name"
    bare = client.post(
        "/api/v1/subscriptions",
        json={
            "integration_id": shop_integration["id"],
            "name": "bare",
            "default_mappings": False,
        },
    )
    assert bare.json()["mappings_copied"] == 0
    listed = client.get("/api/v1/subscriptions").json()["items"]
    assert [s["name"] for s in listed] == ["north store", "south store", "bare"]


def test_unpublished_integrations_cannot_be_subscribed(sqlite_world: World) -> None:
    builder = sqlite_world.client("builder")
    from resources_support import demo_definition

    draft = builder.post("/api/v1/integrations", json=demo_definition("shop")).json()
    answer = sqlite_world.client("shop").post(
        "/api/v1/subscriptions", json={"integration_id": draft["id"], "name": "x"}
    )
    assert answer.status_code == 404
    assert error_of(answer)["field"] == "integration_id"
    missing = sqlite_world.client("shop").post("/api/v1/subscriptions", json={"name": "x"})
    assert error_of(missing)["code"] == "VALD_MISSING"
    assert error_of(missing)["field"] == "integration_id"


def test_settings_keep_secrets_encrypted_and_masked(sqlite_world: World) -> None:
    integration = publish_demo(sqlite_world)
    sub = subscribe(sqlite_world, "shop", integration["id"], "store")
    client = sqlite_world.client("shop")
    url = f"/api/v1/subscriptions/{sub['id']}/settings"
    token = "tok-very-secret-1234"
    answer = client.patch(
        url,
        json={
            "values": {
                "shop_url": "http://127.0.0.1:9",
                "api_token": token,
                "webhook_secret": "whsec-abc",
            }
        },
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert token not in answer.text
    assert body["values"]["shop_url"] == "http://127.0.0.1:9"
    assert body["secrets"]["api_token"] == {"set": True, "value": "••••"}
    # The mask keeps the secret; the row holds ciphertext only.
    client.patch(url, json={"values": {"api_token": "••••", "location": "back"}})
    with sqlite_world.hub.engine.connect() as conn:
        import sqlalchemy as sa

        stored = conn.execute(sa.text("SELECT secrets FROM subscriptions")).scalar_one()
    assert token not in stored
    from ipaas.security.secret_box import secret_box_for

    assert secret_box_for(sqlite_world.hub).decrypt(stored)["api_token"] == token
    unknown = client.patch(url, json={"values": {"colour": "red"}})
    assert unknown.status_code == 422
    assert error_of(unknown)["field"] == "colour"
    wrong_type = client.patch(url, json={"values": {"location": 5}})
    assert error_of(wrong_type)["field"] == "location"
    # Another tenant sees nothing.
    rival = sqlite_world.client("rival")
    assert rival.get(url).status_code == 404
    assert rival.patch(url, json={"values": {"location": "x"}}).status_code == 404
    assert rival.get(f"/api/v1/subscriptions/{sub['id']}").status_code == 404


def test_flows_triggers_throttle_pause_and_state(sqlite_world: World) -> None:
    integration = publish_demo(sqlite_world)
    sub = subscribe(sqlite_world, "shop", integration["id"], "store")
    client = sqlite_world.client("shop")
    url = f"/api/v1/subscriptions/{sub['id']}"
    flows = client.put(
        f"{url}/flows", json={"flows": {"product": {"to_hub": True, "from_hub": True}}}
    )
    assert flows.status_code == 200, flows.text
    assert flows.json()["flows"] == {"product": {"to_hub": True, "from_hub": True}}
    wrong = client.put(f"{url}/flows", json={"flows": {"customer": {"from_hub": True}}})
    assert wrong.status_code == 422
    assert error_of(wrong)["field"] == "flows.customer.from_hub"
    polling = client.put(
        f"{url}/triggers/product", json={"mode": "polling", "interval_seconds": 300}
    )
    assert polling.status_code == 200, polling.text
    assert polling.json()["polling"]["product"]["interval_seconds"] == 300
    webhook = client.put(f"{url}/triggers/product", json={"mode": "webhook"}).json()
    assert webhook["webhooks"] == {"product": {"enabled": True}}
    assert webhook["polling"] == {}
    no_schedule = client.put(f"{url}/triggers/customer", json={"mode": "polling"})
    assert no_schedule.status_code == 422
    assert error_of(no_schedule)["field"] == "schedule"
    throttle = client.patch(url, json={"throttle_rate": 5, "throttle_period": "minute"})
    assert throttle.json()["throttle_rate"] == 5
    bad = client.patch(url, json={"throttle_rate": -1})
    assert error_of(bad)["field"] == "throttle_rate"
    assert client.post(f"{url}/pause").json()["paused"] is True
    assert client.post(f"{url}/resume").json()["paused"] is False
    state = client.patch(f"{url}/state", json={"values": {"cursor": "abc", "page": 3}})
    assert state.json() == {"cursor": "abc", "page": 3}
    assert client.patch(f"{url}/state", json={"values": {"page": None}}).json() == {"cursor": "abc"}
    assert sqlite_world.client("rival").post(f"{url}/pause").status_code == 404


def test_a_misp_manages_its_subscribers_subscriptions(sqlite_world: World) -> None:
    integration = publish_demo(sqlite_world)
    misp_in_managed = sqlite_world.client("misp", "managed")
    made = misp_in_managed.post(
        "/api/v1/subscriptions", json={"integration_id": integration["id"], "name": "managed"}
    )
    assert made.status_code == 201, made.text
    assert made.json()["company_id"] == sqlite_world.companies["managed"]
    # The MiSP in its own company sees its subscribers' subscriptions too.
    own = sqlite_world.client("misp").get("/api/v1/subscriptions").json()["items"]
    assert [s["id"] for s in own] == [made.json()["id"]]
    assert (
        sqlite_world.client("shop").get(f"/api/v1/subscriptions/{made.json()['id']}").status_code
        == 404
    )


def test_connection_test_against_the_demo_shop(sqlite_world: World, tmp_path: Path) -> None:
    integration = publish_demo(sqlite_world)
    sub = subscribe(sqlite_world, "shop", integration["id"], "store")
    client = sqlite_world.client("shop")
    url = f"/api/v1/subscriptions/{sub['id']}"
    missing = client.post(f"{url}/test").json()
    assert missing["ok"] is False
    assert missing["code"].startswith("VALD")
    shop_app = create_shop_app(str(tmp_path / "shop.db"), DemoSettings())
    try:
        with serve_in_thread(shop_app) as base:
            values = {"shop_url": base, "api_token": "wrong", "webhook_secret": "s"}
            client.patch(f"{url}/settings", json={"values": values})
            refused = client.post(f"{url}/test").json()
            assert refused["ok"] is False
            client.patch(f"{url}/settings", json={"values": {"api_token": "shop-demo-token"}})
            assert client.post(f"{url}/test").json() == {"ok": True, "code": None, "message": None}
    finally:
        shop_app.state.system.close()
    calls = client.get("/api/v1/api-calls", params={"subscription_id": sub["id"]}).json()
    assert [c["status"] for c in calls["items"]] == [200, 401]
    assert "shop-demo-token" not in str(calls)


def test_enabling_webhooks_in_the_demo_shop(sqlite_world: World, tmp_path: Path) -> None:
    integration = publish_demo(sqlite_world)
    sub = subscribe(sqlite_world, "shop", integration["id"], "store")
    client = sqlite_world.client("shop")
    url = f"/api/v1/subscriptions/{sub['id']}/webhooks"
    bad = client.post(f"{url}/enable", json={"scopes": ["spaceship/created"]})
    assert bad.status_code == 422
    assert error_of(bad)["field"] == "scopes.0"
    shop_app = create_shop_app(str(tmp_path / "shop.db"), DemoSettings())
    try:
        with serve_in_thread(shop_app) as base:
            values = {"shop_url": base, "api_token": "shop-demo-token", "webhook_secret": "s"}
            client.patch(f"/api/v1/subscriptions/{sub['id']}/settings", json={"values": values})
            enabled = client.post(f"{url}/enable", json={"scopes": ["product/created"]})
            assert enabled.status_code == 200, enabled.text
            assert [(r["scope"], r["state"]) for r in enabled.json()] == [
                ("product/created", "enabled")
            ]
    finally:
        shop_app.state.system.close()
    status = client.get(url).json()
    assert status["callback_url"].startswith("http://127.0.0.1:8000/hooks/")
    assert [r["state"] for r in status["registrations"]] == ["enabled"]
    assert sqlite_world.client("rival").get(url).status_code == 404


def test_presets_fill_a_subscription(sqlite_world: World) -> None:
    integration = publish_demo(sqlite_world)
    sub = subscribe(sqlite_world, "shop", integration["id"], "store")
    client = sqlite_world.client("shop")
    preset = client.post(
        "/api/v1/presets",
        json={
            "name": "shop credentials",
            "kind": "credentials",
            "integration_id": integration["id"],
            "values": {
                "shop_url": "http://127.0.0.1:9",
                "api_token": "tok",
                "webhook_secret": "w",
            },
        },
    )
    assert preset.status_code == 201, preset.text
    url = f"/api/v1/subscriptions/{sub['id']}/presets"
    assert client.post(url, json={"preset_id": preset.json()["id"]}).status_code == 204
    rival = sqlite_world.client("rival")
    assert rival.post(url, json={"preset_id": preset.json()["id"]}).status_code == 404
    missing = client.post(url, json={"preset_id": 999})
    assert missing.status_code == 404
