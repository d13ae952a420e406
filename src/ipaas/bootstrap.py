"""The composition root: builds the engine, the unit of work and the services from settings.

Nothing opens a connection at import time; tests pass their own settings in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import sqlalchemy as sa

from ipaas.settings import Settings
from ipaas.store import migrate
from ipaas.store.engine import create_engine, create_read_engine
from ipaas.store.unit_of_work import UnitOfWork

if TYPE_CHECKING:
    from ipaas.transfer.provider import ConnectorProvider


@dataclass
class Hub:
    """Everything a running hub is made of, built once by ``bootstrap``."""

    settings: Settings
    engine: sa.Engine
    extras: dict[str, object] = field(default_factory=dict)
    #: Gives each subscription's connector to the transfer engine (None: no workers).
    connectors: ConnectorProvider | None = None
    #: Where read-only units of work go (SQLite's reader engine); None: ``engine``.
    read_engine: sa.Engine | None = None

    def unit_of_work(self, *, read_only: bool = False) -> UnitOfWork:
        """A new unit of work on the hub's database. A ``read_only`` one never waits for
        writers, and a write inside it fails."""
        if read_only and self.read_engine is not None:
            return UnitOfWork(self.read_engine, read_only=True)
        return UnitOfWork(self.engine, read_only=read_only)

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()
        if self.read_engine is not None:
            self.read_engine.dispose()


def bootstrap(settings: Settings | None = None, *, migrate_database: bool = False) -> Hub:
    """Build a hub from ``settings`` (read from the environment when None)."""
    settings = settings or Settings()
    url = settings.resolved_database_url
    if migrate_database:
        migrate.upgrade(url)
    engine = create_engine(url, echo=settings.debug_sql)
    read_engine = create_read_engine(url, echo=settings.debug_sql)
    return Hub(settings=settings, engine=engine, read_engine=read_engine)
