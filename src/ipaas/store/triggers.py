"""Repositories of the triggers area: webhook keys, tokens, events, rejections,
registrations, polling state, leases and scheduled events. SQL only here."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from ipaas.domain import Direction, QueueState
from ipaas.errors import NotFoundError
from ipaas.store.tables import hub_records, integrations, queue_items, subscriptions
from ipaas.store.triggers_tables import (
    leases,
    poll_states,
    scheduled_events,
    webhook_events,
    webhook_keys,
    webhook_registrations,
    webhook_rejections,
    webhook_tokens,
)
from ipaas.store.types import utcnow

KEY_PREFIX = "whk_"


def hash_key(key: str) -> str:
    """The stored form of a webhook key: sha256 hex (keys are 256-bit random, no salt needed)."""
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class SubscriptionInfo:
    """What webhook intake needs to know about a subscription."""

    id: int
    company_id: int
    flows: dict[str, Any]
    settings: dict[str, Any]
    webhook_config: dict[str, Any] | None
    paused: bool

    def receives(self, data_type: str) -> bool:
        """Whether the subscription's flows send ``data_type`` to the hub."""
        flow = self.flows.get(data_type)
        return isinstance(flow, dict) and bool(flow.get("to_hub"))


@dataclass(frozen=True, slots=True)
class Registration:
    """One scope's webhook registration in the external system."""

    subscription_id: int
    scope: str
    state: str
    callback_url: str
    registration: dict[str, Any]
    secret: str | None
    last_error: str | None
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class PollState:
    """Polling of one (subscription, data type)."""

    id: int
    subscription_id: int
    data_type: str
    interval_seconds: float | None
    cron: str | None
    lookback_seconds: float
    enabled: bool
    watermark: str | None
    next_run_at: datetime | None
    last_run_at: datetime | None
    last_error: str | None
    records_total: int


@dataclass(frozen=True, slots=True)
class ScheduledEvent:
    """A hub-side event run on a cron expression."""

    id: int
    subscription_id: int
    kind: str
    data_type: str
    cron: str
    options: dict[str, Any]
    enabled: bool
    next_run_at: datetime | None
    last_run_at: datetime | None
    last_error: str | None


class TriggerRepository:
    """Reads and writes the triggers tables inside the caller's transaction."""

    def __init__(self, conn: sa.Connection) -> None:
        self._conn = conn

    # -- subscriptions ---------------------------------------------------------------

    def subscription_info(self, subscription_id: int) -> SubscriptionInfo:
        """Flows, settings and the integration's webhook config of a subscription."""
        row = self._conn.execute(
            sa.select(
                subscriptions.c.id,
                subscriptions.c.company_id,
                subscriptions.c.flows,
                subscriptions.c.settings,
                subscriptions.c.paused,
                integrations.c.definition,
            )
            .join(integrations, integrations.c.id == subscriptions.c.integration_id)
            .where(subscriptions.c.id == subscription_id)
        ).first()
        if row is None:
            raise NotFoundError(f"subscription {subscription_id} not found")
        definition = row.definition or {}
        config = definition.get("webhook") if isinstance(definition, dict) else None
        return SubscriptionInfo(
            id=int(row.id),
            company_id=int(row.company_id),
            flows=dict(row.flows or {}),
            settings=dict(row.settings or {}),
            webhook_config=config,
            paused=bool(row.paused),
        )

    def find_subscription(self, ref: str) -> int:
        """A subscription by id (digits) or by name (must be unambiguous)."""
        if ref.isdigit():
            found = self._conn.execute(
                sa.select(subscriptions.c.id).where(subscriptions.c.id == int(ref))
            ).scalar_one_or_none()
            if found is not None:
                return int(found)
        ids = (
            self._conn.execute(sa.select(subscriptions.c.id).where(subscriptions.c.name == ref))
            .scalars()
            .all()
        )
        if len(ids) != 1:
            raise NotFoundError(
                f"subscription {ref!r} not found"
                if not ids
                else f"subscription {ref!r} is ambiguous"
            )
        return int(ids[0])

    def set_flows(self, subscription_id: int, flows: dict[str, Any]) -> None:
        """Replace the data flows of a subscription."""
        self._conn.execute(
            sa.update(subscriptions)
            .where(subscriptions.c.id == subscription_id)
            .values(flows=flows, updated_at=utcnow())
        )

    # -- webhook keys ------------------------------------------------------------------

    def create_key(self, subscription_id: int, *, now: datetime | None = None) -> str:
        """A new bearer key for the generic hook; returned once, stored hashed."""
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        self._conn.execute(
            sa.insert(webhook_keys).values(
                subscription_id=subscription_id,
                key_hash=hash_key(key),
                prefix=key[:12],
                created_at=now or utcnow(),
                expires_at=None,
            )
        )
        return key

    def rotate_key(
        self, subscription_id: int, *, grace: timedelta, now: datetime | None = None
    ) -> str:
        """A new key; the current ones stay valid for ``grace``, then expire."""
        now = now or utcnow()
        expires = now + grace
        self._conn.execute(
            sa.update(webhook_keys)
            .where(
                webhook_keys.c.subscription_id == subscription_id,
                sa.or_(webhook_keys.c.expires_at.is_(None), webhook_keys.c.expires_at > expires),
            )
            .values(expires_at=expires)
        )
        return self.create_key(subscription_id, now=now)

    def subscription_for_key(
        self, key: str, *, now: datetime | None = None
    ) -> tuple[int, datetime | None] | None:
        """The subscription a valid key belongs to and when the key expires; None if invalid."""
        row = self._conn.execute(
            sa.select(webhook_keys.c.subscription_id, webhook_keys.c.expires_at).where(
                webhook_keys.c.key_hash == hash_key(key)
            )
        ).first()
        if row is None:
            return None
        if row.expires_at is not None and row.expires_at <= (now or utcnow()):
            return None
        return int(row.subscription_id), row.expires_at

    def keys(self, subscription_id: int) -> list[dict[str, Any]]:
        """The keys of a subscription: prefix, created, expires (never the key)."""
        rows = self._conn.execute(
            sa.select(webhook_keys.c.prefix, webhook_keys.c.created_at, webhook_keys.c.expires_at)
            .where(webhook_keys.c.subscription_id == subscription_id)
            .order_by(webhook_keys.c.id)
        )
        return [dict(r._mapping) for r in rows]

    # -- webhook tokens ----------------------------------------------------------------

    def token(self, subscription_id: int, *, create: bool = True) -> str | None:
        """The path token of ``/hooks/{token}``; created on first use."""
        found = self._conn.execute(
            sa.select(webhook_tokens.c.token).where(
                webhook_tokens.c.subscription_id == subscription_id
            )
        ).scalar_one_or_none()
        if found is not None or not create:
            return found
        token = secrets.token_urlsafe(24)
        self._conn.execute(
            sa.insert(webhook_tokens).values(
                subscription_id=subscription_id, token=token, created_at=utcnow()
            )
        )
        return token

    def subscription_for_token(self, token: str) -> int | None:
        """The subscription of a path token, or None."""
        found = self._conn.execute(
            sa.select(webhook_tokens.c.subscription_id).where(webhook_tokens.c.token == token)
        ).scalar_one_or_none()
        return None if found is None else int(found)

    # -- received events ---------------------------------------------------------------

    def seen_dedupe_keys(self, subscription_id: int, keys: Iterable[str]) -> dict[str, str]:
        """Which of ``keys`` were received before, with the tracking id they got."""
        wanted = list(set(keys))
        if not wanted:
            return {}
        rows = self._conn.execute(
            sa.select(webhook_events.c.dedupe_key, webhook_events.c.tracking_id).where(
                webhook_events.c.subscription_id == subscription_id,
                webhook_events.c.dedupe_key.in_(wanted),
            )
        )
        return {str(r.dedupe_key): str(r.tracking_id) for r in rows}

    def pending_items(
        self, subscription_id: int, records: Iterable[tuple[str, str]]
    ) -> dict[tuple[str, str, str], tuple[int, str]]:
        """Pending to_hub items of these (data type, key) records:
        (data type, key, method) -> (id, tracking id)."""
        by_type: dict[str, set[str]] = {}
        for data_type, key in records:
            by_type.setdefault(data_type, set()).add(key)
        found: dict[tuple[str, str, str], tuple[int, str]] = {}
        for data_type, keys in by_type.items():
            for row in self._pending_rows(subscription_id, data_type, sorted(keys)):
                found[(data_type, str(row[1]), str(row[2]))] = (int(row[0]), str(row[3]))
        return found

    def _pending_rows(
        self, subscription_id: int, data_type: str, keys: list[str]
    ) -> Iterable[Sequence[Any]]:
        if self._sqlite:
            # The webhook hot path: plain DBAPI SQL skips SQLAlchemy's per-call compile and
            # bind processing, which cost more than SQLite itself (bench/bench_ingest.py).
            rows: list[Sequence[Any]] = []
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                rows += self._conn.exec_driver_sql(
                    "SELECT id, record_key, method, tracking_id FROM queue_items"
                    " WHERE subscription_id = ? AND data_type = ? AND state = 'pending'"
                    " AND direction = 'to_hub' AND record_key IN"
                    f" ({', '.join('?' * len(chunk))})",
                    (subscription_id, data_type, *chunk),
                ).all()
            return rows
        # (subscription_id, data_type, record_key, state) is ix_queue_items_record.
        return self._conn.execute(
            sa.select(
                queue_items.c.id,
                queue_items.c.record_key,
                queue_items.c.method,
                queue_items.c.tracking_id,
            ).where(
                queue_items.c.subscription_id == subscription_id,
                queue_items.c.data_type == data_type,
                queue_items.c.record_key.in_(keys),
                queue_items.c.state == QueueState.PENDING.value,
                queue_items.c.direction == Direction.TO_HUB.value,
            )
        ).all()

    @property
    def _sqlite(self) -> bool:
        return self._conn.dialect.name == "sqlite"

    def refresh_pending_payload(self, item_id: int, payload: dict[str, Any]) -> bool:
        """Give a still-pending item a newer payload; False when it is no longer pending."""
        result = self._conn.execute(
            sa.update(queue_items)
            .where(queue_items.c.id == item_id, queue_items.c.state == QueueState.PENDING.value)
            .values(payload=payload)
        )
        return result.rowcount == 1

    def add_events(self, rows: list[dict[str, Any]]) -> None:
        """Record accepted events (subscription_id, dedupe_key, scope, external_id, tracking_id)."""
        if rows:
            now = utcnow()
            self._conn.execute(sa.insert(webhook_events), [{**r, "received_at": now} for r in rows])

    def count_events(self, subscription_id: int) -> int:
        """How many webhook events a subscription has had accepted."""
        return int(
            self._conn.execute(
                sa.select(sa.func.count())
                .select_from(webhook_events)
                .where(webhook_events.c.subscription_id == subscription_id)
            ).scalar_one()
        )

    # -- rejections --------------------------------------------------------------------

    def add_rejections(self, rows: list[dict[str, Any]]) -> None:
        """Record refused webhooks (subscription_id, path, status, code, reason, ...)."""
        if rows:
            self._conn.execute(sa.insert(webhook_rejections), rows)

    def rejections(
        self, subscription_id: int | None = None, limit: int = 100
    ) -> list[dict[str, Any]]:
        """The latest rejections, newest first."""
        query = sa.select(webhook_rejections).order_by(webhook_rejections.c.id.desc()).limit(limit)
        if subscription_id is not None:
            query = query.where(webhook_rejections.c.subscription_id == subscription_id)
        return [dict(r._mapping) for r in self._conn.execute(query)]

    # -- registrations -----------------------------------------------------------------

    def save_registration(
        self,
        subscription_id: int,
        scope: str,
        *,
        state: str,
        callback_url: str,
        registration: dict[str, Any],
        secret: str | None,
        last_error: str | None = None,
    ) -> None:
        """Insert or replace the registration of one scope."""
        values = {
            "state": state,
            "callback_url": callback_url,
            "registration": registration,
            "secret": secret,
            "last_error": last_error,
            "updated_at": utcnow(),
        }
        updated = self._conn.execute(
            sa.update(webhook_registrations)
            .where(
                webhook_registrations.c.subscription_id == subscription_id,
                webhook_registrations.c.scope == scope,
            )
            .values(**values)
        )
        if updated.rowcount == 0:
            self._conn.execute(
                sa.insert(webhook_registrations).values(
                    subscription_id=subscription_id, scope=scope, **values
                )
            )

    def registrations(self, subscription_id: int) -> list[Registration]:
        """Every scope's registration of a subscription."""
        rows = self._conn.execute(
            sa.select(webhook_registrations)
            .where(webhook_registrations.c.subscription_id == subscription_id)
            .order_by(webhook_registrations.c.scope)
        )
        return [
            Registration(
                subscription_id=int(r.subscription_id),
                scope=r.scope,
                state=r.state,
                callback_url=r.callback_url,
                registration=dict(r.registration or {}),
                secret=r.secret,
                last_error=r.last_error,
                updated_at=r.updated_at,
            )
            for r in rows
        ]

    # -- polling -----------------------------------------------------------------------

    def poll_state(self, subscription_id: int, data_type: str) -> PollState | None:
        """The polling state of one (subscription, data type), or None."""
        row = self._conn.execute(
            sa.select(poll_states).where(
                poll_states.c.subscription_id == subscription_id,
                poll_states.c.data_type == data_type,
            )
        ).first()
        return None if row is None else _poll_state(row)

    def configure_poll(
        self,
        subscription_id: int,
        data_type: str,
        *,
        interval_seconds: float | None = None,
        cron: str | None = None,
        lookback_seconds: float = 0.0,
        enabled: bool = True,
        next_run_at: datetime | None = None,
    ) -> PollState:
        """Create or change the schedule of one (subscription, data type); keeps the watermark."""
        values = {
            "interval_seconds": interval_seconds,
            "cron": cron,
            "lookback_seconds": lookback_seconds,
            "enabled": enabled,
            "next_run_at": next_run_at,
        }
        if self.poll_state(subscription_id, data_type) is None:
            self._conn.execute(
                sa.insert(poll_states).values(
                    subscription_id=subscription_id,
                    data_type=data_type,
                    records_total=0,
                    **values,
                )
            )
        else:
            self._conn.execute(
                sa.update(poll_states)
                .where(
                    poll_states.c.subscription_id == subscription_id,
                    poll_states.c.data_type == data_type,
                )
                .values(**values)
            )
        state = self.poll_state(subscription_id, data_type)
        assert state is not None
        return state

    def advance_watermark(self, state_id: int, watermark: str | None, records: int) -> None:
        """Store the watermark after a page (in the transaction that enqueued the page)."""
        self._conn.execute(
            sa.update(poll_states)
            .where(poll_states.c.id == state_id)
            .values(watermark=watermark, records_total=poll_states.c.records_total + records)
        )

    def reset_watermark(self, subscription_id: int, data_type: str) -> None:
        """Forget the watermark: the next poll starts from the beginning."""
        self._conn.execute(
            sa.update(poll_states)
            .where(
                poll_states.c.subscription_id == subscription_id,
                poll_states.c.data_type == data_type,
            )
            .values(watermark=None)
        )

    def finish_poll(
        self, state_id: int, *, at: datetime, next_run_at: datetime | None, error: str | None
    ) -> None:
        """Record a finished poll run and when the next one is due."""
        self._conn.execute(
            sa.update(poll_states)
            .where(poll_states.c.id == state_id)
            .values(last_run_at=at, next_run_at=next_run_at, last_error=error)
        )

    def due_polls(self, now: datetime) -> list[PollState]:
        """Enabled polls that are due (or never scheduled)."""
        rows = self._conn.execute(
            sa.select(poll_states)
            .where(
                poll_states.c.enabled.is_(True),
                sa.or_(poll_states.c.next_run_at.is_(None), poll_states.c.next_run_at <= now),
            )
            .order_by(poll_states.c.id)
        )
        return [_poll_state(r) for r in rows]

    def poll_states(self, subscription_id: int | None = None) -> list[PollState]:
        """Every polling state (of one subscription)."""
        query = sa.select(poll_states).order_by(poll_states.c.id)
        if subscription_id is not None:
            query = query.where(poll_states.c.subscription_id == subscription_id)
        return [_poll_state(r) for r in self._conn.execute(query)]

    # -- leases ------------------------------------------------------------------------

    def try_lease(
        self, name: str, holder: str, ttl: timedelta, *, now: datetime | None = None
    ) -> bool:
        """Take or renew the lease ``name`` for ``holder``; False when another holds it."""
        now = now or utcnow()
        updated = self._conn.execute(
            sa.update(leases)
            .where(
                leases.c.name == name,
                sa.or_(leases.c.holder == holder, leases.c.expires_at <= now),
            )
            .values(holder=holder, expires_at=now + ttl)
        )
        if updated.rowcount == 1:
            return True
        exists = self._conn.execute(
            sa.select(leases.c.name).where(leases.c.name == name)
        ).scalar_one_or_none()
        if exists is not None:
            return False
        # Nobody held it yet; a concurrent insert makes this one fail (caller rolls back).
        self._conn.execute(sa.insert(leases).values(name=name, holder=holder, expires_at=now + ttl))
        return True

    def release_lease(self, name: str, holder: str) -> None:
        """Give the lease up (only if ``holder`` holds it)."""
        self._conn.execute(
            sa.delete(leases).where(leases.c.name == name, leases.c.holder == holder)
        )

    # -- scheduled events --------------------------------------------------------------

    def add_scheduled_event(
        self,
        subscription_id: int,
        kind: str,
        data_type: str,
        cron: str,
        *,
        options: dict[str, Any] | None = None,
        next_run_at: datetime | None = None,
    ) -> int:
        """Schedule a hub-side event; returns its id."""
        return int(
            self._conn.execute(
                sa.insert(scheduled_events)
                .values(
                    subscription_id=subscription_id,
                    kind=kind,
                    data_type=data_type,
                    cron=cron,
                    options=options or {},
                    enabled=True,
                    next_run_at=next_run_at,
                )
                .returning(scheduled_events.c.id)
            ).scalar_one()
        )

    def scheduled_events(self, *, due_at: datetime | None = None) -> list[ScheduledEvent]:
        """Enabled scheduled events (only those due at ``due_at`` when given)."""
        query = (
            sa.select(scheduled_events)
            .where(scheduled_events.c.enabled.is_(True))
            .order_by(scheduled_events.c.id)
        )
        if due_at is not None:
            query = query.where(
                sa.or_(
                    scheduled_events.c.next_run_at.is_(None),
                    scheduled_events.c.next_run_at <= due_at,
                )
            )
        return [
            ScheduledEvent(
                id=int(r.id),
                subscription_id=int(r.subscription_id),
                kind=r.kind,
                data_type=r.data_type,
                cron=r.cron,
                options=dict(r.options or {}),
                enabled=bool(r.enabled),
                next_run_at=r.next_run_at,
                last_run_at=r.last_run_at,
                last_error=r.last_error,
            )
            for r in self._conn.execute(query)
        ]

    def finish_scheduled_event(
        self, event_id: int, *, at: datetime, next_run_at: datetime | None, error: str | None
    ) -> None:
        """Record a run of a scheduled event and when it is due next."""
        self._conn.execute(
            sa.update(scheduled_events)
            .where(scheduled_events.c.id == event_id)
            .values(last_run_at=at, next_run_at=next_run_at, last_error=error)
        )


def _poll_state(row: sa.Row[Any]) -> PollState:
    return PollState(
        id=int(row.id),
        subscription_id=int(row.subscription_id),
        data_type=row.data_type,
        interval_seconds=row.interval_seconds,
        cron=row.cron,
        lookback_seconds=float(row.lookback_seconds or 0),
        enabled=bool(row.enabled),
        watermark=row.watermark,
        next_run_at=row.next_run_at,
        last_run_at=row.last_run_at,
        last_error=row.last_error,
        records_total=int(row.records_total or 0),
    )


def hub_records_of(
    conn: sa.Connection, company_id: int, data_type: str, *, batch: int = 1000
) -> Iterator[tuple[int, dict[str, Any]]]:
    """Every live hub record of a type in a company, as (id, body), in id order, in batches."""
    last = 0
    while True:
        rows = conn.execute(
            sa.select(hub_records.c.id, hub_records.c.body)
            .where(
                hub_records.c.company_id == company_id,
                hub_records.c.data_type == data_type,
                hub_records.c.deleted.is_(False),
                hub_records.c.id > last,
            )
            .order_by(hub_records.c.id)
            .limit(batch)
        ).all()
        if not rows:
            return
        for row in rows:
            yield int(row.id), dict(row.body)
        last = int(rows[-1].id)
