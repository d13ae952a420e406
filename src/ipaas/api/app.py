"""The FastAPI application: routers per resource, mounted on one app."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi import FastAPI

import ipaas
from ipaas.api.v1 import install_api
from ipaas.bootstrap import Hub
from ipaas.triggers.api import install_webhooks
from ipaas.web import install_dashboard


def create_app(hub: Hub) -> FastAPI:
    """The HTTP application of ``hub``."""
    app = FastAPI(title="ipaas", version=ipaas.__version__)
    app.state.hub = hub
    install_webhooks(app, hub)
    install_api(app)
    install_dashboard(app)

    @app.get("/healthz", tags=["health"])
    def healthz() -> dict[str, str]:
        """Whether the hub is up and its database answers."""
        with hub.engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        return {"status": "ok", "version": ipaas.__version__}

    return app
