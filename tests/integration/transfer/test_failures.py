"""Rate limits, retries, errors and per-record order under parallel workers."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from integration.transfer.world import IN, OUT, make_world
from ipaas.bootstrap import Hub
from ipaas.connectors.base import WriteResult
from ipaas.connectors.memory import InMemoryConnector
from ipaas.domain import QueueState
from ipaas.transfer.engine import WorkerOptions
from ipaas.transfer.worker import run_workers


def test_429_with_retry_after_pauses_the_subscription_without_failing(hub: Hub) -> None:
    w = make_world(hub)
    w.add_system("shop", OUT)
    erp = w.add_system("erp", IN)
    erp.fail_next("429", retry_after=0.3, operations=("find",))
    w.webhook("shop", "s1", payload={"code": "SKU-1", "title": "Mug"})
    w.run()
    assert erp.counters["create"] == 1
    finds = [c for c in erp.calls if c.operation == "find"]
    assert len(finds) == 2
    assert finds[1].at - finds[0].at >= 0.3
    with hub.unit_of_work() as uow:
        assert uow.queue.count(state=QueueState.ERROR) == 0
        [item] = [i for i in uow.queue.items() if i.direction == "from_hub"]
    assert (item.state, item.attempts) == ("done", 1)


def test_backoff_then_error_then_retry_succeeds(hub: Hub) -> None:
    w = make_world(hub)
    w.add_system("shop", OUT)
    erp = w.add_system("erp", IN)
    erp.fail_next("500", times=3)  # max_attempts is 3 in the test options
    w.webhook("shop", "s1", payload={"code": "SKU-1", "title": "Mug"})
    w.run()
    with hub.unit_of_work() as uow:
        [error] = uow.queue.items(state=QueueState.ERROR)
    assert error.attempts == 3
    assert "HTTP 500" in (error.last_error or "")
    assert f"queue item {error.id}" in (error.last_error or "")
    assert erp.counters["failed_500"] == 3
    with hub.unit_of_work() as uow:
        assert uow.queue.retry_errors([error.id]) == 1
        uow.commit()
    w.run()
    assert erp.counters["create"] == 1
    with hub.unit_of_work() as uow:
        assert uow.queue.count(state=QueueState.ERROR) == 0


def test_permanent_failure_is_an_error_at_once(hub: Hub) -> None:
    w = make_world(hub)
    w.add_system("shop", OUT)
    erp = w.add_system("erp", IN)
    erp.fail_next("400", operations=("create",))
    w.webhook("shop", "s1", payload={"code": "SKU-1", "title": "Mug"})
    w.run()
    with hub.unit_of_work() as uow:
        [error] = uow.queue.items(state=QueueState.ERROR)
        assert error.attempts == 1
        assert "permanent" in (error.last_error or "")
        assert uow.queue.discard_errors() == 1
        uow.commit()
        assert uow.queue.count(state=QueueState.DISCARDED) == 1


def test_mapping_error_is_permanent_and_names_the_field(hub: Hub) -> None:
    w = make_world(hub)
    w.add_system("shop", OUT)
    w.add_system("erp", IN)
    w.webhook("shop", "s1", payload={"code": "SKU-1", "title": "Mug", "price": "cheap"})
    w.run()
    with hub.unit_of_work() as uow:
        [error] = uow.queue.items(state=QueueState.ERROR)
    assert error.direction == "to_hub"
    assert "price" in (error.last_error or "")


class _OrderedTarget(InMemoryConnector):
    """Remembers every title written per record, in order."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.seen: dict[str, list[int]] = {}

    async def create(
        self, data_type: str, record: dict[str, Any], *, idempotency_key: str | None = None
    ) -> WriteResult:
        await asyncio.sleep(0.002)
        self.seen.setdefault(record["code"], []).append(int(record["title"]))
        return await super().create(data_type, record, idempotency_key=idempotency_key)

    async def update(self, data_type: str, external_id: str, record: dict[str, Any]) -> WriteResult:
        await asyncio.sleep(0.002)
        self.seen.setdefault(record["code"], []).append(int(record["title"]))
        return await super().update(data_type, external_id, record)


@pytest.mark.pg
def test_per_record_order_holds_under_parallel_workers(pg_database_url: str, tmp_path: Any) -> None:
    from ipaas.bootstrap import bootstrap
    from ipaas.settings import Settings

    hub = bootstrap(Settings(database_url=pg_database_url, data_dir=tmp_path))
    try:
        w = make_world(hub)
        w.add_system("shop", OUT)
        target = _OrderedTarget(id_prefix="t-", match_fields={"product": ("code",)})
        w.add_system("erp", IN)
        w.systems["erp"] = target
        for n in range(1, 41):
            for record in range(8):
                w.webhook("shop", f"s{record}", payload={"code": f"R{record}", "title": str(n)})

        async def run() -> None:
            stop = asyncio.Event()
            options = WorkerOptions(batch_size=4)
            task = asyncio.create_task(
                run_workers(hub, 4, stop, options=options, provider=w.provider())
            )
            for _ in range(600):
                await asyncio.sleep(0.05)
                with hub.unit_of_work() as uow:
                    if uow.queue.count_due(within_seconds=5) == 0:
                        break
            stop.set()
            await task

        asyncio.run(run())
        assert len(target.seen) == 8
        for titles in target.seen.values():
            assert titles == sorted(titles)
            assert titles[-1] == 40
    finally:
        hub.close()
