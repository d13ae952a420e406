"""Mappings through HTTP: collections and lookup tables CRUD, clone, reverse clone,
preview, YAML export and import, for subscriptions and integration templates."""

from __future__ import annotations

from resources_support import (
    PRODUCT_TEMPLATE,
    STATUS_TABLE,
    World,
    demo_definition,
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
    builder = sqlite_world.client("builder")
    created = builder.post("/api/v1/integrations", json={**demo_definition("shop"), "mappings": []})
    assert created.status_code == 201, created.text
    integration = created.json()
    base = f"/api/v1/integrations/{integration['id']}"
    assert builder.post(f"{base}/lookup-tables", json=STATUS_TABLE).status_code == 201
    made = builder.post(f"{base}/mappings", json=PRODUCT_TEMPLATE)
    assert made.status_code == 201, made.text
    assert builder.post(f"{base}/publish", json={}).status_code == 200
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


def test_templates_of_a_published_version_are_frozen(sqlite_world: World) -> None:
    integration = publish_demo(sqlite_world)
    builder = sqlite_world.client("builder")
    base = f"/api/v1/integrations/{integration['id']}"
    listed = builder.get(f"{base}/mappings").json()
    template_id = listed["collections"][0]["id"]
    lookup_id = listed["lookup_tables"][0]["id"] if listed["lookup_tables"] else None
    writes = [
        builder.post(f"{base}/mappings", json=PRODUCT_TEMPLATE),
        builder.put(f"{base}/mappings/{template_id}", json=PRODUCT_TEMPLATE),
        builder.delete(f"{base}/mappings/{template_id}"),
        builder.post(f"{base}/mappings/{template_id}/clone", json={}),
        builder.post(f"{base}/mappings/import", json={"yaml": "collections: []"}),
        builder.post(f"{base}/lookup-tables", json=STATUS_TABLE),
    ]
    if lookup_id is not None:
        writes.append(builder.delete(f"{base}/lookup-tables/{lookup_id}"))
    for answer in writes:
        assert answer.status_code == 409, (answer.request.url, answer.text)
        error = error_of(answer)
        assert error["code"] == "BIZL_VERSION_PUBLISHED"
        assert error["field"] == "version"
        assert f"{integration['key']} {integration['version']} is published" in error["message"]
    # Reading and previewing still work; the templates are unchanged.
    assert builder.get(f"{base}/mappings").json()["collections"] == listed["collections"]
    preview = builder.post(f"{base}/mappings/{template_id}/preview", json={"sample": {}})
    assert preview.status_code == 200, preview.text
    # A new version is editable again.
    newer = builder.post(f"{base}/versions", json={"version": "1.1.0"})
    assert newer.status_code == 201, newer.text
    newer_base = f"/api/v1/integrations/{newer.json()['id']}"
    assert builder.post(f"{newer_base}/lookup-tables", json=STATUS_TABLE).status_code == 201
    edited = builder.post(f"{newer_base}/mappings", json=PRODUCT_TEMPLATE)
    assert edited.status_code == 201, edited.text
