"""The path of a record: source -> hub -> targets, on SQLite and PostgreSQL."""

from __future__ import annotations

from ipaas.bootstrap import Hub
from ipaas.domain import Method, QueueState
from ipaas.store.transfer import TransferStore

from integration.transfer.world import BOTH, IN, OUT, make_world


def test_fan_out_to_two_targets_and_not_to_the_origin(hub: Hub) -> None:
    w = make_world(hub)
    shop = w.add_system("shop", OUT)
    erp = w.add_system("erp", IN)
    pos = w.add_system("pos", IN)
    ext = shop.put("product", {"code": "SKU-1", "title": "Mug", "price": "9.90"})
    tracking = w.webhook("shop", ext, Method.CREATE)
    w.run()
    for target in (erp, pos):
        [(_, body)] = target.all("product").items()
        assert body["code"] == "SKU-1"
        assert body["title"] == "Mug"
        assert target.counters["create"] == 1
    assert shop.writes == 0
    with hub.unit_of_work() as uow:
        assert uow.queue.count(state=QueueState.DONE) == 3
        lines = TransferStore(uow.conn).activity(tracking_id=tracking)
    assert len(lines) == 3
    assert any("created in the hub from shop" in line["message"] for line in lines)
