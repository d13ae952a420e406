"""Manual transfers and initialization: thousands of ids at once, debug priority, streamed
and resumable initialization in dependency order, with progress."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from integration.transfer.world import BOTH, IN, OUT, make_world
from ipaas.bootstrap import Hub
from ipaas.connectors.base import ExternalRecord
from ipaas.connectors.memory import InMemoryConnector
from ipaas.domain import Direction, Method
from ipaas.store.transfer import TransferStore
from ipaas.transfer import initialize, transfer_records
from ipaas.transfer.manual import DEBUG_PRIORITY
from ipaas.transfer.provider import StaticConnectorProvider


def test_transfer_records_queues_thousands_of_ids_in_one_call(hub: Hub) -> None:
    w = make_world(hub)
    shop = w.add_system("shop", OUT)
    w.add_system("erp", IN)
    ids = [shop.put("product", {"code": f"SKU-{n}", "title": f"P{n}"}) for n in range(3000)]
    queued = transfer_records(hub, w.ids["shop"], "product", "to_hub", ids)
    assert queued.queued == 3000
    tracking = queued.tracking_id
    with hub.unit_of_work() as uow:
        queued = uow.queue.items(tracking_id=tracking, limit=5000)
    assert len(queued) == 3000
    assert {q.method for q in queued} == {Method.READ.value}
    assert {q.record_key for q in queued} == set(ids)
    assert len({q.tracking_id for q in queued}) == 1


def test_debug_transfers_go_first_and_keep_bodies(hub: Hub) -> None:
    w = make_world(hub)
    shop = w.add_system("shop", OUT)
    w.add_system("erp", IN)
    plain = [shop.put("product", {"code": f"SKU-{n}", "title": "x"}) for n in range(5)]
    special = shop.put("product", {"code": "SKU-D", "title": "debug me"})
    transfer_records(hub, w.ids["shop"], "product", "to_hub", plain)
    tracking = transfer_records(
        hub, w.ids["shop"], "product", Direction.TO_HUB, [special], debug=True
    ).tracking_id
    with hub.unit_of_work() as uow:
        [first] = uow.queue.claim("w", 1, 60)
        uow.rollback()
    assert (first.record_key, first.priority, first.debug) == (special, DEBUG_PRIORITY, True)
    w.run()
    with hub.unit_of_work() as uow:
        lines = TransferStore(uow.conn).technical(tracking_id=tracking)
    debug = [line for line in lines if line["event"] == "debug"]
    assert debug
    assert debug[0]["details"]["source"]["title"] == "debug me"


def test_transfer_records_from_hub_by_external_id_and_by_hub_id(hub: Hub) -> None:
    w = make_world(hub)
    w.add_system("shop", BOTH)
    erp = w.add_system("erp", IN)
    for n in range(3):
        w.webhook("shop", f"s{n}", payload={"code": f"SKU-{n}", "title": "x"})
    w.run()
    with hub.unit_of_work() as uow:
        links = uow.external_ids
        hub_ids = [str(links.hub_id_for(w.ids["shop"], "product", f"s{n}")) for n in range(3)]
    by_ext = transfer_records(hub, w.ids["erp"], "product", "from_hub", list(erp.all("product")))
    by_hub = transfer_records(hub, w.ids["erp"], "product", "from_hub", hub_ids, by="hub")
    with hub.unit_of_work() as uow:
        by_ext_items = uow.queue.items(tracking_id=by_ext.tracking_id)
        assert sorted(q.record_key for q in by_ext_items) == sorted(hub_ids)
        assert len(uow.queue.items(tracking_id=by_hub.tracking_id)) == 3
    assert (by_ext.queued, by_hub.queued) == (3, 3)


def _records(count: int, fail_at: int | None = None) -> object:
    def source(data_type: str) -> Iterator[ExternalRecord]:
        for n in range(count):
            if n == fail_at:
                raise ConnectionError("the system went away")
            yield ExternalRecord(f"{data_type}-{n}", {"code": f"{data_type}-{n}", "title": "t"})

    return source


def test_initialize_streams_pages_resumes_and_reports_progress(hub: Hub) -> None:
    w = make_world(hub)
    w.add_system("shop", OUT)
    sub = w.ids["shop"]
    broken = InMemoryConnector(source=_records(1000, fail_at=350), page_size=100)  # type: ignore[arg-type]
    with pytest.raises(ConnectionError):
        asyncio.run(
            initialize(
                hub, sub, ["product"], "to_hub", provider=StaticConnectorProvider({sub: broken})
            )
        )
    with hub.unit_of_work() as uow:
        [stopped] = TransferStore(uow.conn).initializations_of(sub)
        progress = (stopped.state, stopped.pages, stopped.records, stopped.cursor)
        assert progress == ("running", 3, 300, "300")
        assert uow.queue.count(subscription_id=sub) == 300
    whole = InMemoryConnector(source=_records(1000), page_size=100)  # type: ignore[arg-type]
    [done] = asyncio.run(
        initialize(hub, sub, ["product"], "to_hub", provider=StaticConnectorProvider({sub: whole}))
    )
    assert (done.id, done.state, done.pages, done.records) == (stopped.id, "done", 10, 1000)
    with hub.unit_of_work() as uow:
        assert uow.queue.count(subscription_id=sub) == 1000
        keys = {q.record_key for q in uow.queue.items(subscription_id=sub, limit=2000)}
    assert len(keys) == 1000


def test_initialize_runs_data_types_in_dependency_order(hub: Hub) -> None:
    w = make_world(hub)
    w.add_system("shop", {"product": {"to_hub": True}, "product_category": {"to_hub": True}})
    sub = w.ids["shop"]
    connector = InMemoryConnector(source=_records(3), page_size=2)  # type: ignore[arg-type]
    rows = asyncio.run(
        initialize(
            hub,
            sub,
            ["product", "product_category"],
            "to_hub",
            provider=StaticConnectorProvider({sub: connector}),
        )
    )
    assert [r.data_type for r in rows] == ["product_category", "product"]
    assert [(r.pages, r.records) for r in rows] == [(2, 3), (2, 3)]
    with hub.unit_of_work() as uow:
        items = sorted(uow.queue.items(subscription_id=sub, limit=10), key=lambda q: q.id)
    assert [q.data_type for q in items] == ["product_category"] * 3 + ["product"] * 3


def test_initialize_from_hub_queues_every_live_hub_record(hub: Hub) -> None:
    w = make_world(hub)
    w.add_system("shop", OUT)
    w.add_system("erp", IN)
    for n in range(5):
        w.webhook("shop", f"s{n}", payload={"code": f"SKU-{n}", "title": "x"})
    w.webhook("shop", "s0", Method.DELETE)
    w.run()
    late = w.add_system("late", IN)
    [row] = asyncio.run(initialize(hub, w.ids["late"], ["product"], "from_hub", page_size=2))
    assert (row.state, row.records) == ("done", 4)
    w.run()
    assert len(late.all("product")) == 4
