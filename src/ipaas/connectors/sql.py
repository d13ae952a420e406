"""The ``sql`` connector: one table per data type in any SQLAlchemy database.

Reads, creates, updates and deletes by a key column; polls by an updated-at column with
the same tie-safe watermark as ``rest``. Statements run in a worker thread (the drivers
are synchronous) and each is recorded as an api call (``SELECT``, ``INSERT``...) whose
URL is the database URL without credentials, plus the table.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, ClassVar

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field

from ipaas.connectors.base import Connector, ExternalRecord, PollPage, SettingField, WriteResult
from ipaas.connectors.paths import resolve_settings
from ipaas.connectors.rest.watermark import Watermark, parse_timestamp
from ipaas.errors import ConfigurationError, NotFoundError, RetriableError, ValidationError


class SqlTableConfig(BaseModel):
    """The table of one data type."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    table: str
    db_schema: str | None = Field(None, alias="schema")
    key_column: str = "id"
    updated_column: str | None = Field(None, description="enables polling")
    #: Set the updated column to now on create and update.
    touch_updated: bool = True


class SqlConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field("${database_url}", description="a SQLAlchemy URL; usually ${database_url}")
    tables: dict[str, SqlTableConfig] = Field(min_length=1)
    page_size: int = Field(500, ge=1, le=100_000)


class SqlConnector(Connector):
    """Records are rows; the data type's ``key_column`` is the external id."""

    name = "sql"
    title = "SQL database table"
    settings_fields = (SettingField("database_url", "password", required=True),)
    config_model: ClassVar[type[SqlConfig]] = SqlConfig

    def __init__(
        self, settings: Mapping[str, Any], http: Any, *, config: SqlConfig | Mapping[str, Any]
    ) -> None:
        super().__init__(settings, http)
        # Validate before resolving, so defaults that name settings are resolved too.
        model = config if isinstance(config, SqlConfig) else SqlConfig.model_validate(dict(config))
        raw = model.model_dump(by_alias=True)
        self.config = SqlConfig.model_validate(resolve_settings(raw, self.settings))
        self.http.add_secret(sa.make_url(self.config.url).password)
        self._engine = sa.create_engine(self.config.url, poolclass=sa.NullPool)
        self._tables: dict[str, sa.Table] = {}
        self._target = self.http.redactor.url(
            sa.make_url(self.config.url).render_as_string(hide_password=True)
        )

    async def read(self, data_type: str, external_id: str) -> ExternalRecord:
        table, cfg = await self._table(data_type)
        query = sa.select(table).where(
            table.c[cfg.key_column] == self._key(table, cfg, external_id)
        )
        rows = await self._run("SELECT", data_type, query)
        if not rows:
            raise NotFoundError(f"{data_type} {external_id} not found")
        return self._external(cfg, rows[0])

    async def create(
        self, data_type: str, record: dict[str, Any], *, idempotency_key: str | None = None
    ) -> WriteResult:
        table, cfg = await self._table(data_type)
        values = self._values(table, cfg, record, data_type)
        if not self._engine.dialect.insert_returning:  # MySQL: insert, then read back
            rows = await self._run("INSERT", data_type, sa.insert(table).values(values))
            key = values.get(cfg.key_column, rows[0]["__key__"] if rows else None)
            created = await self.read(data_type, str(key))
            return WriteResult(created.external_id, created.body)
        query = sa.insert(table).values(values).returning(*table.c)
        rows = await self._run("INSERT", data_type, query, write=True)
        created = self._external(cfg, rows[0])
        return WriteResult(created.external_id, created.body)

    async def update(self, data_type: str, external_id: str, record: dict[str, Any]) -> WriteResult:
        table, cfg = await self._table(data_type)
        values = self._values(table, cfg, record, data_type)
        values.pop(cfg.key_column, None)
        query = (
            sa.update(table)
            .where(table.c[cfg.key_column] == self._key(table, cfg, external_id))
            .values(values)
        )
        if not self._engine.dialect.update_returning:  # MySQL/MariaDB: update, then read back
            await self._run("UPDATE", data_type, query, write=True)
            updated = await self.read(data_type, external_id)
            return WriteResult(updated.external_id, updated.body)
        rows = await self._run("UPDATE", data_type, query.returning(*table.c), write=True)
        if not rows:
            raise NotFoundError(f"{data_type} {external_id} not found")
        updated = self._external(cfg, rows[0])
        return WriteResult(updated.external_id, updated.body)

    async def delete(self, data_type: str, external_id: str) -> None:
        table, cfg = await self._table(data_type)
        key = self._key(table, cfg, external_id)
        query = sa.delete(table).where(table.c[cfg.key_column] == key)
        await self._run("DELETE", data_type, query, write=True)

    async def find(self, data_type: str, match: dict[str, Any]) -> ExternalRecord | None:
        table, cfg = await self._table(data_type)
        unknown = [k for k in match if k not in table.c]
        if unknown or not match:
            return None
        query = sa.select(table).where(*(table.c[k] == v for k, v in match.items())).limit(1)
        rows = await self._run("SELECT", data_type, query)
        return self._external(cfg, rows[0]) if rows else None

    async def poll(self, data_type: str, since: str | None) -> AsyncIterator[PollPage]:
        """Rows by updated column then key, ``page_size`` at a time, after ``since``."""
        table, cfg = await self._table(data_type)
        if not cfg.updated_column:
            raise ConfigurationError(
                f"polling {data_type} needs tables.{data_type}.updated_column",
                field=f"tables.{data_type}.updated_column",
            )
        updated, key = table.c[cfg.updated_column], table.c[cfg.key_column]
        mark = Watermark.parse(since)
        start = mark.copy()
        offset = 0
        while True:
            query = sa.select(table).order_by(updated, key)
            if start.ts is not None:
                query = query.where(updated >= self._db_time(start.ts))
            query = query.limit(self.config.page_size).offset(offset)
            rows = await self._run("SELECT", data_type, query)
            offset += len(rows)
            records = []
            for row in rows:
                record = self._external(cfg, row)
                if start.seen(record.updated_at, record.external_id):
                    continue
                records.append(record)
                mark.advance(record.updated_at, record.external_id)
            yield PollPage(records, mark.dump() or since)
            if len(rows) < self.config.page_size:
                return

    async def test_connection(self) -> None:
        await self._run("SELECT", None, sa.select(sa.literal(1)))

    async def close(self) -> None:
        self._engine.dispose()
        close = getattr(self.http, "close", None)
        if close is not None:
            await close()

    # -- internals ------------------------------------------------------------------------

    async def _table(self, data_type: str) -> tuple[sa.Table, SqlTableConfig]:
        cfg = self.config.tables.get(data_type)
        if cfg is None:
            raise ConfigurationError(f"no table is configured for {data_type}", field="tables")
        if data_type not in self._tables:
            self._tables[data_type] = await asyncio.to_thread(self._reflect, cfg)
        table = self._tables[data_type]
        for column in (cfg.key_column, cfg.updated_column):
            if column and column not in table.c:
                raise ConfigurationError(
                    f"table {cfg.table} has no column {column!r}", field=f"tables.{data_type}"
                )
        return table, cfg

    def _reflect(self, cfg: SqlTableConfig) -> sa.Table:
        try:
            return sa.Table(
                cfg.table, sa.MetaData(), schema=cfg.db_schema, autoload_with=self._engine
            )
        except sa.exc.NoSuchTableError:
            raise ConfigurationError(f"table {cfg.table} does not exist", field="table") from None
        except sa.exc.OperationalError as exc:
            raise RetriableError(f"the database cannot be reached: {exc.orig}") from None

    def _values(
        self, table: sa.Table, cfg: SqlTableConfig, record: Mapping[str, Any], data_type: str
    ) -> dict[str, Any]:
        unknown = [k for k in record if k not in table.c]
        if unknown:
            raise ValidationError(
                f"{data_type} has no column {unknown[0]!r} in table {cfg.table}", field=unknown[0]
            )
        values = {k: _to_db(table.c[k], v) for k, v in record.items()}
        if cfg.updated_column and cfg.touch_updated:
            values[cfg.updated_column] = self._db_time(datetime.now(UTC))
        return values

    def _db_time(self, value: datetime) -> datetime:
        # SQLite keeps no time zone: store and compare naive UTC.
        if self._engine.dialect.name == "sqlite":
            return value.astimezone(UTC).replace(tzinfo=None)
        return value

    @staticmethod
    def _key(table: sa.Table, cfg: SqlTableConfig, external_id: str) -> Any:
        column = table.c[cfg.key_column]
        if isinstance(column.type, sa.Integer):
            try:
                return int(external_id)
            except ValueError:
                raise NotFoundError(f"{external_id!r} is not a valid key") from None
        return external_id

    def _external(self, cfg: SqlTableConfig, row: Mapping[str, Any]) -> ExternalRecord:
        body = {k: _to_json(v) for k, v in row.items()}
        updated = parse_timestamp(row[cfg.updated_column]) if cfg.updated_column else None
        return ExternalRecord(str(row[cfg.key_column]), body, updated_at=updated)

    async def _run(
        self, verb: str, data_type: str | None, statement: sa.Executable, *, write: bool = False
    ) -> list[Mapping[str, Any]]:
        table = getattr(statement, "table", None)
        name = getattr(table, "fullname", None) or data_type or ""
        target = f"{self._target}/{name}" if name else self._target
        async with self.http.track(verb, target) as call:
            rows = await asyncio.to_thread(self._execute, statement, write)
            call.status = 200
            call.response_body = json.dumps(
                [{k: _to_json(v) for k, v in r.items()} for r in rows[:20]], default=str
            ).encode()
            return rows

    def _execute(self, statement: sa.Executable, write: bool) -> list[Mapping[str, Any]]:
        try:
            with self._engine.begin() as conn:
                result = conn.execute(statement)
                if result.returns_rows:
                    return [dict(r._mapping) for r in result]
                if isinstance(statement, sa.Insert) and result.inserted_primary_key:
                    return [{"__key__": result.inserted_primary_key[0]}]
                return []
        except sa.exc.IntegrityError as exc:
            raise ValidationError(f"the database refused the row: {exc.orig}") from None
        except sa.exc.OperationalError as exc:
            raise RetriableError(f"the database failed: {exc.orig}") from None


def _to_json(value: Any) -> Any:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return value


def _to_db(column: sa.Column[Any], value: Any) -> Any:
    if isinstance(value, str) and isinstance(column.type, sa.DateTime):
        parsed = parse_timestamp(value)
        if parsed is not None:
            return (
                parsed.astimezone(UTC).replace(tzinfo=None) if not column.type.timezone else parsed
            )
    if isinstance(value, str) and isinstance(column.type, sa.Numeric):
        return Decimal(value)
    return value
