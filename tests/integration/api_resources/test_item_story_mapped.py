"""The item story shows what a from_hub item's last attempt sent (the mapped payload the
transfer engine logs), through the API and the dashboard's story; long payloads are kept
as a bounded excerpt. SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from resources_support import World, act_in

from integration.transfer.world import IN, OUT, make_world
from ipaas.transfer.logs import MAPPED_EXCERPT_CHARS
from ipaas.web.queries import monitoring as web_queries
from ipaas.web.story import build_story


def _from_hub_items(world: World, client: Any) -> list[dict[str, Any]]:
    listed = client.get("/api/v1/queue/items", params={"direction": "from_hub"})
    assert listed.status_code == 200, listed.text
    items: list[dict[str, Any]] = listed.json()["items"]
    return sorted(items, key=lambda i: i["id"])


def test_the_story_shows_the_mapped_payload_of_the_last_attempt(world: World) -> None:
    w = make_world(world.hub)
    w.add_system("shop", OUT)
    w.add_system("erp", IN)
    client = act_in(world, w.company_id, "shopco")

    w.webhook("shop", "s1", payload={"code": "SKU-1", "title": "Mug", "price": 7})
    w.webhook("shop", "s2", payload={"code": "SKU-2", "title": "x" * 6000, "price": 1})
    w.run()
    short, long = _from_hub_items(world, client)
    story = client.get(f"/api/v1/queue/items/{short['id']}").json()
    assert story["mapped"]["payload"] == {"code": "SKU-1", "title": "Mug", "price": "7"}
    assert story["mapped"]["truncated"] is False
    # The to_hub item of the same record has no from_hub mapping logged.
    to_hub = [r for r in story["related_items"] if r["direction"] == "to_hub"]
    assert client.get(f"/api/v1/queue/items/{to_hub[0]['id']}").json()["mapped"] is None

    clipped = client.get(f"/api/v1/queue/items/{long['id']}").json()["mapped"]
    assert clipped["truncated"] is True
    assert clipped["payload"] is None
    assert len(clipped["excerpt"]) == MAPPED_EXCERPT_CHARS
    assert clipped["excerpt"].startswith('{"code":"SKU-2"')

    # The dashboard's item page shows the same payload, not a preview.
    with world.hub.unit_of_work() as uow:
        item = web_queries.queue_item(uow.conn, [w.ids["erp"]], short["id"])
        assert item is not None
        page = build_story(uow.conn, w.company_id, item)
    assert page.mapped == {"code": "SKU-1", "title": "Mug", "price": "7"}
    assert page.mapping_note == "What the last attempt sent."
