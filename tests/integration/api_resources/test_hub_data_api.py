"""Hub data through HTTP on SQLite and PostgreSQL: search by fields, versions and diff,
links, unmatched records, reset link, deactivate and reactivate, tenants apart."""

from __future__ import annotations

from typing import Any

from resources_support import World, error_of, publish_demo, subscribe


def _seed(world: World) -> dict[str, Any]:
    integration = publish_demo(world)
    sub = subscribe(world, "shop", integration["id"], "store")
    company = world.companies["shop"]
    with world.hub.unit_of_work() as uow:
        ids = []
        for n in range(12):
            body = {"sku": f"SKU-{n:02d}", "name": f"Item {n}", "brand": "acme" if n % 3 else "zed"}
            ids.append(uow.hub_records.upsert(company, "product", body).record.id)
        uow.hub_records.upsert(
            company, "product", {"sku": "SKU-00", "name": "Renamed", "brand": "zed"}
        )
        for hub_id in ids[:4]:
            uow.external_ids.link(sub["id"], "product", f"ext-{hub_id}", hub_id)
        rival_id = uow.hub_records.upsert(
            world.companies["rival"], "product", {"sku": "SKU-00", "name": "theirs"}
        ).record.id
        uow.commit()
    return {"sub": sub, "ids": ids, "rival_id": rival_id}


def test_search_versions_links_and_lifecycle(world: World) -> None:
    seeded = _seed(world)
    client = world.client("shop")
    url = "/api/v1/hub-data/records"
    page = client.get(url, params={"data_type": "product", "limit": 5}).json()
    assert len(page["items"]) == 5
    rest = client.get(url, params={"data_type": "product", "cursor": page["next_cursor"]}).json()
    assert len(rest["items"]) == 7
    assert rest["next_cursor"] is None
    zed = client.get(url, params={"data_type": "product", "field.brand": "zed"}).json()["items"]
    assert [r["body"]["sku"] for r in zed] == ["SKU-00", "SKU-03", "SKU-06", "SKU-09"]
    both = client.get(
        url, params={"data_type": "product", "field.brand": "zed", "field.sku": "SKU-03"}
    ).json()["items"]
    assert [r["body"]["name"] for r in both] == ["Item 3"]
    first = seeded["ids"][0]
    versions = client.get(f"{url}/{first}/versions").json()
    assert [v["version"] for v in versions] == [1, 2]
    diff = client.get(f"{url}/{first}/diff", params={"from": 1, "to": 2}).json()
    assert diff["changes"] == [
        {"path": "name", "kind": "changed", "before": "Item 0", "after": "Renamed"}
    ]
    missing_version = client.get(f"{url}/{first}/diff", params={"from": 1, "to": 9})
    assert missing_version.status_code == 404
    assert error_of(missing_version)["field"] == "to"
    links = client.get(f"{url}/{first}/links").json()
    assert links == [
        {
            "subscription_id": seeded["sub"]["id"],
            "subscription_name": "store",
            "external_id": f"ext-{first}",
        }
    ]
    unmatched = client.get(
        "/api/v1/hub-data/unmatched",
        params={"data_type": "product", "subscription_id": seeded["sub"]["id"]},
    ).json()["items"]
    assert [r["id"] for r in unmatched] == seeded["ids"][4:]
    reset = client.post(f"{url}/{first}/reset-link", json={"subscription_id": seeded["sub"]["id"]})
    assert reset.status_code == 204
    assert client.get(f"{url}/{first}/links").json() == []
    again = client.post(f"{url}/{first}/reset-link", json={"subscription_id": seeded["sub"]["id"]})
    assert error_of(again)["field"] == "subscription_id"
    off = client.post(f"{url}/{first}/deactivate").json()
    assert off["active"] is False
    assert off["version"] == 3
    inactive = client.get(url, params={"data_type": "product", "active": "false"}).json()
    assert [r["id"] for r in inactive["items"]] == [first]
    on = client.post(f"{url}/{first}/reactivate").json()
    assert on["active"] is True
    assert on["version"] == 4


def test_hub_data_is_per_tenant_and_input_is_checked(world: World) -> None:
    seeded = _seed(world)
    client = world.client("shop")
    url = "/api/v1/hub-data/records"
    assert client.get(f"{url}/{seeded['rival_id']}").status_code == 404
    assert client.post(f"{url}/{seeded['rival_id']}/deactivate").status_code == 404
    rival = world.client("rival")
    assert [r["id"] for r in rival.get(url, params={"data_type": "product"}).json()["items"]] == [
        seeded["rival_id"]
    ]
    assert rival.get(f"{url}/{seeded['ids'][0]}/versions").status_code == 404
    assert (
        rival.get(
            "/api/v1/hub-data/unmatched",
            params={"data_type": "product", "subscription_id": seeded["sub"]["id"]},
        ).status_code
        == 404
    )
    unknown = client.get(url, params={"data_type": "spaceship"})
    assert unknown.status_code == 422
    assert error_of(unknown)["field"] == "data_type"
    bad_path = client.get(url, params={"data_type": "product", "field.a;b": "x"})
    assert error_of(bad_path)["field"] == "field.a;b"
    no_type = client.get(url)
    assert error_of(no_type) == {
        "code": "VALD_MISSING",
        "message": "data_type: Field required",
        "field": "data_type",
    }
    # A MiSP (no data management feature) cannot read hub data.
    assert world.client("misp").get(url, params={"data_type": "product"}).status_code == 403
