"""Mappings through HTTP: collections and lookup tables CRUD, clone, reverse clone,
preview, YAML export and import, for subscriptions and integration templates."""

from __future__ import annotations

from resources_support import (
    PRODUCT_TEMPLATE,
    STATUS_TABLE,
    World,
    error_of,
    publish_demo,
    subscribe,
)


def test_collections_lookups_preview_clone_and_yaml(sqlite_world: World) -> None:
    integration = publish_demo(sqlite_world, mappings=[])
    sub = subscribe(sqlite_world, "shop", integration["id"], "store")
    client = sqlite_world.client("shop")
    base = f"/api/v1/subscriptions/{sub['id']}"
    # A lookup a collection names must exist first.
    early = client.post(f"{base}/mappings", json=PRODUCT_TEMPLATE)
    assert early.status_code == 422
    assert "status" in error_of(early)["message"]
    table = client.post(f"{base}/lookup-tables", json=STATUS_TABLE)
    assert table.status_code == 201, table.text
    created = client.post(f"{base}/mappings", json=PRODUCT_TEMPLATE)
    assert created.status_code == 201, created.text
    cid = created.json()["id"]
    preview = client.post(
        f"{base}/mappings/{cid}/preview",
        json={"sample": {"sku": "A-1", "title": "Mug", "status": "hidden"}},
    ).json()
    assert preview["ok"] is True
    assert preview["output"] == {"sku": "A-1", "name": "Mug", "status": "draft"}
    failing = client.post(f"{base}/mappings/{cid}/preview", json={"sample": {"title": "x"}})
    assert failing.status_code == 200
    assert failing.json()["ok"] is False
    # Replace with a formula; a broken formula names the field.
    broken = {
        **PRODUCT_TEMPLATE,
        "field_mappings": [{"target": "name", "type": "formula", "expression": "$uppercase("}],
    }
    answer = client.put(f"{base}/mappings/{cid}", json=broken)
    assert answer.status_code == 422
    assert error_of(answer)["field"] is not None
    bad_type = {**PRODUCT_TEMPLATE, "direction": "sideways"}
    answer = client.post(f"{base}/mappings", json=bad_type)
    assert error_of(answer)["field"] == "direction"
    clone = client.post(f"{base}/mappings/{cid}/clone", json={"name": "copy"}).json()
    assert clone["collection"]["name"] == "copy"
    reverse = client.post(f"{base}/mappings/{cid}/reverse-clone", json={}).json()
    assert reverse["collection"]["direction"] == "from_hub"
    assert {m["target"] for m in reverse["collection"]["field_mappings"]} == {"sku", "title"}
    # YAML round trip into a second subscription.
    text = client.get(f"{base}/mappings/export")
    assert text.headers["content-type"].startswith("application/yaml")
    other = subscribe(sqlite_world, "shop", integration["id"], "other store")
    imported = client.post(
        f"/api/v1/subscriptions/{other['id']}/mappings/import", json={"yaml": text.text}
    )
    assert imported.json() == {"collections": 3, "lookup_tables": 1}
    again = client.get(f"/api/v1/subscriptions/{other['id']}/mappings").json()
    assert [c["collection"]["name"] for c in again["collections"]] == [
        "shop products",
        "copy",
        "shop products (reversed)",
    ]
    bad_yaml = client.post(
        f"/api/v1/subscriptions/{other['id']}/mappings/import",
        json={"yaml": "collections:\n  - data_type: product\n    direction: up\n    name: x\n"},
    )
    assert bad_yaml.status_code == 422
    assert error_of(bad_yaml)["field"] == "collections[0].direction"
    # Delete, and tenants apart.
    assert client.delete(f"{base}/mappings/{clone['id']}").status_code == 204
    assert client.get(f"{base}/mappings/{clone['id']}").status_code == 404
    rival = sqlite_world.client("rival")
    assert rival.get(f"{base}/mappings").status_code == 404
    assert rival.get(f"{base}/mappings/{cid}").status_code == 404
    assert rival.post(f"{base}/lookup-tables", json=STATUS_TABLE).status_code == 404
    duplicate = client.post(f"{base}/lookup-tables", json=STATUS_TABLE)
    assert duplicate.status_code == 409
    assert error_of(duplicate)["field"] == "name"


def test_integration_templates_are_edited_by_their_integrator(sqlite_world: World) -> None:
    integration = publish_demo(sqlite_world, mappings=[])
    builder = sqlite_world.client("builder")
    base = f"/api/v1/integrations/{integration['id']}"
    assert builder.post(f"{base}/lookup-tables", json=STATUS_TABLE).status_code == 201
    made = builder.post(f"{base}/mappings", json=PRODUCT_TEMPLATE)
    assert made.status_code == 201, made.text
    detail = builder.get(base).json()
    assert [t["name"] for t in detail["templates"]] == ["shop products"]
    # New subscriptions get a copy of the templates and lookup tables.
    sub = subscribe(sqlite_world, "shop", integration["id"], "store")
    assert sub["mappings_copied"] == 1
    copied = sqlite_world.client("shop").get(f"/api/v1/subscriptions/{sub['id']}/mappings")
    assert [t["table"]["name"] for t in copied.json()["lookup_tables"]] == ["status"]
    # Other integrators and subscribers cannot edit templates.
    assert sqlite_world.client("other_builder").get(f"{base}/mappings").status_code == 404
    assert sqlite_world.client("shop").get(f"{base}/mappings").status_code == 403
