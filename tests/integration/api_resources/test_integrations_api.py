"""Integrations through HTTP: create, describe, versions, publish, marketplace, upgrade."""

from __future__ import annotations

from resources_support import (
    PRODUCT_TEMPLATE,
    World,
    demo_definition,
    error_of,
    publish_demo,
    subscribe,
)


def test_create_describe_and_publish_an_integration(sqlite_world: World) -> None:
    builder = sqlite_world.client("builder")
    template = {**PRODUCT_TEMPLATE, "field_mappings": PRODUCT_TEMPLATE["field_mappings"][:2]}
    definition = {**demo_definition("shop"), "mappings": [template]}
    created = builder.post("/api/v1/integrations", json=definition)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["connector"] == "rest"
    assert body["published"] is False
    assert {d["data_type"] for d in body["data_types"]} >= {"product", "customer"}
    assert [t["name"] for t in body["templates"]] == ["shop products"]
    assert body["versions"] == ["1.0.0"]
    # Not in the marketplace until published.
    shop = sqlite_world.client("shop")
    assert shop.get("/api/v1/marketplace").json()["items"] == []
    assert shop.get(f"/api/v1/marketplace/{body['id']}").status_code == 404
    assert builder.post(f"/api/v1/integrations/{body['id']}/publish", json={}).status_code == 200
    listed = shop.get("/api/v1/marketplace").json()["items"]
    assert [i["key"] for i in listed] == ["demo-shop"]
    # A subscriber may not manage integrations.
    denied = shop.post("/api/v1/integrations", json=definition)
    assert denied.status_code == 403
    assert error_of(denied)["code"] == "AUTZ_FEATURE"


def test_bad_definitions_name_the_field(sqlite_world: World) -> None:
    builder = sqlite_world.client("builder")
    bad_version = builder.post(
        "/api/v1/integrations", json={**demo_definition("shop"), "version": "1.0"}
    )
    assert bad_version.status_code == 422
    assert error_of(bad_version)["field"] == "version"
    unknown_type = demo_definition("shop")
    unknown_type["data_types"] = [{"data_type": "spaceship", "directions": ["to_hub"]}]
    answer = builder.post("/api/v1/integrations", json=unknown_type)
    assert answer.status_code == 422
    assert error_of(answer)["field"] == "data_types.0.data_type"
    extra = builder.post("/api/v1/integrations", json={**demo_definition("shop"), "owner": 1})
    assert error_of(extra) == {
        "code": "VALD_UNKNOWN_FIELD",
        "message": "owner may not be set here",
        "field": "owner",
    }
    bad_template = {**demo_definition("shop"), "mappings": [{"data_type": "product"}]}
    answer = builder.post("/api/v1/integrations", json=bad_template)
    assert answer.status_code == 422
    assert error_of(answer)["field"].startswith("mappings.0.")


def test_versions_are_semantic_and_increasing(sqlite_world: World) -> None:
    first = publish_demo(sqlite_world)
    builder = sqlite_world.client("builder")
    url = f"/api/v1/integrations/{first['id']}"
    # Published versions are frozen.
    frozen = builder.patch(url, json={"description": "changed"})
    assert frozen.status_code == 409
    assert error_of(frozen)["field"] == "version"
    lower = builder.post(f"{url}/versions", json={"version": "0.9.0"})
    assert lower.status_code == 422
    assert error_of(lower)["field"] == "version"
    not_semver = builder.post(f"{url}/versions", json={"version": "two"})
    assert error_of(not_semver)["field"] == "version"
    settings = [*demo_definition("shop")["settings"], {"name": "region", "type": "string"}]
    second = builder.post(
        f"{url}/versions",
        json={
            "version": "1.1.0",
            "settings": settings,
            "data_types": [{"data_type": "product", "directions": ["to_hub", "from_hub"]}],
        },
    )
    assert second.status_code == 201, second.text
    assert second.json()["versions"] == ["1.0.0", "1.1.0"]
    # The other integrator cannot see or extend it, nor take its key.
    other = sqlite_world.client("other_builder")
    assert other.get(url).status_code == 404
    assert other.post(f"{url}/versions", json={"version": "9.0.0"}).status_code == 404
    taken = other.post("/api/v1/integrations", json={**demo_definition("shop"), "version": "5.0.0"})
    assert taken.status_code == 409
    assert error_of(taken)["field"] == "key"


def test_a_subscription_upgrades_with_a_report(sqlite_world: World) -> None:
    legacy = [*demo_definition("shop")["settings"], {"name": "legacy", "type": "string"}]
    template = PRODUCT_TEMPLATE | {"field_mappings": []}
    first = publish_demo(sqlite_world, settings=legacy, mappings=[template])
    sub = subscribe(sqlite_world, "shop", first["id"], "main store")
    builder = sqlite_world.client("builder")
    settings = [*demo_definition("shop")["settings"]]
    settings.append({"name": "region", "type": "string", "required": True})
    second = builder.post(
        f"/api/v1/integrations/{first['id']}/versions",
        json={
            "version": "2.0.0",
            "settings": settings,
            "data_types": [
                {"data_type": "product", "directions": ["to_hub"]},
                {"data_type": "product_inventory", "directions": ["from_hub"]},
            ],
        },
    ).json()
    shop = sqlite_world.client("shop")
    upgrade_url = f"/api/v1/subscriptions/{sub['id']}/upgrade"
    unpublished = shop.post(upgrade_url, json={"version": "2.0.0"})
    assert unpublished.status_code == 404
    builder.post(f"/api/v1/integrations/{second['id']}/publish", json={})
    report = shop.post(upgrade_url, json={"version": "2.0.0"}).json()
    assert report["applied"] is False
    assert report["settings_added"] == ["region"]
    assert report["settings_removed"] == ["legacy"]
    assert report["required_settings_missing"] == ["region"]
    assert report["data_types_removed"] == ["customer", "transaction"]
    assert report["data_types_changed"] == ["product"]
    refused = shop.post(upgrade_url, json={"version": "2.0.0", "apply": True})
    assert refused.status_code == 422
    assert error_of(refused)["field"] == "region"
    assert shop.get(f"/api/v1/subscriptions/{sub['id']}").json()["integration_id"] == first["id"]
