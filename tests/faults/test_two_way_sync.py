"""Two systems syncing the same records both ways, each announcing every write it gets
(as real systems do: a write made by the hub fires the system's webhook too)."""

from __future__ import annotations

from faults.counting import LoggingTarget, title
from integration.transfer.world import BOTH, World, make_world
from ipaas.bootstrap import Hub
from ipaas.domain import Method, QueueState

RECORDS = 15


def _announce_writes(w: World, seen: dict[str, int]) -> int:
    """Enqueue a webhook for every write each system received since the last call (the
    echo a real system sends); returns how many were announced."""
    announced = 0
    for name in ("shop", "erp"):
        target = w.systems[name]
        assert isinstance(target, LoggingTarget)
        for external_id in target.written_ids[seen.get(name, 0) :]:
            w.webhook(name, external_id)
            announced += 1
        seen[name] = len(target.written_ids)
    return announced


def test_two_way_sync_settles_without_ping_pong(hub: Hub) -> None:
    """Guarantee: when both systems send and receive the same records and echo every
    write back as a webhook, each change costs one write to the other system and the
    echoes end at the hub: the loop settles in one round, the API calls are counted, and
    both systems end with each record once at the latest version."""
    w = make_world(hub)
    shop = LoggingTarget(id_prefix="shop-")
    w.add_system("shop", BOTH)
    w.systems["shop"] = shop
    erp = LoggingTarget(id_prefix="erp-")
    w.add_system("erp", BOTH)
    w.systems["erp"] = erp
    for index in range(RECORDS):
        ext = shop.put("product", {"code": f"SKU-{index}", "title": title(index, 1)})
        w.webhook("shop", ext, Method.CREATE)
    seen: dict[str, int] = {}
    rounds = []
    for _ in range(6):  # bounded: a ping-pong would show as rounds that never reach 0
        w.run(max_batches=2000)
        rounds.append(_announce_writes(w, seen))
        if rounds[-1] == 0:
            break
    assert rounds == [RECORDS, 0]
    assert (erp.counters["create"], erp.counters["update"], shop.writes) == (RECORDS, 0, 0)

    # now the erp changes every record; the shop gets each change once and its echo ends
    for ext, body in list(erp.all("product").items()):
        index = int(body["code"].split("-")[1])
        erp.put("product", {**body, "title": title(index, 2)}, external_id=ext)
        w.webhook("erp", ext)
    rounds = []
    for _ in range(6):
        w.run(max_batches=2000)
        rounds.append(_announce_writes(w, seen))
        if rounds[-1] == 0:
            break
    assert rounds == [RECORDS, 0]
    assert (shop.counters["update"], erp.counters["update"]) == (RECORDS, 0)
    for system in (shop, erp):
        bodies = list(system.all("product").values())
        assert len(bodies) == RECORDS
        assert {b["title"].rsplit(" ", 1)[1] for b in bodies} == {"v2"}
    with hub.unit_of_work() as uow:
        assert uow.queue.count(state=QueueState.ERROR) == 0
