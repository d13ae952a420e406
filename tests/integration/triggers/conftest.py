"""Fixtures of the triggers tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from triggers_support import Spoke, add_subscription

from ipaas.api.app import create_app
from ipaas.bootstrap import Hub


@pytest.fixture
def spoke(hub: Hub) -> Spoke:
    """A subscription reading products and customers through the generic hook."""
    return add_subscription(hub)


@pytest.fixture
async def client(hub: Hub) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client talking to the hub's app in process."""
    transport = httpx.ASGITransport(app=create_app(hub))
    async with httpx.AsyncClient(transport=transport, base_url="http://hub") as http:
        yield http


@pytest.fixture
def anyio_backend() -> str:
    """Async tests run on asyncio."""
    return "asyncio"
