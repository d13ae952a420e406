"""``ipaas serve``: the API, the dashboard, the workers and the scheduler in one process."""

from __future__ import annotations

import typer
import uvicorn

from ipaas.api.app import create_app
from ipaas.bootstrap import bootstrap
from ipaas.settings import Settings


def serve(
    host: str = typer.Option(None, help="address to listen on (default IPAAS_HOST)"),
    port: int = typer.Option(None, help="port to listen on (default IPAAS_PORT)"),
    workers: bool = typer.Option(True, "--workers/--no-workers", help="run queue workers here"),
) -> None:
    """Serve the hub. An embedded SQLite database is migrated on start."""
    settings = Settings()
    hub = bootstrap(settings, migrate_database=settings.is_sqlite)
    hub.extras["run_workers"] = workers
    if hub.connectors is None:
        from ipaas.transfer.registry_provider import hub_connector_provider

        hub.connectors = hub_connector_provider(hub)
    app = create_app(hub)
    if workers and settings.workers and hub.connectors is not None:
        from ipaas.transfer.worker import attach_workers

        attach_workers(app, hub, settings.workers)
    try:
        uvicorn.run(
            app,
            host=host or settings.host,
            port=port or settings.port,
            log_level=settings.log_level,
        )
    finally:
        hub.close()
