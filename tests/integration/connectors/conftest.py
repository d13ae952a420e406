"""Fixtures for connector tests: a webhook receiver and a subscription with a recorder."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from connector_support import Delivery, Logged, WebhookReceiver
from fastapi import FastAPI, Request, Response

from ipaas.bootstrap import Hub
from ipaas.connectors.recorder import ApiCallRecorder
from loopback_support import serve_in_thread


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    """A real webhook receiver on 127.0.0.1."""
    app = FastAPI()
    holder: list[WebhookReceiver] = []

    @app.post("/hook")
    async def hook(request: Request) -> Response:
        holder[0].deliveries.append(Delivery(dict(request.headers), await request.body()))
        return Response(status_code=204)

    with serve_in_thread(app) as base:
        holder.append(WebhookReceiver(f"{base}/hook"))
        yield holder[0]


@pytest.fixture
def logged(hub: Hub) -> Iterator[Logged]:
    """A subscription on a fresh hub database and a recorder for its api calls."""
    with hub.unit_of_work() as uow:
        integrator = uow.tenants.create_company("Builder", "integrator")
        company = uow.tenants.create_company("Acme", "subscriber")
        integration = uow.tenants.create_integration(integrator, "it", "It", "rest")
        subscription = uow.tenants.create_subscription(company, integration, "it")
        uow.commit()
    recorder = ApiCallRecorder(hub.engine, flush_interval=0.05).start()
    yield Logged(hub, subscription, recorder)
    recorder.close()
