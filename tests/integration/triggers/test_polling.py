"""Polling: watermarks, catch-up after downtime, crash between pages, one leader."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa
from triggers_support import ChangeLogConnector, Provider, Spoke, queue_keys

from ipaas.bootstrap import Hub, bootstrap
from ipaas.domain import QueueState
from ipaas.errors import RetriableError
from ipaas.settings import Settings
from ipaas.store.tables import queue_items
from ipaas.store.triggers import TriggerRepository
from ipaas.triggers.polling import configure_polling, poll_once
from ipaas.triggers.scheduler import run_scheduler

pytestmark = pytest.mark.anyio


def _restart(hub: Hub, tmp_path: Path) -> Hub:
    hub.close()
    return bootstrap(Settings(database_url=hub.settings.resolved_database_url, data_dir=tmp_path))


def _finish_all(hub: Hub) -> None:
    with hub.unit_of_work() as uow:
        uow.conn.execute(sa.update(queue_items).values(state=QueueState.DONE.value))
        uow.commit()


async def test_changes_made_while_the_hub_is_down_are_picked_up_once_each(
    hub: Hub, spoke: Spoke, tmp_path: Path
) -> None:
    source = ChangeLogConnector(page_size=100)
    provider = Provider({spoke.subscription_id: source})
    for n in range(50):
        source.change(f"p{n}", {"sku": f"P-{n}", "price": 1})
    first = await poll_once(hub, spoke.subscription_id, "product", provider=provider)
    assert first is not None
    assert (first.pages, first.records, first.enqueued) == (1, 50, 50)
    _finish_all(hub)

    # The hub is stopped; 2,500 records change (the 50 known ones among them).
    hub.close()
    for n in range(2_500):
        source.change(f"p{n}", {"sku": f"P-{n}", "price": 2})
    restarted = _restart(hub, tmp_path)
    try:
        result = await poll_once(restarted, spoke.subscription_id, "product", provider=provider)
        assert result is not None
        assert (result.pages, result.records, result.enqueued) == (25, 2_500, 2_500)
        keys = queue_keys(restarted, spoke.subscription_id)[50:]
        assert Counter(keys) == Counter(f"p{n}" for n in range(2_500))
        with restarted.unit_of_work() as uow:
            state = TriggerRepository(uow.conn).poll_state(spoke.subscription_id, "product")
        assert state is not None
        assert state.watermark == str(source.sequence)
        again = await poll_once(restarted, spoke.subscription_id, "product", provider=provider)
        assert again is not None
        assert again.records == 0
    finally:
        restarted.close()


async def test_a_crash_between_pages_resumes_after_the_last_committed_page(
    hub: Hub, spoke: Spoke
) -> None:
    source = ChangeLogConnector(page_size=100)
    provider = Provider({spoke.subscription_id: source})
    for n in range(1_000):
        source.change(f"r{n}", {"sku": f"R-{n}"})
    source.fail_after_pages = 4
    with pytest.raises(RetriableError):
        await poll_once(hub, spoke.subscription_id, "product", provider=provider)
    assert len(queue_keys(hub, spoke.subscription_id)) == 400
    source.fail_after_pages = None
    result = await poll_once(hub, spoke.subscription_id, "product", provider=provider)
    assert result is not None
    assert result.records == 600
    keys = queue_keys(hub, spoke.subscription_id)
    assert Counter(keys) == Counter(f"r{n}" for n in range(1_000))


async def test_a_change_to_a_still_pending_record_refreshes_its_payload(
    hub: Hub, spoke: Spoke
) -> None:
    source = ChangeLogConnector()
    provider = Provider({spoke.subscription_id: source})
    source.change("a", {"sku": "A", "price": 1})
    await poll_once(hub, spoke.subscription_id, "product", provider=provider)
    source.change("a", {"sku": "A", "price": 2})
    result = await poll_once(hub, spoke.subscription_id, "product", provider=provider)
    assert result is not None
    assert result.enqueued == 0
    with hub.unit_of_work() as uow:
        payloads = uow.conn.execute(sa.select(queue_items.c.payload)).scalars().all()
    assert payloads == [{"sku": "A", "price": 2, "id": "a"}]


async def test_two_schedulers_at_once_poll_only_once(
    hub: Hub, spoke: Spoke, tmp_path: Path
) -> None:
    source = ChangeLogConnector(page_size=250)
    provider = Provider({spoke.subscription_id: source})
    for n in range(2_500):
        source.change(f"s{n}", {"sku": f"S-{n}"})
    configure_polling(hub, spoke.subscription_id, "product", interval_seconds=3_600)
    other = bootstrap(Settings(database_url=hub.settings.resolved_database_url, data_dir=tmp_path))
    stop = asyncio.Event()
    try:
        runners = [
            asyncio.create_task(run_scheduler(h, stop, provider=provider, tick_seconds=0.02))
            for h in (hub, other)
        ]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            await asyncio.sleep(0.1)
            with hub.unit_of_work() as uow:
                state = TriggerRepository(uow.conn).poll_state(spoke.subscription_id, "product")
            if state is not None and state.last_run_at is not None:
                break
        # Let both run a few more rounds: the poll is not due again for an hour.
        await asyncio.sleep(0.3)
        stop.set()
        await asyncio.gather(*runners)
    finally:
        other.close()
    assert source.poll_calls == 1
    keys = queue_keys(hub, spoke.subscription_id)
    assert Counter(keys) == Counter(f"s{n}" for n in range(2_500))
    assert state is not None
    assert state.last_error is None
