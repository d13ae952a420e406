"""Fixtures of the resource-API tests: the tenant world on each database, or SQLite only."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal
from resources_support import World, build_world

from ipaas.bootstrap import Hub, bootstrap
from ipaas.settings import Settings


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
    path = tmp_path / "hub.db"
    shutil.copyfile(sqlite_template, path)
    hub = bootstrap(
        Settings(database_url=f"sqlite:///{path}", data_dir=tmp_path, secret_key="test-key")
    )
    yield build_world(hub, portal)
    hub.close()
