"""The hub of the demo as ``ipaas serve`` runs it: API, dashboard, workers and scheduler
in one process, its connectors built by the real provider."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from ipaas.api.app import create_app
from ipaas.bootstrap import Hub
from ipaas.transfer.registry_provider import RegistryConnectorProvider
from ipaas.transfer.worker import attach_workers
from ipaas.triggers.scheduler import run_scheduler

log = logging.getLogger(__name__)


def _install_dashboard(app: Any) -> None:
    if any(str(getattr(r, "path", "")).startswith("/app") for r in app.routes):
        return
    try:
        from ipaas.web import install_dashboard
    except ImportError:  # the dashboard is optional for the demo
        return
    try:
        install_dashboard(app)
    except Exception:
        log.warning("the dashboard could not be mounted", exc_info=True)


def create_hub_app(hub: Hub, workers: int) -> Any:
    """The hub's ASGI app with ``workers`` worker tasks and the scheduler in its lifespan;
    the connector provider is closed on shutdown, in the server's own event loop."""
    provider = RegistryConnectorProvider(hub)
    hub.connectors = provider
    app = create_app(hub)
    _install_dashboard(app)
    attach_workers(app, hub, workers)
    inner = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(a: Any) -> AsyncIterator[Any]:
        stop = asyncio.Event()
        scheduler = asyncio.create_task(run_scheduler(hub, stop))
        try:
            async with inner(a) as state:
                yield state
        finally:
            stop.set()
            await scheduler
            await provider.close()

    app.router.lifespan_context = lifespan
    return app
