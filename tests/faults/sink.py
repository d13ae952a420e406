"""A target system a worker subprocess can reach: records in a table of the hub's database,
with creates keyed by idempotency key (so a repeated create returns the first record)."""

from __future__ import annotations

import json
from typing import Any, ClassVar

import sqlalchemy as sa

from ipaas.bootstrap import Hub
from ipaas.connectors.base import Connector, ExternalRecord, WriteResult
from ipaas.transfer.provider import ConnectorProvider

SINK_DDL = (
    "CREATE TABLE IF NOT EXISTS sink_records (id bigserial primary key, "
    "idempotency_key text unique, code text, body text, writes int not null default 1)"
)


class SinkConnector(Connector):
    name: ClassVar[str] = "sink"
    idempotent_create: ClassVar[bool] = True

    def __init__(self, engine: sa.Engine) -> None:
        super().__init__({}, None)
        self.engine = engine

    async def read(self, data_type: str, external_id: str) -> ExternalRecord:
        raise NotImplementedError

    async def create(
        self, data_type: str, record: dict[str, Any], *, idempotency_key: str | None = None
    ) -> WriteResult:
        with self.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO sink_records (idempotency_key, code, body) VALUES (:k, :c, :b) "
                    "ON CONFLICT (idempotency_key) DO UPDATE SET writes = sink_records.writes + 1"
                ),
                {"k": idempotency_key, "c": record.get("code"), "b": json.dumps(record)},
            )
            new_id = conn.execute(
                sa.text("SELECT id FROM sink_records WHERE idempotency_key = :k"),
                {"k": idempotency_key},
            ).scalar_one()
        return WriteResult(str(new_id))

    async def update(self, data_type: str, external_id: str, record: dict[str, Any]) -> WriteResult:
        with self.engine.begin() as conn:
            conn.execute(
                sa.text("UPDATE sink_records SET body = :b WHERE id = :i"),
                {"b": json.dumps(record), "i": int(external_id)},
            )
        return WriteResult(external_id)

    async def delete(self, data_type: str, external_id: str) -> None:
        return None


class SinkProvider:
    def __init__(self, hub: Hub) -> None:
        self.connector = SinkConnector(hub.engine)

    def get(self, subscription_id: int) -> Connector:
        return self.connector

    async def close(self) -> None:
        return None


def provider(hub: Hub) -> ConnectorProvider:
    """Factory for ``ipaas worker --provider faults.sink:provider``."""
    return SinkProvider(hub)
