"""The one-process hub: API, dashboard, workers and scheduler in one ASGI app.

``ipaas serve`` and ``ipaas demo`` both run this app; ``--no-workers`` leaves the queue to
``ipaas worker`` processes elsewhere.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI

from ipaas.api.app import create_app
from ipaas.bootstrap import Hub
from ipaas.transfer.registry_provider import RegistryConnectorProvider
from ipaas.transfer.worker import attach_workers
from ipaas.triggers.scheduler import run_scheduler


def create_hub_app(hub: Hub, *, workers: int, scheduler: bool = True) -> FastAPI:
    """The hub's app with ``workers`` worker tasks and, if asked, the polling scheduler.

    Connectors come from the registry unless the hub already has a provider; the provider
    is closed on shutdown, in the server's own event loop.
    """
    if hub.connectors is None:
        hub.connectors = RegistryConnectorProvider(hub)
    provider = hub.connectors
    app = create_app(hub)
    if workers > 0:
        attach_workers(app, hub, workers)
    inner = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(a: Any) -> AsyncIterator[Any]:
        stop = asyncio.Event()
        task = asyncio.create_task(run_scheduler(hub, stop)) if scheduler else None
        try:
            async with inner(a) as state:
                yield state
        finally:
            stop.set()
            if task is not None:
                await task
            await provider.close()

    app.router.lifespan_context = lifespan
    return app
