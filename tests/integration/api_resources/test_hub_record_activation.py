"""Deactivating a hub record sends a delete to the subscriptions holding it; reactivating
sends it again (create where no longer linked). Through the API and the transfer engine,
on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from resources_support import World, act_in

from integration.transfer.world import IN, OUT, default_collections, make_world


def _from_hub(client: Any, sub_id: int) -> list[tuple[str, str]]:
    listed = client.get(
        "/api/v1/queue/items", params={"direction": "from_hub", "subscription_id": sub_id}
    )
    assert listed.status_code == 200, listed.text
    return [
        (i["method"], i["state"]) for i in sorted(listed.json()["items"], key=lambda i: i["id"])
    ]


def test_deactivate_deletes_downstream_and_reactivate_sends_again(world: World) -> None:
    w = make_world(world.hub)
    w.add_system("shop", OUT)
    delete = {
        "data_type": "product",
        "direction": "from_hub",
        "name": "p delete",
        "sync_type": "delete",
        "field_mappings": [],
    }
    erp = w.add_system("erp", IN, collections=[*default_collections(IN), delete])
    client = act_in(world, w.company_id, "shopco")

    w.webhook("shop", "s1", payload={"code": "SKU-1", "title": "Mug", "price": 7})
    w.run()
    assert [b["code"] for b in erp.all("product").values()] == ["SKU-1"]
    # A system connected later never had the record.
    pos = w.add_system("pos", IN)
    [found] = client.get("/api/v1/hub-data/records", params={"data_type": "product"}).json()[
        "items"
    ]

    off = client.post(f"/api/v1/hub-data/records/{found['id']}/deactivate")
    assert off.status_code == 200, off.text
    assert _from_hub(client, w.ids["erp"]) == [("create", "done"), ("delete", "pending")]
    assert _from_hub(client, w.ids["pos"]) == []
    w.run()
    assert erp.all("product") == {}
    assert _from_hub(client, w.ids["erp"])[-1] == ("delete", "done")

    on = client.post(f"/api/v1/hub-data/records/{found['id']}/reactivate")
    assert on.status_code == 200, on.text
    assert _from_hub(client, w.ids["erp"])[-1] == ("create", "pending")
    assert _from_hub(client, w.ids["pos"]) == [("create", "pending")]
    w.run()
    assert [b["code"] for b in erp.all("product").values()] == ["SKU-1"]
    assert [b["code"] for b in pos.all("product").values()] == ["SKU-1"]
    # Reactivating an active record changes nothing and sends nothing.
    assert client.post(f"/api/v1/hub-data/records/{found['id']}/reactivate").status_code == 200
    assert len(_from_hub(client, w.ids["pos"])) == 1
