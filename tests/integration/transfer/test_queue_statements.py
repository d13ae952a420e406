"""The queue's named statements on SQLite and PostgreSQL: claim order, per-record
exclusivity, coalescing, leases (expiry, recovery, heartbeats) and pruning."""

from __future__ import annotations

from datetime import timedelta

from integration.transfer.world import one_subscription
from ipaas.bootstrap import Hub
from ipaas.domain import Direction, Method, QueueState
from ipaas.store import NewQueueItem
from ipaas.store.types import utcnow


def _item(sub: int, key: str, method: Method = Method.UPDATE, **kw: object) -> NewQueueItem:
    return NewQueueItem(sub, Direction.TO_HUB, "product", key, method, {"code": key}, **kw)  # type: ignore[arg-type]


def test_claim_takes_priority_first_then_oldest_and_respects_limit(hub: Hub) -> None:
    sub = one_subscription(hub)
    with hub.unit_of_work() as uow:
        ids = [i for i, _ in uow.queue.enqueue_many([_item(sub, f"k{n}") for n in range(5)])]
        [(urgent, _)] = uow.queue.enqueue_many([_item(sub, "urgent", priority=10)])
        uow.commit()
    with hub.unit_of_work() as uow:
        first = uow.queue.claim("w1", 3, 60)
        second = uow.queue.claim("w1", 10, 60)
        uow.commit()
    assert [i.id for i in first] == [urgent, ids[0], ids[1]]
    assert [i.id for i in second] == ids[2:]
    assert all(i.attempts == 1 for i in first + second)


def test_one_item_per_record_in_flight_and_order_kept(hub: Hub) -> None:
    sub = one_subscription(hub)
    with hub.unit_of_work() as uow:
        [(create, _)] = uow.queue.enqueue_many([_item(sub, "r1", Method.CREATE)])
        [(delete, _)] = uow.queue.enqueue_many([_item(sub, "r1", Method.DELETE)])
        [(other, _)] = uow.queue.enqueue_many([_item(sub, "r2")])
        uow.commit()
    with hub.unit_of_work() as uow:
        claimed = [i.id for i in uow.queue.claim("w1", 10, 60)]
        # the delete waits while the create of the same record is in flight
        assert claimed == [create, other]
        assert uow.queue.claim("w2", 10, 60) == []
        uow.queue.complete([create], "w1")
        assert [i.id for i in uow.queue.claim("w2", 10, 60)] == [delete]
        uow.commit()


def test_items_not_due_or_of_paused_subscriptions_wait(hub: Hub) -> None:
    sub = one_subscription(hub)
    later = utcnow() + timedelta(minutes=5)
    with hub.unit_of_work() as uow:
        uow.queue.enqueue_many([_item(sub, "a")], now=later)
        uow.commit()
    with hub.unit_of_work() as uow:
        assert uow.queue.claim("w1", 10, 60) == []
        assert len(uow.queue.claim("w1", 10, 60, now=later + timedelta(seconds=1))) == 1


def test_coalesce_folds_following_updates_and_stops_at_a_delete(hub: Hub) -> None:
    sub = one_subscription(hub)
    with hub.unit_of_work() as uow:
        made = uow.queue.enqueue_many(
            [
                _item(sub, "r1", Method.CREATE),
                _item(sub, "r1"),
                _item(sub, "r1"),
                _item(sub, "r1", Method.DELETE),
                _item(sub, "r1"),
            ]
        )
        uow.commit()
    ids = [i for i, _ in made]
    with hub.unit_of_work() as uow:
        claimed = uow.queue.claim("w1", 10, 60)
        followers = uow.queue.coalesce(claimed)
        uow.commit()
    assert [i.id for i in claimed] == [ids[0]]
    assert claimed[0].has_followers
    assert [f.id for f in followers[ids[0]]] == ids[1:3]
    with hub.unit_of_work() as uow:
        states = [uow.queue.get(i).state for i in ids]  # type: ignore[union-attr]
    assert states == ["in_flight", "done", "done", "pending", "pending"]


def test_expired_lease_is_recovered_and_the_old_worker_cannot_complete(hub: Hub) -> None:
    sub = one_subscription(hub)
    with hub.unit_of_work() as uow:
        [(item_id, _)] = uow.queue.enqueue_many([_item(sub, "a")])
        uow.commit()
    start = utcnow()
    with hub.unit_of_work() as uow:
        [claimed] = uow.queue.claim("w1", 10, 10, now=start)
        assert not claimed.has_followers
        assert uow.queue.recover_expired(now=start + timedelta(seconds=5)) == 0
        assert uow.queue.recover_expired(now=start + timedelta(seconds=11)) == 1
        [again] = uow.queue.claim("w2", 10, 60)
        assert again.attempts == 2
        assert uow.queue.complete([item_id], "w1") == 0
        assert uow.queue.complete([item_id], "w2") == 1
        uow.commit()


def test_extend_leases_keeps_only_own_items(hub: Hub) -> None:
    sub = one_subscription(hub)
    with hub.unit_of_work() as uow:
        uow.queue.enqueue_many([_item(sub, "a"), _item(sub, "b")])
        uow.commit()
    start = utcnow()
    with hub.unit_of_work() as uow:
        [a] = uow.queue.claim("w1", 1, 10, now=start)
        [b] = uow.queue.claim("w2", 1, 10, now=start)
        uow.queue.extend_leases([a.id, b.id], "w1", start + timedelta(seconds=60))
        assert uow.queue.recover_expired(now=start + timedelta(seconds=30)) == 1
        assert uow.queue.get(a.id).state == "in_flight"  # type: ignore[union-attr]
        assert uow.queue.get(b.id).state == "pending"  # type: ignore[union-attr]
        uow.commit()


def test_prune_deletes_old_finished_items_only(hub: Hub) -> None:
    sub = one_subscription(hub)
    with hub.unit_of_work() as uow:
        uow.queue.enqueue_many([_item(sub, f"k{n}") for n in range(4)])
        uow.commit()
    old = utcnow() - timedelta(days=10)
    with hub.unit_of_work() as uow:
        claimed = uow.queue.claim("w1", 3, 60)
        uow.queue.complete([claimed[0].id, claimed[1].id], "w1", now=old)
        uow.queue.complete([claimed[2].id], "w1")
        assert uow.queue.prune_finished(utcnow() - timedelta(days=1)) == 2
        assert uow.queue.count(state=QueueState.DONE) == 1
        assert uow.queue.count(state=QueueState.PENDING) == 1
        uow.commit()
