"""Shared fixtures: a fresh, migrated database per test on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from ipaas.bootstrap import Hub, bootstrap
from ipaas.settings import Settings
from ipaas.store import migrate

PG_ADMIN_URL = os.environ.get(
    "IPAAS_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
_RUN = f"{os.getpid()}_{uuid.uuid4().hex[:6]}"


def _pg_admin() -> sa.Engine:
    return sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)


def _pg_url(database: str) -> str:
    return sa.make_url(PG_ADMIN_URL).set(database=database).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file that tests copy instead of migrating again."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    migrate.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """A migrated PostgreSQL database that tests clone with CREATE DATABASE ... TEMPLATE."""
    name = f"ipaas_tpl_{_RUN}"
    admin = _pg_admin()
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    migrate.upgrade(_pg_url(name))
    yield name
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def make_database(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Yield the URL of a fresh migrated database of ``kind`` (sqlite or postgresql)."""
    if kind == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "hub.db"
        shutil.copyfile(template, path)
        yield f"sqlite:///{path}"
        return
    template_name: str = request.getfixturevalue("pg_template")
    name = f"ipaas_t_{_RUN}_{uuid.uuid4().hex[:8]}"
    admin = _pg_admin()
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{template_name}"')
    try:
        yield _pg_url(name)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh migrated database, once on SQLite and once on PostgreSQL."""
    yield from make_database(request.param, request, tmp_path)


@pytest.fixture
def pg_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh migrated PostgreSQL database (for tests that need real concurrency)."""
    yield from make_database("postgresql", request, tmp_path)


@pytest.fixture
def hub(database_url: str, tmp_path: Path) -> Iterator[Hub]:
    """A hub on a fresh database of each kind."""
    built = bootstrap(
        Settings(database_url=database_url, data_dir=tmp_path, secret_key="test-secret-key")
    )
    yield built
    built.close()
