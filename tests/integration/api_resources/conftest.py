"""Fixtures of the resource-API tests: the tenant world on each database, or SQLite only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal
from resources_support import World, build_world

from ipaas.bootstrap import Hub
from loopback_support import sqlite_hub


@pytest.fixture
def portal() -> Iterator[BlockingPortal]:
    with start_blocking_portal("asyncio") as running:
        yield running


@pytest.fixture
def world(hub: Hub, portal: BlockingPortal) -> World:
    """The world on each database (SQLite and PostgreSQL)."""
    return build_world(hub, portal)


@pytest.fixture
def sqlite_world(tmp_path: Path, sqlite_template: Path, portal: BlockingPortal) -> Iterator[World]:
    """The world on SQLite only (for tests about HTTP, not the database)."""
    with sqlite_hub(tmp_path, sqlite_template) as hub:
        yield build_world(hub, portal)
