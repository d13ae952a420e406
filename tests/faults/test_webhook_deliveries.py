"""Webhooks delivered twice and out of order, through the hub's generic hook to a target."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from faults.counting import LoggingTarget, assert_each_once_in_order, title
from integration.transfer.world import IN, OUT, make_world
from ipaas.api.app import create_app
from ipaas.bootstrap import Hub
from ipaas.store.triggers import TriggerRepository
from ipaas.transfer.worker import drain

pytestmark = pytest.mark.anyio
RECORDS = 12


def _notice(scope: str, index: int, event: str) -> dict[str, Any]:
    return {"notifications": [{"scope": scope, "external_id": f"s{index}", "event_id": event}]}


async def test_duplicate_and_out_of_order_deliveries_settle_on_the_latest(hub: Hub) -> None:
    """Guarantee: deliveries repeated with the same event id make no second queue item;
    notifications arriving out of order (an older change after a newer one, an update
    before its create) end with each record once at the target, at the source's latest
    version, never written backwards."""
    w = make_world(hub)
    shop = w.add_system("shop", OUT)
    w.add_system("erp", IN)
    erp = w.systems["erp"] = LoggingTarget(id_prefix="erp-")
    with hub.unit_of_work() as uow:
        key = TriggerRepository(uow.conn).create_key(w.ids["shop"])
        uow.commit()
    sent: dict[str, list[str]] = {}

    def change(index: int, version: int) -> None:
        body = {"code": f"SKU-{index}", "title": title(index, version), "price": "5.00"}
        shop.put("product", body, external_id=f"s{index}")
        sent.setdefault(body["code"], []).append(body["title"])

    transport = httpx.ASGITransport(app=create_app(hub))
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://hub") as client:

        async def deliver(*bodies: dict[str, Any]) -> list[int]:
            answers = [await client.post("/hooks/v1/notifications", json=b, headers=headers)
                       for b in bodies]  # fmt: skip
            assert {a.status_code for a in answers} == {202}
            return [a.json()["duplicates"] for a in answers]

        for index in range(RECORDS):
            change(index, 1)
        # the last record's update notice overtakes its create; every create comes twice
        await deliver(_notice("product/updated", RECORDS - 1, "u-late"))
        firsts = [_notice("product/created", i, f"c-{i}") for i in range(RECORDS)]
        assert await deliver(*firsts) == [0] * RECORDS
        assert await deliver(*firsts[:5]) == [1] * 5
        await drain(hub, provider=w.provider(), options=w.options)

        for index in range(RECORDS):
            change(index, 2)
            change(index, 3)
        # the notice of version 3 arrives before the one of version 2, both twice
        newer = [_notice("product/updated", i, f"v3-{i}") for i in range(RECORDS)]
        older = [_notice("product/updated", i, f"v2-{i}") for i in range(RECORDS)]
        await deliver(*newer, *newer[:4])
        await drain(hub, provider=w.provider(), options=w.options)
        await deliver(*older, *older[:4])
        await drain(hub, provider=w.provider(), options=w.options)
    assert_each_once_in_order(erp, sent)
    assert erp.counters["create"] == RECORDS
    with hub.unit_of_work() as uow:
        items = list(uow.queue.items())
    to_hub = [i for i in items if i.direction == "to_hub"]
    # one item per distinct event id at most: repeated deliveries added nothing
    assert len(to_hub) <= 1 + RECORDS * 3
    # nothing failed, nothing left pending
    assert {i.state for i in items} == {"done"}
