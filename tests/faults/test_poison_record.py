"""One record that can never be mapped, at the head of a burst."""

from __future__ import annotations

from faults.counting import LoggingTarget, assert_each_once_in_order, title
from integration.transfer.world import IN, OUT, make_world
from ipaas.bootstrap import Hub
from ipaas.domain import Method, QueueState


def test_a_poison_record_ends_as_an_error_and_blocks_nothing(hub: Hub) -> None:
    """Guarantee: a record that always fails validation (a price that is no number) sent
    first in a burst becomes one error item naming the field, after its attempts; the 30
    records behind it all reach the target once, in order, and no other item fails."""
    w = make_world(hub)
    w.add_system("shop", OUT)
    w.add_system("erp", IN)
    erp = w.systems["erp"] = LoggingTarget(id_prefix="erp-")
    w.webhook("shop", "poison", Method.CREATE, payload={"code": "BAD-1", "price": "ten euros"})
    sent: dict[str, list[str]] = {}
    for version in (1, 2):
        for index in range(30):
            body = {"code": f"SKU-{index}", "title": title(index, version), "price": "9.90"}
            method = Method.CREATE if version == 1 else Method.UPDATE
            w.webhook("shop", f"s{index}", method, payload=body)
            sent.setdefault(body["code"], []).append(body["title"])
    w.run(max_batches=2000)
    assert_each_once_in_order(erp, sent)
    with hub.unit_of_work() as uow:
        [error] = uow.queue.items(state=QueueState.ERROR)
        assert uow.queue.count_due(within_seconds=3600) == 0
    assert error.record_key == "poison"
    assert "price" in (error.last_error or "")
