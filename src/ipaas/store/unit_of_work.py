"""The unit of work: one transaction, with the repositories that write inside it."""

from __future__ import annotations

from types import TracebackType

import sqlalchemy as sa

from ipaas.store.external_ids import ExternalIdRepository
from ipaas.store.queue import QueueRepository
from ipaas.store.records import HubRecordRepository
from ipaas.store.tenants import TenantRepository


class UnitOfWork:
    """``with uow: ...; uow.commit()``. Whatever is not committed rolls back on exit."""

    conn: sa.Connection
    hub_records: HubRecordRepository
    external_ids: ExternalIdRepository
    queue: QueueRepository
    tenants: TenantRepository

    def __init__(self, engine: sa.Engine, *, read_only: bool = False) -> None:
        self._engine = engine
        #: Opened for reading only (see ``Hub.unit_of_work``).
        self.read_only = read_only

    def __enter__(self) -> UnitOfWork:
        # The connection begins a transaction on its first statement (SQLAlchemy autobegin).
        self.conn = self._engine.connect()
        if self.read_only and self.conn.dialect.name == "postgresql":
            # SQLite's reader engine refuses writes by itself; here the transaction does.
            self.conn = self.conn.execution_options(postgresql_readonly=True)
        self.hub_records = HubRecordRepository(self.conn)
        self.external_ids = ExternalIdRepository(self.conn)
        self.queue = QueueRepository(self.conn)
        self.tenants = TenantRepository(self.conn)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.conn.rollback()
        finally:
            self.conn.close()

    def commit(self) -> None:
        """Commit everything done so far; the next statement begins a new transaction."""
        self.conn.commit()

    def rollback(self) -> None:
        """Undo everything since the last commit."""
        self.conn.rollback()
