"""``ipaas worker``: a process that only runs queue workers (scale out on PostgreSQL)."""

from __future__ import annotations

import asyncio
import importlib
import logging
import signal

import typer

from ipaas.bootstrap import Hub, bootstrap
from ipaas.settings import Settings
from ipaas.transfer.engine import WorkerOptions
from ipaas.transfer.provider import ConnectorProvider


def load_provider(hub: Hub, spec: str | None) -> ConnectorProvider:
    """The connector provider: ``module:factory`` (called with the hub), or the hub's own."""
    if spec:
        module, _, name = spec.partition(":")
        factory = getattr(importlib.import_module(module), name)
        provider: ConnectorProvider = factory(hub)
        return provider
    if hub.connectors is None:
        from ipaas.transfer.registry_provider import hub_connector_provider

        return hub_connector_provider(hub)
    return hub.connectors


def worker(
    concurrency: int = typer.Option(None, help="worker tasks (default IPAAS_WORKERS)"),
    batch_size: int = typer.Option(50, help="items claimed at once per task"),
    lease_seconds: float = typer.Option(120.0, help="how long a claimed item stays leased"),
    provider: str = typer.Option(None, help="module:factory building the connector provider"),
) -> None:
    """Run queue workers until stopped (SIGINT/SIGTERM)."""
    from ipaas.transfer.worker import run_workers

    settings = Settings()
    logging.basicConfig(level=settings.log_level.upper())
    hub = bootstrap(settings)
    hub.connectors = load_provider(hub, provider)
    options = WorkerOptions(batch_size=batch_size, lease_seconds=lease_seconds)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        try:
            await run_workers(hub, concurrency or settings.workers or 1, stop, options=options)
        finally:
            if hub.connectors is not None:
                await hub.connectors.close()

    try:
        asyncio.run(main())
    finally:
        hub.close()
