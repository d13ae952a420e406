"""Mounts the dashboard's routers and static files on the hub's app."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).parent / "static"


def install_dashboard(app: FastAPI) -> None:
    """Serve the dashboard under ``/app`` (and send ``/`` there)."""
    from ipaas.web import (
        pages_api_calls,
        pages_auth,
        pages_mappings,
        pages_members,
        pages_monitoring,
        pages_portal,
        pages_records,
        pages_subscriptions,
    )

    for module in (
        pages_auth,
        pages_monitoring,
        pages_api_calls,
        pages_records,
        pages_subscriptions,
        pages_mappings,
        pages_portal,
        pages_members,
    ):
        for router in module.ROUTERS:
            app.include_router(router)
    app.mount("/app/static", StaticFiles(directory=STATIC), name="dashboard-static")

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/app/", status_code=307)
