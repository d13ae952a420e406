"""Mounts the ``/api/v1`` routers, the error table and the request middleware on the app."""

from __future__ import annotations

from fastapi import FastAPI

from ipaas.api import api_keys, audit, auth, companies, me, members, presets, resources, views
from ipaas.api.errors import install_error_handlers
from ipaas.api.middleware import RequestMiddleware, install_request_logging

#: Every router of the HTTP API; a new resource adds its module's ``router`` here.
ROUTERS = (
    auth.router,
    me.router,
    api_keys.router,
    companies.router,
    members.router,
    presets.router,
    views.router,
    views.personal,
    audit.router,
    *resources.ROUTERS,
)


def install_api(app: FastAPI) -> None:
    """Add the API's routers, error handlers and middleware to ``app``."""
    install_error_handlers(app)
    for router in ROUTERS:
        app.include_router(router)
    hub = app.state.hub
    install_request_logging(hub.settings.log_level)
    app.add_middleware(
        RequestMiddleware, max_bytes=hub.settings.max_request_bytes, path_prefix="/api/"
    )
