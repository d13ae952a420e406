"""The statements the transfer engine needs beyond the shared repositories.

Subscriptions and their mapping collections as the engine sees them, bulk look-ups of
hub records and links for a claim batch, throttle state, logs and initialization progress.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from ipaas.store.records import HubRecord, _row_to_record
from ipaas.store.tables import (
    external_ids,
    hub_record_versions,
    hub_records,
    integrations,
    lookup_tables,
    mapping_collections,
    subscriptions,
)
from ipaas.store.transfer_tables import (
    activity_log,
    extra_external_ids,
    initializations,
    subscription_throttle,
    technical_log,
    throttle_slots,
)
from ipaas.store.types import utcnow

# Statements every claim batch runs, built once (bound, expanding ``ids``).
_HUB_RECORDS_BY_ID = sa.select(hub_records).where(
    hub_records.c.id.in_(sa.bindparam("ids", expanding=True))
)
_LINKS_BY_HUB_ID = sa.select(
    external_ids.c.hub_record_id, external_ids.c.external_id, external_ids.c.synced_hash
).where(
    external_ids.c.subscription_id == sa.bindparam("sub"),
    external_ids.c.data_type == sa.bindparam("dt"),
    external_ids.c.hub_record_id.in_(sa.bindparam("ids", expanding=True)),
)


@dataclass(frozen=True, slots=True)
class SubscriptionInfo:
    """What the transfer engine needs to know about a subscription."""

    id: int
    company_id: int
    integration_id: int
    name: str
    connector: str
    settings: dict[str, Any]
    flows: dict[str, Any]
    throttle_rate: float | None
    throttle_period: str
    throttle_concurrency: int | None
    paused: bool
    #: The preset fields the integration declares (``definition.settings``): they say
    #: which settings are secret.
    declared_settings: tuple[dict[str, Any], ...] = field(default=())

    def flows_to_hub(self, data_type: str) -> bool:
        """Whether the subscription sends ``data_type`` to the hub."""
        return bool((self.flows.get(data_type) or {}).get("to_hub"))

    def flows_from_hub(self, data_type: str) -> bool:
        """Whether the subscription receives ``data_type`` from the hub."""
        return bool((self.flows.get(data_type) or {}).get("from_hub"))


@dataclass(frozen=True, slots=True)
class InitializationRow:
    id: int
    subscription_id: int
    data_type: str
    direction: str
    state: str
    cursor: str | None
    pages: int
    records: int
    tracking_id: str
    debug: bool
    last_error: str | None


_SUB_COLUMNS = (
    subscriptions.c.id,
    subscriptions.c.company_id,
    subscriptions.c.integration_id,
    subscriptions.c.name,
    integrations.c.connector,
    subscriptions.c.settings,
    subscriptions.c.flows,
    subscriptions.c.throttle_rate,
    subscriptions.c.throttle_period,
    subscriptions.c.throttle_concurrency,
    subscriptions.c.paused,
    integrations.c.definition.label("integration_definition"),
)


def _sub(m: Any) -> SubscriptionInfo:
    return SubscriptionInfo(
        id=int(m["id"]),
        company_id=int(m["company_id"]),
        integration_id=int(m["integration_id"]),
        name=m["name"],
        connector=m["connector"],
        settings=dict(m["settings"] or {}),
        flows=dict(m["flows"] or {}),
        throttle_rate=m["throttle_rate"],
        throttle_period=m["throttle_period"] or "second",
        throttle_concurrency=m["throttle_concurrency"],
        paused=bool(m["paused"]),
        declared_settings=tuple(
            entry
            for entry in (m["integration_definition"] or {}).get("settings") or ()
            if isinstance(entry, dict)
        ),
    )


class TransferStore:
    """Reads and writes of the transfer engine inside one connection's transaction."""

    def __init__(self, conn: sa.Connection) -> None:
        self._conn = conn

    # --- subscriptions and mappings ---------------------------------------------------

    def subscription(self, subscription_id: int) -> SubscriptionInfo | None:
        """One subscription, or None."""
        row = self._conn.execute(
            sa.select(*_SUB_COLUMNS)
            .join(integrations, integrations.c.id == subscriptions.c.integration_id)
            .where(subscriptions.c.id == subscription_id)
        ).first()
        return _sub(row._mapping) if row is not None else None

    def company_subscriptions(self, company_id: int) -> list[SubscriptionInfo]:
        """Every subscription of a company, by id."""
        rows = self._conn.execute(
            sa.select(*_SUB_COLUMNS)
            .join(integrations, integrations.c.id == subscriptions.c.integration_id)
            .where(subscriptions.c.company_id == company_id)
            .order_by(subscriptions.c.id)
        )
        return [_sub(r._mapping) for r in rows]

    def mapping_definitions(self, subscription_id: int) -> list[dict[str, Any]]:
        """The top-level mapping collections of a subscription (``definition`` JSON)."""
        mc = mapping_collections
        rows = self._conn.execute(
            sa.select(mc.c.definition, mc.c.data_type, mc.c.direction, mc.c.name, mc.c.sync_type)
            .where(mc.c.subscription_id == subscription_id, mc.c.parent_id.is_(None))
            .order_by(mc.c.sort_order, mc.c.id)
        )
        found = []
        for r in rows:
            definition = dict(r.definition or {})
            definition.setdefault("data_type", r.data_type)
            definition.setdefault("direction", r.direction)
            definition.setdefault("name", r.name)
            definition.setdefault("sync_type", r.sync_type)
            found.append(definition)
        return found

    def lookup_definitions(self, subscription_id: int, integration_id: int) -> list[dict[str, Any]]:
        """Lookup tables of the integration, then of the subscription (which win by name)."""
        lt = lookup_tables
        rows = self._conn.execute(
            sa.select(lt.c.definition, lt.c.name, lt.c.subscription_id)
            .where(
                sa.or_(
                    lt.c.subscription_id == subscription_id, lt.c.integration_id == integration_id
                )
            )
            .order_by(lt.c.subscription_id.is_not(None), lt.c.id)
        )
        return [{"name": r.name, **dict(r.definition or {})} for r in rows]

    # --- hub records and links, in bulk ------------------------------------------------

    def hub_records_by_id(self, ids: list[int]) -> dict[int, HubRecord]:
        """Hub records by id (any company: callers check the company)."""
        found: dict[int, HubRecord] = {}
        for chunk in _chunks(sorted(set(ids))):
            for row in self._conn.execute(_HUB_RECORDS_BY_ID, {"ids": chunk}):
                record = _row_to_record(row)
                found[record.id] = record
        return found

    def hub_record_page(
        self, company_id: int, data_type: str, after_id: int, limit: int
    ) -> list[tuple[int, bool]]:
        """(id, deleted) of the next ``limit`` hub records of a type after ``after_id``."""
        hr = hub_records
        rows = self._conn.execute(
            sa.select(hr.c.id, hr.c.deleted)
            .where(hr.c.company_id == company_id, hr.c.data_type == data_type, hr.c.id > after_id)
            .order_by(hr.c.id)
            .limit(limit)
        )
        return [(int(r.id), bool(r.deleted)) for r in rows]

    def links_by_hub_id(
        self, subscription_id: int, data_type: str, hub_ids: list[int]
    ) -> dict[int, tuple[str, str | None]]:
        """hub id -> (external id, synced hash) in one subscription."""
        found: dict[int, tuple[str, str | None]] = {}
        for chunk in _chunks(sorted(set(hub_ids))):
            rows = self._conn.execute(
                _LINKS_BY_HUB_ID, {"sub": subscription_id, "dt": data_type, "ids": chunk}
            )
            for r in rows:
                found[int(r.hub_record_id)] = (r.external_id, r.synced_hash)
        return found

    def links_by_external_id(
        self, subscription_id: int, data_type: str, external: list[str]
    ) -> dict[str, int]:
        """external id -> hub id in one subscription."""
        x = external_ids
        found: dict[str, int] = {}
        for chunk in _chunks(sorted(set(external))):
            rows = self._conn.execute(
                sa.select(x.c.external_id, x.c.hub_record_id).where(
                    x.c.subscription_id == subscription_id,
                    x.c.data_type == data_type,
                    x.c.external_id.in_(chunk),
                )
            )
            for r in rows:
                found[r.external_id] = int(r.hub_record_id)
        return found

    def links_of_record(self, hub_record_id: int) -> dict[int, str]:
        """subscription id -> external id of one hub record."""
        x = external_ids
        rows = self._conn.execute(
            sa.select(x.c.subscription_id, x.c.external_id).where(
                x.c.hub_record_id == hub_record_id
            )
        )
        return {int(r.subscription_id): r.external_id for r in rows}

    def version_body(self, hub_record_id: int, digest: str) -> dict[str, Any] | None:
        """The body of the newest version of a record with content hash ``digest``."""
        v = hub_record_versions
        row = self._conn.execute(
            sa.select(v.c.body)
            .where(v.c.hub_record_id == hub_record_id, v.c.content_hash == digest)
            .order_by(v.c.version.desc())
            .limit(1)
        ).first()
        return dict(row.body) if row is not None else None

    def store_extra_ids(
        self, subscription_id: int, data_type: str, hub_record_id: int, ids: dict[str, str]
    ) -> None:
        """Remember extra ids a target returned (replacing those stored before)."""
        e = extra_external_ids
        self._conn.execute(
            sa.delete(e).where(
                e.c.subscription_id == subscription_id,
                e.c.data_type == data_type,
                e.c.hub_record_id == hub_record_id,
            )
        )
        if ids:
            self._conn.execute(
                sa.insert(e),
                [
                    {
                        "subscription_id": subscription_id,
                        "data_type": data_type,
                        "hub_record_id": hub_record_id,
                        "name": name[:200],
                        "external_id": str(value)[:255],
                    }
                    for name, value in ids.items()
                ],
            )

    def extra_ids(self, subscription_id: int, data_type: str, hub_record_id: int) -> dict[str, str]:
        """Extra ids stored for a record in one subscription."""
        e = extra_external_ids
        rows = self._conn.execute(
            sa.select(e.c.name, e.c.external_id).where(
                e.c.subscription_id == subscription_id,
                e.c.data_type == data_type,
                e.c.hub_record_id == hub_record_id,
            )
        )
        return {r.name: r.external_id for r in rows}

    # --- throttle -----------------------------------------------------------------------

    def _ensure_throttle_row(self, subscription_id: int) -> None:
        t = subscription_throttle
        exists = self._conn.execute(
            sa.select(t.c.subscription_id).where(t.c.subscription_id == subscription_id)
        ).first()
        if exists is None:
            stmt = _insert_ignore(self._conn, t).values(
                subscription_id=subscription_id, next_slot_at=0.0, paused_until=0.0
            )
            self._conn.execute(stmt)

    def reserve_calls(self, subscription_id: int, interval: float, count: int, now: float) -> float:
        """Reserve ``count`` call slots ``interval`` seconds apart; returns the first slot's time.

        The row lock (PostgreSQL) or the write lock (SQLite) makes the reservation atomic
        across every worker process.
        """
        self._ensure_throttle_row(subscription_id)
        t = subscription_throttle
        row = self._conn.execute(
            sa.select(t.c.next_slot_at, t.c.paused_until)
            .where(t.c.subscription_id == subscription_id)
            .with_for_update()
        ).one()
        start = max(float(row.next_slot_at), float(row.paused_until), now)
        self._conn.execute(
            sa.update(t)
            .where(t.c.subscription_id == subscription_id)
            .values(next_slot_at=start + interval * count)
        )
        return start

    def pause_subscription_calls(self, subscription_id: int, until: float) -> None:
        """Hold every call of a subscription until ``until`` (epoch seconds), e.g. after a 429."""
        self._ensure_throttle_row(subscription_id)
        t = subscription_throttle
        self._conn.execute(
            sa.update(t)
            .where(t.c.subscription_id == subscription_id, t.c.paused_until < until)
            .values(paused_until=until)
        )

    def paused_until(self, subscription_ids: list[int]) -> dict[int, float]:
        """subscription id -> epoch seconds its calls are held until (only those with a row)."""
        t = subscription_throttle
        rows = self._conn.execute(
            sa.select(t.c.subscription_id, t.c.paused_until).where(
                t.c.subscription_id.in_(subscription_ids)
            )
        )
        return {int(r.subscription_id): float(r.paused_until) for r in rows}

    def acquire_slot(
        self, subscription_id: int, limit: int, holder: str, now: float, hold_seconds: float
    ) -> int | None:
        """Take a free concurrency slot (or one whose holder's time ran out), or None."""
        s = throttle_slots
        have = self._conn.execute(
            sa.select(sa.func.count()).select_from(s).where(s.c.subscription_id == subscription_id)
        ).scalar_one()
        if have < limit:
            self._conn.execute(
                _insert_ignore(self._conn, s),
                [
                    {
                        "subscription_id": subscription_id,
                        "slot": n,
                        "holder": None,
                        "expires_at": 0.0,
                    }
                    for n in range(int(have), limit)
                ],
            )
        free = (
            sa.select(s.c.slot)
            .where(
                s.c.subscription_id == subscription_id,
                s.c.slot < limit,
                sa.or_(s.c.holder.is_(None), s.c.expires_at < now),
            )
            .order_by(s.c.slot)
            .limit(1)
        )
        if self._conn.dialect.name == "postgresql":
            free = free.with_for_update(skip_locked=True)
        slot = self._conn.execute(free).scalar_one_or_none()
        if slot is None:
            return None
        self._conn.execute(
            sa.update(s)
            .where(s.c.subscription_id == subscription_id, s.c.slot == slot)
            .values(holder=holder, expires_at=now + hold_seconds)
        )
        return int(slot)

    def release_slot(self, subscription_id: int, slot: int, holder: str) -> None:
        """Give a concurrency slot back."""
        s = throttle_slots
        self._conn.execute(
            sa.update(s)
            .where(s.c.subscription_id == subscription_id, s.c.slot == slot, s.c.holder == holder)
            .values(holder=None, expires_at=0.0)
        )

    # --- logs ---------------------------------------------------------------------------

    def add_logs(self, activity: list[dict[str, Any]], technical: list[dict[str, Any]]) -> None:
        """Write a batch of activity and technical log lines.

        On SQLite the rows go through the DBAPI directly, in the forms the column types
        store (naive UTC timestamps, JSON text): a batch's log lines are written on every
        store step, and SQLAlchemy's per-row parameter processing cost more than the insert.
        """
        sqlite = self._conn.dialect.name == "sqlite"
        for table, rows in ((activity_log, activity), (technical_log, technical)):
            if not rows:
                continue
            if sqlite:
                self._insert_sqlite(table, rows)
            else:
                self._conn.execute(sa.insert(table), rows)

    def _insert_sqlite(self, table: sa.Table, rows: list[dict[str, Any]]) -> None:
        columns = [c.name for c in table.columns if c.name != "id"]
        self._conn.exec_driver_sql(
            f"INSERT INTO {table.name} ({', '.join(columns)})"
            f" VALUES ({', '.join('?' * len(columns))})",
            [
                tuple(
                    _sqlite_stamp(row["at"])
                    if c == "at"
                    else json.dumps(row.get(c))
                    if c == "details"
                    else row.get(c, "info")
                    if c == "level"
                    else row.get(c)
                    for c in columns
                )
                for row in rows
            ],
        )

    def activity(self, *, tracking_id: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
        """Activity log lines, oldest first, of one tracking id (or the newest ones)."""
        return self._log(activity_log, tracking_id, limit)

    def technical(
        self, *, tracking_id: str | None = None, limit: int = 200
    ) -> list[dict[str, Any]]:
        """Technical log lines, oldest first, of one tracking id (or the newest ones)."""
        return self._log(technical_log, tracking_id, limit)

    def _log(self, table: sa.Table, tracking_id: str | None, limit: int) -> list[dict[str, Any]]:
        query = sa.select(table).order_by(table.c.id.desc()).limit(limit)
        if tracking_id is not None:
            query = query.where(table.c.tracking_id == tracking_id)
        rows = [dict(r._mapping) for r in self._conn.execute(query)]
        rows.reverse()
        return rows

    def prune_logs(self, before: datetime, *, batch: int = 5000) -> int:
        """Delete one batch of log lines older than ``before`` from each log."""
        total = 0
        for table in (activity_log, technical_log):
            ids = sa.select(table.c.id).where(table.c.at < before).limit(batch)
            total += self._conn.execute(
                sa.delete(table).where(table.c.id.in_(ids.scalar_subquery()))
            ).rowcount
        return total

    # --- initializations ----------------------------------------------------------------

    def open_initialization(
        self, subscription_id: int, data_type: str, direction: str
    ) -> InitializationRow | None:
        """The running initialization of a data type and direction, if one was interrupted."""
        i = initializations
        row = self._conn.execute(
            sa.select(i)
            .where(
                i.c.subscription_id == subscription_id,
                i.c.data_type == data_type,
                i.c.direction == direction,
                i.c.state == "running",
            )
            .order_by(i.c.id.desc())
            .limit(1)
        ).first()
        return _init(row._mapping) if row is not None else None

    def start_initialization(
        self, subscription_id: int, data_type: str, direction: str, tracking_id: str, debug: bool
    ) -> InitializationRow:
        """Record the start of an initialization."""
        now = utcnow()
        new_id = self._conn.execute(
            sa.insert(initializations)
            .values(
                subscription_id=subscription_id,
                data_type=data_type,
                direction=direction,
                state="running",
                cursor=None,
                pages=0,
                records=0,
                tracking_id=tracking_id,
                debug=debug,
                started_at=now,
                updated_at=now,
            )
            .returning(initializations.c.id)
        ).scalar_one()
        return self.initialization(int(new_id))

    def initialization(self, init_id: int) -> InitializationRow:
        """One initialization's progress."""
        row = self._conn.execute(
            sa.select(initializations).where(initializations.c.id == init_id)
        ).one()
        return _init(row._mapping)

    def initializations_of(self, subscription_id: int) -> list[InitializationRow]:
        """Every initialization of a subscription, newest first."""
        i = initializations
        rows = self._conn.execute(
            sa.select(i).where(i.c.subscription_id == subscription_id).order_by(i.c.id.desc())
        )
        return [_init(r._mapping) for r in rows]

    def advance_initialization(self, init_id: int, cursor: str | None, records: int) -> None:
        """Note one more page done: its cursor and how many records it held."""
        i = initializations
        self._conn.execute(
            sa.update(i)
            .where(i.c.id == init_id)
            .values(
                cursor=cursor,
                pages=i.c.pages + 1,
                records=i.c.records + records,
                updated_at=utcnow(),
            )
        )

    def finish_initialization(self, init_id: int, error: str | None = None) -> None:
        """Mark an initialization done (or in error)."""
        now = utcnow()
        self._conn.execute(
            sa.update(initializations)
            .where(initializations.c.id == init_id)
            .values(
                state="error" if error else "done",
                last_error=error,
                updated_at=now,
                finished_at=now,
            )
        )


def _init(m: Any) -> InitializationRow:
    return InitializationRow(
        id=int(m["id"]),
        subscription_id=int(m["subscription_id"]),
        data_type=m["data_type"],
        direction=m["direction"],
        state=m["state"],
        cursor=m["cursor"],
        pages=int(m["pages"]),
        records=int(m["records"]),
        tracking_id=m["tracking_id"],
        debug=bool(m["debug"]),
        last_error=m["last_error"],
    )


def _insert_ignore(conn: sa.Connection, table: sa.Table) -> Any:
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table).on_conflict_do_nothing()
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table).on_conflict_do_nothing()


def _chunks(values: list[Any], size: int = 500) -> list[list[Any]]:
    return [values[i : i + size] for i in range(0, len(values), size)]


def _sqlite_stamp(at: datetime) -> str:
    """A UTC timestamp as ``UtcDateTime`` stores it on SQLite (naive, microseconds)."""
    if at.tzinfo is None:
        raise ValueError("naive datetime given to a UTC column")
    return at.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
