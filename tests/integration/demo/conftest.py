"""Fixtures for the demo systems: in-process apps, clients and a real webhook receiver."""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field

import httpx
import pytest
import uvicorn
from fastapi import FastAPI, Request, Response

from ipaas.demo.erp import create_erp_app
from ipaas.demo.shop import create_shop_app
from ipaas.demo.systems.settings import DemoSettings
from loopback_support import free_port

SHOP_TOKEN = {"X-Shop-Token": "shop-demo-token"}
FAST = DemoSettings(webhook_backoff_s=0.01, webhook_batch_window_s=0.05, default_page_size=5)


@pytest.fixture
def anyio_backend() -> str:
    """Async tests run on asyncio."""
    return "asyncio"


@pytest.fixture
def shop_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    """A storefront on its own SQLite file."""
    app = create_shop_app(str(tmp_path_factory.mktemp("shop") / "shop.db"), FAST)
    yield app
    app.state.system.close()


@pytest.fixture
def erp_app() -> Iterator[FastAPI]:
    """An ERP on a temporary database."""
    app = create_erp_app(None, FAST)
    yield app
    app.state.system.close()


@pytest.fixture
async def shop(shop_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the storefront with a valid token."""
    transport = httpx.ASGITransport(app=shop_app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://shop", headers=SHOP_TOKEN
    ) as client:
        yield client


async def erp_token(client: httpx.AsyncClient) -> str:
    """A bearer token from the ERP's OAuth endpoint."""
    form = {
        "grant_type": "client_credentials",
        "client_id": "erp-demo-client",
        "client_secret": "erp-demo-secret",
    }
    response = await client.post("/oauth/token", data=form)
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


@pytest.fixture
def get_erp_token() -> Callable[[httpx.AsyncClient], Awaitable[str]]:
    """The function that fetches a bearer token (for tests that manage tokens)."""
    return erp_token


@pytest.fixture
async def erp(erp_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the ERP holding a bearer token."""
    transport = httpx.ASGITransport(app=erp_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://erp") as client:
        client.headers["Authorization"] = f"Bearer {await erp_token(client)}"
        yield client


@dataclass
class Received:
    """One request the receiver got."""

    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A webhook receiver on 127.0.0.1; answers 500 to the first ``fail_first`` calls."""

    url: str
    requests: list[Received] = field(default_factory=list)
    fail_first: int = 0

    def wait_for(self, count: int, timeout: float = 5.0) -> list[Received]:
        """Wait until ``count`` requests arrived (bounded) and return them."""
        deadline = time.monotonic() + timeout
        while len(self.requests) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return list(self.requests)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A real HTTP server on 127.0.0.1 that records webhook deliveries."""
    port = free_port()
    state = Receiver(url=f"http://127.0.0.1:{port}/hook")
    app = FastAPI()
    calls = {"n": 0}

    @app.post("/hook")
    async def hook(request: Request) -> Response:
        calls["n"] += 1
        if calls["n"] <= state.fail_first:
            return Response(status_code=500)
        state.requests.append(Received(dict(request.headers), await request.body()))
        return Response(status_code=204)

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    yield state
    server.should_exit = True
    thread.join(timeout=10)
