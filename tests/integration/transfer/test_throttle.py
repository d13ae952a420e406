"""The throttle's shared state: rate slots, concurrency slots and 429 pauses, on both
databases, and one concurrency limit and rate held by two engines at once (PostgreSQL)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
import sqlalchemy as sa

from integration.transfer.world import IN, OUT, make_world, one_subscription
from ipaas.bootstrap import Hub, bootstrap
from ipaas.connectors.memory import InMemoryConnector
from ipaas.domain import Direction, Method
from ipaas.settings import Settings
from ipaas.store import NewQueueItem
from ipaas.store.tables import queue_items
from ipaas.store.transfer import TransferStore
from ipaas.store.transfer_tables import subscription_throttle
from ipaas.transfer import TransferEngine, WorkerOptions
from ipaas.transfer.provider import StaticConnectorProvider


def test_rate_slots_are_reserved_one_after_another(hub: Hub) -> None:
    sub = one_subscription(hub)
    with hub.unit_of_work() as uow:
        store = TransferStore(uow.conn)
        assert store.reserve_calls(sub, 0.5, 1, now=100.0) == 100.0
        assert store.reserve_calls(sub, 0.5, 3, now=100.0) == 100.5
        assert store.reserve_calls(sub, 0.5, 1, now=100.0) == 102.0
        # time moved on past the reserved slots: the next call may start now
        assert store.reserve_calls(sub, 0.5, 1, now=200.0) == 200.0
        uow.commit()


def test_concurrency_slots_are_limited_released_and_expire(hub: Hub) -> None:
    sub = one_subscription(hub)
    with hub.unit_of_work() as uow:
        store = TransferStore(uow.conn)
        a = store.acquire_slot(sub, 2, "a", now=10.0, hold_seconds=5)
        b = store.acquire_slot(sub, 2, "b", now=10.0, hold_seconds=5)
        assert {a, b} == {0, 1}
        assert store.acquire_slot(sub, 2, "c", now=11.0, hold_seconds=5) is None
        assert a is not None
        store.release_slot(sub, a, "a")
        assert store.acquire_slot(sub, 2, "c", now=11.0, hold_seconds=5) == a
        # b's holder died: its slot is free once its time ran out
        assert store.acquire_slot(sub, 2, "d", now=16.0, hold_seconds=5) == b
        uow.commit()


def test_a_429_pause_holds_claims_of_that_subscription(hub: Hub) -> None:
    sub = one_subscription(hub)
    with hub.unit_of_work() as uow:
        uow.queue.enqueue(NewQueueItem(sub, Direction.TO_HUB, "product", "a", Method.UPDATE))
        TransferStore(uow.conn).pause_subscription_calls(sub, time.time() + 60)
        uow.commit()
    with hub.unit_of_work() as uow:
        assert uow.queue.claim("w", 10, 60) == []
        assert TransferStore(uow.conn).paused_until([sub])[sub] > time.time()
        # a shorter pause never shortens a longer one
        TransferStore(uow.conn).pause_subscription_calls(sub, time.time())
        assert uow.queue.claim("w", 10, 60) == []


class _Counting(InMemoryConnector):
    """Counts calls running at the same time."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.running = 0
        self.most = 0

    async def _call(self, operation: str, data_type: str, external_id: str | None) -> None:
        self.running += 1
        self.most = max(self.most, self.running)
        try:
            await super()._call(operation, data_type, external_id)
        finally:
            self.running -= 1


@pytest.mark.pg
def test_two_engines_share_one_concurrency_limit_and_rate(pg_database_url: str) -> None:
    hub = bootstrap(Settings(database_url=pg_database_url))
    try:
        w = make_world(hub)
        w.add_system("shop", OUT)
        erp = _Counting(latency=0.02, match_fields={"product": ("code",)})
        w.add_system("erp", IN, throttle={"throttle_concurrency": 1, "throttle_rate": 50.0})
        w.systems["erp"] = erp
        for n in range(12):
            w.webhook("shop", f"s{n}", payload={"code": f"SKU-{n}", "title": "x"})
        provider = StaticConnectorProvider({w.ids["shop"]: w.systems["shop"], w.ids["erp"]: erp})
        options = WorkerOptions(batch_size=3)
        engines = [
            TransferEngine(hub, provider, options, worker_id=f"engine-{n}") for n in range(2)
        ]
        started = time.time()

        async def lane(engine: TransferEngine) -> None:
            for _ in range(200):
                if erp.counters["create"] == 12:
                    return
                if not await engine.run_once():
                    await asyncio.sleep(0.01)

        async def main() -> None:
            await asyncio.gather(*(lane(e) for e in engines))

        asyncio.run(main())
        assert erp.counters["create"] == 12
        assert erp.most == 1
        with hub.engine.connect() as conn:
            deliverers = conn.execute(
                sa.select(queue_items.c.leased_by)
                .distinct()
                .where(queue_items.c.direction == "from_hub")
            ).scalars()
            assert set(deliverers) == {"engine-0", "engine-1"}
            next_slot = conn.execute(
                sa.select(subscription_throttle.c.next_slot_at).where(
                    subscription_throttle.c.subscription_id == w.ids["erp"]
                )
            ).scalar_one()
        # 24 calls (find + create per record), each 1/50 s after the one before
        assert next_slot - started >= 24 / 50.0 - 1e-6
    finally:
        hub.close()
