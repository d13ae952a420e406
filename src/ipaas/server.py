"""The one-process hub: API, dashboard, workers and scheduler in one ASGI app.

``ipaas serve`` and ``ipaas demo`` both run this app; ``--no-workers`` leaves the queue to
``ipaas worker`` processes elsewhere.

The workers run in a thread with an event loop of their own. Their database calls are
synchronous; on the server's loop every batch would hold up webhook intake and API calls
for its whole duration, while in their own thread they only share the interpreter.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI

from ipaas.api.app import create_app
from ipaas.bootstrap import Hub
from ipaas.transfer.provider import ConnectorProvider
from ipaas.transfer.registry_provider import RegistryConnectorProvider
from ipaas.transfer.worker import run_workers
from ipaas.triggers.scheduler import run_scheduler

log = logging.getLogger(__name__)


class WorkerThread:
    """``run_workers`` in a thread of its own, with its own event loop and connectors."""

    def __init__(self, hub: Hub, concurrency: int, provider: ConnectorProvider) -> None:
        self._hub = hub
        self._concurrency = concurrency
        self._provider = provider
        self._started = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, name="ipaas-workers", daemon=True)

    def start(self) -> None:
        """Start the workers and return once their loop runs."""
        self._thread.start()
        self._started.wait(timeout=10)

    def stop(self, timeout: float = 30.0) -> None:
        """Ask the workers to finish their batches and wait for them."""
        if self._loop is not None and self._stop is not None and not self._loop.is_closed():
            with contextlib.suppress(RuntimeError):
                self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout)

    def _run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        self._started.set()
        try:
            await run_workers(self._hub, self._concurrency, self._stop, provider=self._provider)
        except Exception:
            log.exception("the worker pool stopped")
        finally:
            await self._provider.close()


def create_hub_app(hub: Hub, *, workers: int, scheduler: bool = True) -> FastAPI:
    """The hub's app with ``workers`` worker tasks and, if asked, the polling scheduler.

    Connectors come from the registry unless the hub already has a provider. The workers
    get connectors of their own (an HTTP client belongs to one event loop).
    """
    if hub.connectors is None:
        hub.connectors = RegistryConnectorProvider(hub)
    provider = hub.connectors
    worker_provider: ConnectorProvider = (
        RegistryConnectorProvider(hub)
        if isinstance(provider, RegistryConnectorProvider)
        else provider
    )
    app = create_app(hub)
    inner = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(a: Any) -> AsyncIterator[Any]:
        stop = asyncio.Event()
        pool = WorkerThread(hub, workers, worker_provider) if workers > 0 else None
        if pool is not None:
            pool.start()
        task = asyncio.create_task(run_scheduler(hub, stop)) if scheduler else None
        try:
            async with inner(a) as state:
                yield state
        finally:
            stop.set()
            if task is not None:
                await task
            if pool is not None:
                await asyncio.to_thread(pool.stop)
            if provider is not worker_provider:
                await provider.close()

    app.router.lifespan_context = lifespan
    return app
