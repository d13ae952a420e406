"""Fixtures of the security tests: one populated tenant world per module, on SQLite (these
tests are about HTTP and tenancy, not the database; tests/integration runs both)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal

from ipaas.bootstrap import bootstrap
from ipaas.settings import Settings
from security.security_world import SecurityWorld, build_security_world


@pytest.fixture(scope="module")
def module_portal() -> Iterator[BlockingPortal]:
    with start_blocking_portal("asyncio") as running:
        yield running


@pytest.fixture(scope="module")
def security_world(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path, module_portal: BlockingPortal
) -> Iterator[SecurityWorld]:
    """The populated world (``security.security_world``), shared by a module's tests."""
    tmp = tmp_path_factory.mktemp("security")
    path = tmp / "hub.db"
    shutil.copyfile(sqlite_template, path)
    hub = bootstrap(
        Settings(database_url=f"sqlite:///{path}", data_dir=tmp, secret_key="security-key")
    )
    yield build_security_world(hub, module_portal)
    hub.close()
