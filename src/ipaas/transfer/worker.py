"""``run_workers``: the asyncio worker pool of one process (``ipaas worker``, ``ipaas serve``).

Each task claims a batch, carries it through and claims again; idle tasks poll with a
growing pause, and wake at once when this process commits new work (``WorkSignal``).
A lost database (restart, failover, terminated connection) makes the tasks wait and
reconnect instead of dying; items they held come back when their lease
expires, and are delivered once thanks to external id links and idempotency keys.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

import sqlalchemy as sa

from ipaas.bootstrap import Hub
from ipaas.errors import ConfigurationError
from ipaas.transfer.engine import TransferEngine, WorkerOptions
from ipaas.transfer.provider import ConnectorProvider
from ipaas.transfer.wakeup import WorkSignal

log = logging.getLogger(__name__)


async def run_workers(
    hub: Hub,
    concurrency: int,
    stop_event: asyncio.Event,
    *,
    options: WorkerOptions | None = None,
    provider: ConnectorProvider | None = None,
) -> None:
    """Run ``concurrency`` worker tasks until ``stop_event`` is set.

    The connectors come from ``provider``, else ``hub.connectors``.
    """
    provider = provider or hub.connectors
    if provider is None:
        raise ConfigurationError("the hub has no connector provider", field="connectors")
    engine = TransferEngine(hub, provider, options)
    signal = WorkSignal(hub.engine)
    lanes = [
        asyncio.create_task(_lane(engine, stop_event, signal)) for _ in range(max(1, concurrency))
    ]
    others = [
        asyncio.create_task(_maintenance(engine, stop_event)),
        asyncio.create_task(signal.follow(stop_event)),
    ]
    try:
        await asyncio.gather(*lanes, others[0])
    finally:
        signal.close()
        for task in (*lanes, *others):
            task.cancel()
        await asyncio.gather(*lanes, *others, return_exceptions=True)


async def _sleep_or_stop(stop_event: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop_event.wait(), timeout=seconds)


async def _lane(engine: TransferEngine, stop_event: asyncio.Event, signal: WorkSignal) -> None:
    opts = engine.options
    idle = opts.poll_interval
    outage = 0.2
    while not stop_event.is_set():
        try:
            count = await engine.run_once()
            outage = 0.2
        except (sa.exc.OperationalError, sa.exc.InterfaceError, sa.exc.DBAPIError) as exc:
            log.warning("database unavailable (%s); retrying in %.1f s", type(exc).__name__, outage)
            await _sleep_or_stop(stop_event, outage)
            outage = min(outage * 2, 5.0)
            continue
        except Exception:
            log.exception("worker batch failed; its items come back when their leases expire")
            await _sleep_or_stop(stop_event, 1.0)
            continue
        if count:
            idle = opts.poll_interval
            await asyncio.sleep(0)
        elif await signal.wait(idle):
            idle = opts.poll_interval
        else:
            idle = min(idle * 2, opts.max_poll_interval)


async def _maintenance(engine: TransferEngine, stop_event: asyncio.Event) -> None:
    while not stop_event.is_set():
        try:
            engine.maintain()
        except sa.exc.DBAPIError as exc:
            log.warning("queue upkeep skipped: database unavailable (%s)", type(exc).__name__)
        except Exception:
            log.exception("queue upkeep failed")
        await _sleep_or_stop(stop_event, engine.options.maintenance_interval)


async def drain(
    hub: Hub,
    *,
    provider: ConnectorProvider | None = None,
    options: WorkerOptions | None = None,
    max_batches: int = 10_000,
    idle_rounds: int = 2,
    within_seconds: float = 1.0,
) -> int:
    """Process items until none is due within ``within_seconds`` (tests, scripts);
    returns how many were handled. Items due later are left pending.
    """
    provider = provider or hub.connectors
    if provider is None:
        raise ConfigurationError("the hub has no connector provider", field="connectors")
    engine = TransferEngine(hub, provider, options)
    total = 0
    empty = 0
    for _ in range(max_batches):
        count = await engine.run_once()
        total += count
        if count:
            empty = 0
            continue
        with hub.unit_of_work() as uow:
            due_soon = uow.queue.count_due(within_seconds=within_seconds)
        if not due_soon:
            empty += 1
            if empty >= idle_rounds:
                break
        await asyncio.sleep(engine.options.prerequisite_delay)
    return total


def attach_workers(app: Any, hub: Hub, concurrency: int) -> None:
    """Run the worker pool inside an ASGI app's lifespan (``ipaas serve``)."""
    inner = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(a: Any) -> AsyncIterator[Any]:
        stop = asyncio.Event()
        task = asyncio.create_task(run_workers(hub, concurrency, stop))
        try:
            async with inner(a) as state:
                yield state
        finally:
            stop.set()
            await task

    app.router.lifespan_context = lifespan
