"""Retry settings, lease heartbeats for slow calls, and waking idle workers on enqueue."""

from __future__ import annotations

import asyncio

from integration.transfer.world import IN, OUT, make_world
from ipaas.bootstrap import Hub
from ipaas.domain import Direction, Method, QueueState
from ipaas.store import NewQueueItem
from ipaas.transfer import TransferEngine, WorkerOptions, drain, run_workers
from ipaas.transfer.wakeup import WorkSignal


def test_retry_settings_are_the_default_policy(hub: Hub) -> None:
    settings = hub.settings.model_copy(update={"retry_max_attempts": 2, "retry_base_delay": 0.01})
    tuned = Hub(settings=settings, engine=hub.engine)
    w = make_world(tuned)
    w.add_system("shop", OUT)
    erp = w.add_system("erp", IN)
    erp.fail_next("500", times=10, operations=("create",))
    w.webhook("shop", "s1", payload={"code": "SKU-1", "title": "Mug"})
    engine = TransferEngine(tuned, w.provider())
    assert engine.retry_policy.max_attempts == 2
    assert engine.retry_policy.base_delay == 0.01
    options = WorkerOptions(batch_size=20, prerequisite_delay=0.01)
    asyncio.run(drain(tuned, provider=w.provider(), options=options))
    with tuned.unit_of_work() as uow:
        [failed] = uow.queue.items(state=QueueState.ERROR)
    assert failed.attempts == 2
    assert failed.last_error is not None
    assert "after 2 attempt(s)" in failed.last_error
    assert erp.counters["failed_500"] == 2


def test_leases_of_a_slow_batch_are_renewed_while_its_calls_run(hub: Hub) -> None:
    w = make_world(hub)
    w.add_system("shop", OUT)
    erp = w.add_system("erp", IN, latency=0.4)
    w.webhook("shop", "s1", payload={"code": "SKU-1", "title": "Mug"})
    engine = TransferEngine(hub, w.provider(), WorkerOptions(lease_seconds=0.3))

    async def main() -> tuple[int, int]:
        assert await engine.run_once() == 1  # to_hub: no call to make
        batch = asyncio.create_task(engine.run_once())  # find + create: 0.8 s of calls
        await asyncio.sleep(0.5)
        with hub.unit_of_work() as uow:
            recovered = uow.queue.recover_expired()
            uow.commit()
        return recovered, await batch

    recovered, handled = asyncio.run(main())
    assert (recovered, handled) == (0, 1)
    assert erp.counters["create"] == 1
    with hub.unit_of_work() as uow:
        assert uow.queue.count(state=QueueState.DONE) == 2


def test_commit_of_an_enqueue_wakes_the_workers(hub: Hub) -> None:
    w = make_world(hub)
    w.add_system("shop", OUT)

    async def main() -> tuple[bool, bool]:
        signal = WorkSignal(hub.engine)
        try:
            with hub.unit_of_work() as uow:
                uow.queue.enqueue(
                    NewQueueItem(w.ids["shop"], Direction.TO_HUB, "product", "a", Method.UPDATE)
                )
            rolled_back = signal.event.is_set()
            w.webhook("shop", "b")
            return rolled_back, signal.event.is_set()
        finally:
            signal.close()

    assert asyncio.run(main()) == (False, True)


def test_idle_workers_deliver_new_work_without_waiting_for_their_poll(hub: Hub) -> None:
    w = make_world(hub)
    w.add_system("shop", OUT)
    erp = w.add_system("erp", IN)
    # Polling alone would look again only after 30 s.
    options = WorkerOptions(poll_interval=30.0, max_poll_interval=30.0)

    async def main() -> None:
        stop = asyncio.Event()
        workers = run_workers(hub, 2, stop, options=options, provider=w.provider())
        task = asyncio.create_task(workers)
        await asyncio.sleep(0.2)
        w.webhook("shop", "s1", payload={"code": "SKU-1", "title": "Mug"})
        for _ in range(200):
            if erp.counters["create"]:
                break
            await asyncio.sleep(0.05)
        stop.set()
        await task

    asyncio.run(main())
    assert erp.counters["create"] == 1
