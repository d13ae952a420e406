"""``ipaas serve``: the API, the dashboard, the workers and the scheduler in one process."""

from __future__ import annotations

import typer
import uvicorn

from ipaas.bootstrap import bootstrap
from ipaas.server import create_hub_app
from ipaas.settings import Settings


def serve(
    host: str = typer.Option(None, help="address to listen on (default IPAAS_HOST)"),
    port: int = typer.Option(None, help="port to listen on (default IPAAS_PORT)"),
    workers: bool = typer.Option(True, "--workers/--no-workers", help="run queue workers here"),
    scheduler: bool = typer.Option(
        True, "--scheduler/--no-scheduler", help="run the polling scheduler here"
    ),
) -> None:
    """Serve the hub. An embedded SQLite database is migrated on start."""
    settings = Settings()
    hub = bootstrap(settings, migrate_database=settings.is_sqlite)
    app = create_hub_app(hub, workers=settings.workers if workers else 0, scheduler=scheduler)
    try:
        uvicorn.run(
            app,
            host=host or settings.host,
            port=port or settings.port,
            log_level=settings.log_level,
        )
    finally:
        hub.close()
