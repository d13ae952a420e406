"""Queue items: the transactional outbox of the hub. Enqueue joins the caller's transaction."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from ipaas.domain import Direction, Method, QueueState
from ipaas.store.tables import queue_items, subscriptions
from ipaas.store.transfer_tables import subscription_throttle
from ipaas.store.types import utcnow

#: Set in a connection's ``info`` when it enqueued work; the workers' ``WorkSignal`` wakes
#: idle lanes when that connection commits.
ENQUEUED_MARK = "ipaas.enqueued"


def new_tracking_id() -> str:
    """A fresh tracking id for one event's journey through the hub."""
    return uuid.uuid4().hex


@dataclass(frozen=True, slots=True)
class NewQueueItem:
    """What to enqueue; ``tracking_id`` defaults to a fresh one."""

    subscription_id: int
    direction: Direction
    data_type: str
    record_key: str
    method: Method
    payload: dict[str, Any] | None = None
    tracking_id: str | None = None
    hub_version: int | None = None
    trigger: str = "webhook"
    priority: int = 0
    debug: bool = False
    parent_item_id: int | None = None


class _QueueWrites:
    """Enqueue and count: the part every producer of work uses."""

    def __init__(self, conn: sa.Connection) -> None:
        self._conn = conn

    def enqueue(self, item: NewQueueItem, *, now: datetime | None = None) -> tuple[int, str]:
        """Add one pending item; returns its id and tracking id."""
        ids = self.enqueue_many([item], now=now)
        return ids[0]

    def enqueue_many(
        self, items: list[NewQueueItem], *, now: datetime | None = None
    ) -> list[tuple[int, str]]:
        """Add pending items in one statement; returns (id, tracking id) per item, in order."""
        if not items:
            return []
        now = now or utcnow()
        rows = [_new_row(i, now) for i in items]
        result = self._conn.execute(
            sa.insert(queue_items).returning(queue_items.c.id, sort_by_parameter_order=True),
            rows,
        )
        tracking_ids = [str(row["tracking_id"]) for row in rows]
        self._conn.info[ENQUEUED_MARK] = True
        return list(zip((int(i) for i in result.scalars()), tracking_ids, strict=True))

    def append_many(self, items: list[NewQueueItem], *, now: datetime | None = None) -> None:
        """Add pending items in one executemany, without asking for their ids.

        ``enqueue_many`` wants the ids back in order, which SQLite can only give row by row;
        callers that hold their tracking ids already (webhook intake) need none. On SQLite
        the rows go through the DBAPI directly, in the forms the column types store (naive
        UTC timestamps, JSON text), which makes a batch several times cheaper.
        """
        if not items:
            return
        now = now or utcnow()
        rows = [_new_row(i, now) for i in items]
        if self._conn.dialect.name == "sqlite":
            stamp = now.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
            columns = list(rows[0])
            self._conn.exec_driver_sql(
                f"INSERT INTO queue_items ({', '.join(columns)})"
                f" VALUES ({', '.join('?' * len(columns))})",
                [
                    tuple(
                        stamp
                        if c in ("next_try_at", "created_at")
                        else json.dumps(row[c])
                        if c == "payload"
                        else int(row[c])
                        if c == "debug"
                        else row[c]
                        for c in columns
                    )
                    for row in rows
                ],
            )
        else:
            self._conn.execute(sa.insert(queue_items), rows)
        self._conn.info[ENQUEUED_MARK] = True

    def count(self, *, state: QueueState | None = None, subscription_id: int | None = None) -> int:
        """How many items there are in ``state`` (all states when None)."""
        query = sa.select(sa.func.count()).select_from(queue_items)
        if state is not None:
            query = query.where(queue_items.c.state == state.value)
        if subscription_id is not None:
            query = query.where(queue_items.c.subscription_id == subscription_id)
        return int(self._conn.execute(query).scalar_one())


# --- claims and the life of a queue item -------------------------------------------------
#
# A claim takes the oldest eligible items (priority first, then id ASC). An item is
# eligible when it is pending, due, its subscription is not paused (by a user or by a 429),
# and no other item of the same record (subscription, direction, data type, record key) is
# in flight or pending before it: that keeps per-record order while different records run
# in parallel. PostgreSQL claims with FOR UPDATE SKIP LOCKED, so any number of worker
# processes can claim at once; SQLite holds its write lock from BEGIN IMMEDIATE.

_OPEN = (QueueState.PENDING.value, QueueState.IN_FLIGHT.value)
_COALESCIBLE = (Method.CREATE.value, Method.UPDATE.value)


@dataclass(frozen=True, slots=True)
class QueueItem:
    """A queue item as claimed by a worker."""

    id: int
    subscription_id: int
    direction: Direction
    data_type: str
    record_key: str
    method: Method
    payload: dict[str, Any] | None
    priority: int
    attempts: int
    tracking_id: str
    hub_version: int | None
    trigger: str
    debug: bool
    parent_item_id: int | None
    created_at: datetime
    #: Later pending items of the same record wait behind this one (known when claimed).
    has_followers: bool = False

    @property
    def record(self) -> tuple[int, str, str, str]:
        """The record this item is about: (subscription, direction, data type, record key)."""
        return (self.subscription_id, self.direction.value, self.data_type, self.record_key)


@dataclass(frozen=True, slots=True)
class QueueItemRow:
    """A queue item as monitoring shows it."""

    id: int
    subscription_id: int
    direction: str
    data_type: str
    record_key: str
    method: str
    state: str
    attempts: int
    last_error: str | None
    tracking_id: str
    created_at: datetime
    finished_at: datetime | None


@dataclass(frozen=True, slots=True)
class QueueDepth:
    """One subscription's queue: items waiting, in flight, in error, and the oldest wait."""

    subscription_id: int
    subscription_name: str
    pending: int
    in_flight: int
    error: int
    oldest_pending_at: datetime | None


_CLAIM_STATEMENTS: dict[bool, Any] = {}

#: The columns ``_item`` reads; a claim returns only these.
_ITEM_COLUMNS = (
    "id",
    "subscription_id",
    "direction",
    "data_type",
    "record_key",
    "method",
    "payload",
    "priority",
    "attempts",
    "tracking_id",
    "hub_version",
    "trigger",
    "debug",
    "parent_item_id",
    "created_at",
)


#: Pending items of one (subscription, direction, data type) whose record key is in the
#: bound ``keys``: PostgreSQL turned a tuple IN into an OR per record, tested against every
#: pending item of the subscription.
_COALESCE_STATEMENT = sa.select(*(queue_items.c[name] for name in _ITEM_COLUMNS)).where(
    queue_items.c.state == QueueState.PENDING.value,
    queue_items.c.subscription_id == sa.bindparam("subscription_id"),
    queue_items.c.direction == sa.bindparam("direction"),
    queue_items.c.data_type == sa.bindparam("data_type"),
    queue_items.c.record_key.in_(sa.bindparam("keys", expanding=True)),
)


#: Items done, by id, only while still leased by the worker (bound ``ids``, ``worker_id``,
#: ``now``).
_COMPLETE_STATEMENT = (
    sa.update(queue_items)
    .where(
        queue_items.c.id.in_(sa.bindparam("ids", expanding=True)),
        queue_items.c.state == QueueState.IN_FLIGHT.value,
        queue_items.c.leased_by == sa.bindparam("worker_id", type_=queue_items.c.leased_by.type),
    )
    .values(
        state=QueueState.DONE.value,
        finished_at=sa.bindparam("now", type_=queue_items.c.finished_at.type),
        lease_expires_at=None,
        last_error=None,
    )
)


def _claim_statement(pg: bool) -> Any:
    """The claim UPDATE, built once per dialect with bound ``now``, ``now_ts``, ``limit``,
    ``lease`` and ``worker_id``: constructing it per claim cost more than running it."""
    stmt = _CLAIM_STATEMENTS.get(pg)
    if stmt is not None:
        return stmt
    q = queue_items
    other = q.alias("other")
    now = sa.bindparam("now", type_=q.c.next_try_at.type)
    same_record_busy = (
        sa.select(sa.literal(1))
        .where(
            other.c.subscription_id == q.c.subscription_id,
            other.c.data_type == q.c.data_type,
            other.c.record_key == q.c.record_key,
            other.c.direction == q.c.direction,
            sa.or_(
                other.c.state == QueueState.IN_FLIGHT.value,
                sa.and_(other.c.state == QueueState.PENDING.value, other.c.id < q.c.id),
            ),
        )
        .exists()
    )
    # Only these items can coalesce; telling them apart here spares a query per batch.
    # Written out by hand for SQLite: its RETURNING renders the claimed row's columns
    # unqualified, and without the casts (its text affinity) it walks every later item of
    # the subscription instead of the record index (27 ms per claim of 100 among 3,000).
    later = sa.and_(
        *(
            sa.literal_column(f"{other.name}.{name}")
            == sa.cast(sa.literal_column(f"{q.name}.{name}"), q.c[name].type)
            for name in ("subscription_id", "data_type", "record_key", "direction")
        ),
        sa.literal_column(f"{other.name}.state") == QueueState.PENDING.value,
        sa.literal_column(f"{other.name}.id") > sa.literal_column(f"{q.name}.id"),
    )
    has_followers = sa.select(sa.literal(1)).select_from(other).where(later).exists()
    paused = sa.select(subscriptions.c.id).where(subscriptions.c.paused.is_(True))
    waiting = sa.select(subscription_throttle.c.subscription_id).where(
        subscription_throttle.c.paused_until > sa.bindparam("now_ts", type_=sa.Float())
    )
    due: Any = q.c.next_try_at
    if not pg:
        # Unary + keeps SQLite off the (state, next_try_at) index: walking
        # ix_queue_items_claim_order stops at the batch size instead of sorting every
        # pending item (30 ms -> 2 ms for a claim of 100 among 4,000).
        due = sa.literal_column(f"+{q.name}.next_try_at", type_=q.c.next_try_at.type)
    candidates = (
        sa.select(q.c.id)
        .where(
            q.c.state == QueueState.PENDING.value,
            due <= now,
            ~same_record_busy,
            q.c.subscription_id.not_in(paused),
            q.c.subscription_id.not_in(waiting),
        )
        .order_by(q.c.priority.desc(), q.c.id)
        .limit(sa.bindparam("limit", type_=sa.Integer()))
    )
    if pg:
        candidates = candidates.with_for_update(skip_locked=True, of=q)
    stmt = (
        sa.update(q)
        .where(q.c.id.in_(candidates.scalar_subquery()))
        .values(
            state=QueueState.IN_FLIGHT.value,
            attempts=q.c.attempts + 1,
            lease_expires_at=sa.bindparam("lease", type_=q.c.lease_expires_at.type),
            leased_by=sa.bindparam("worker_id", type_=q.c.leased_by.type),
        )
        .returning(*(q.c[name] for name in _ITEM_COLUMNS), has_followers.label("has_followers"))
    )
    _CLAIM_STATEMENTS[pg] = stmt
    return stmt


def _item(m: Any) -> QueueItem:
    return QueueItem(
        id=int(m["id"]),
        subscription_id=int(m["subscription_id"]),
        direction=Direction(m["direction"]),
        data_type=m["data_type"],
        record_key=m["record_key"],
        method=Method(m["method"]),
        payload=m["payload"],
        priority=int(m["priority"]),
        attempts=int(m["attempts"]),
        tracking_id=m["tracking_id"],
        hub_version=m["hub_version"],
        trigger=m["trigger"],
        debug=bool(m["debug"]),
        parent_item_id=m["parent_item_id"],
        created_at=m["created_at"],
        has_followers=bool(m.get("has_followers")),
    )


def _row(m: Any) -> QueueItemRow:
    return QueueItemRow(
        id=int(m["id"]),
        subscription_id=int(m["subscription_id"]),
        direction=m["direction"],
        data_type=m["data_type"],
        record_key=m["record_key"],
        method=m["method"],
        state=m["state"],
        attempts=int(m["attempts"]),
        last_error=m["last_error"],
        tracking_id=m["tracking_id"],
        created_at=m["created_at"],
        finished_at=m["finished_at"],
    )


def _chunks(values: list[Any], size: int = 500) -> list[list[Any]]:
    return [values[i : i + size] for i in range(0, len(values), size)]


class QueueRepository(_QueueWrites):
    """Queue items inside the unit of work's transaction: enqueue, and the named statements
    workers (claim, coalesce, complete, reschedule, fail, recover) and monitoring (depth,
    errors, retry, discard, prune) use."""

    @property
    def _pg(self) -> bool:
        return self._conn.dialect.name == "postgresql"

    def claim(
        self, worker_id: str, limit: int, lease_seconds: float, *, now: datetime | None = None
    ) -> list[QueueItem]:
        """Lease up to ``limit`` eligible items to ``worker_id``; oldest (by priority) first."""
        now = now or utcnow()
        if self._pg:
            # After a burst the planner's statistics lag behind the table; it then sorts
            # every pending item instead of walking the claim-order index to the batch
            # size (22 ms -> 2 ms for a claim of 100 among 9,000 pending).
            self._conn.exec_driver_sql("SET LOCAL enable_sort = off")
        rows = self._conn.execute(
            _claim_statement(self._pg),
            {
                "now": now,
                "now_ts": now.timestamp(),
                "limit": limit,
                "lease": now + timedelta(seconds=lease_seconds),
                "worker_id": worker_id,
            },
        ).all()
        if self._pg:
            self._conn.exec_driver_sql("SET LOCAL enable_sort = on")
        items = [_item(r._mapping) for r in rows]
        items.sort(key=lambda i: (-i.priority, i.id))
        return items

    def coalesce(
        self, claimed: list[QueueItem], *, now: datetime | None = None
    ) -> dict[int, list[QueueItem]]:
        """Fold the pending updates that directly follow a claimed create/update into it.

        They are marked done with ``parent_item_id`` pointing at the claimed item, which
        then delivers the newest version. A delete (or any other method) stops the run, so
        a delete is never moved before an earlier create or update. Only items the claim
        marked ``has_followers`` are looked at.
        """
        by_record = {
            c.record: c for c in claimed if c.has_followers and c.method.value in _COALESCIBLE
        }
        if not by_record:
            return {}
        now = now or utcnow()
        q = queue_items
        groups: dict[tuple[int, str, str], list[str]] = {}
        for sub_id, direction, data_type, key in by_record:
            groups.setdefault((sub_id, direction, data_type), []).append(key)
        pending: list[QueueItem] = []
        for (sub_id, direction, data_type), keys in groups.items():
            for chunk in _chunks(keys):
                params = {
                    "subscription_id": sub_id,
                    "direction": direction,
                    "data_type": data_type,
                    "keys": chunk,
                }
                rows = self._conn.execute(_COALESCE_STATEMENT, params).all()
                pending.extend(_item(r._mapping) for r in rows)
        pending.sort(key=lambda i: i.id)
        followers: dict[int, list[QueueItem]] = {}
        stopped: set[int] = set()
        for follower in pending:
            head = by_record[follower.record]
            if head.id in stopped or follower.id < head.id:
                continue
            if follower.method is not Method.UPDATE or follower.debug != head.debug:
                stopped.add(head.id)
                continue
            followers.setdefault(head.id, []).append(follower)
        for head_id, fs in followers.items():
            self._conn.execute(
                sa.update(q)
                .where(q.c.id.in_([f.id for f in fs]), q.c.state == QueueState.PENDING.value)
                .values(state=QueueState.DONE.value, finished_at=now, parent_item_id=head_id)
            )
        return followers

    def complete(self, ids: list[int], worker_id: str, *, now: datetime | None = None) -> int:
        """Mark items done (only those still leased by ``worker_id``)."""
        if not ids:
            return 0
        now = now or utcnow()
        total = 0
        for chunk in _chunks(ids):
            total += self._conn.execute(
                _COMPLETE_STATEMENT, {"ids": chunk, "worker_id": worker_id, "now": now}
            ).rowcount
        return total

    def reschedule(
        self,
        item_id: int,
        worker_id: str,
        next_try_at: datetime,
        reason: str,
        *,
        count_attempt: bool = True,
    ) -> None:
        """Put an item back to pending until ``next_try_at``, noting why."""
        q = queue_items
        values: dict[str, Any] = {
            "state": QueueState.PENDING.value,
            "next_try_at": next_try_at,
            "lease_expires_at": None,
            "leased_by": None,
            "last_error": reason,
        }
        if not count_attempt:
            values["attempts"] = (
                sa.func.max(q.c.attempts - 1, 0)
                if not self._pg
                else (sa.func.greatest(q.c.attempts - 1, 0))
            )
        self._conn.execute(
            sa.update(q)
            .where(
                q.c.id == item_id,
                q.c.state == QueueState.IN_FLIGHT.value,
                q.c.leased_by == worker_id,
            )
            .values(**values)
        )

    def fail(
        self, item_id: int, worker_id: str, reason: str, *, now: datetime | None = None
    ) -> None:
        """Turn an item into an error with the full reason."""
        q = queue_items
        self._conn.execute(
            sa.update(q)
            .where(
                q.c.id == item_id,
                q.c.state == QueueState.IN_FLIGHT.value,
                q.c.leased_by == worker_id,
            )
            .values(
                state=QueueState.ERROR.value,
                finished_at=now or utcnow(),
                lease_expires_at=None,
                last_error=reason,
            )
        )

    def extend_leases(self, ids: list[int], worker_id: str, until: datetime) -> None:
        """Keep items leased while their work goes on."""
        q = queue_items
        for chunk in _chunks(ids):
            self._conn.execute(
                sa.update(q)
                .where(
                    q.c.id.in_(chunk),
                    q.c.state == QueueState.IN_FLIGHT.value,
                    q.c.leased_by == worker_id,
                )
                .values(lease_expires_at=until)
            )

    def recover_expired(self, *, now: datetime | None = None) -> int:
        """Put items whose lease ran out (their worker died) back to pending."""
        q = queue_items
        return self._conn.execute(
            sa.update(q)
            .where(
                q.c.state == QueueState.IN_FLIGHT.value, q.c.lease_expires_at < (now or utcnow())
            )
            .values(state=QueueState.PENDING.value, lease_expires_at=None, leased_by=None)
        ).rowcount

    def count_due(self, *, within_seconds: float = 0.0) -> int:
        """Pending items due within ``within_seconds``, plus items in flight."""
        q = queue_items
        soon = utcnow() + timedelta(seconds=within_seconds)
        return int(
            self._conn.execute(
                sa.select(sa.func.count())
                .select_from(q)
                .where(
                    sa.or_(
                        q.c.state == QueueState.IN_FLIGHT.value,
                        sa.and_(q.c.state == QueueState.PENDING.value, q.c.next_try_at <= soon),
                    )
                )
            ).scalar_one()
        )

    def has_open(
        self, subscription_id: int, direction: Direction, data_type: str, key: str
    ) -> bool:
        """Whether an item of that record is pending or in flight."""
        q = queue_items
        return (
            self._conn.execute(
                sa.select(q.c.id)
                .where(
                    q.c.subscription_id == subscription_id,
                    q.c.data_type == data_type,
                    q.c.record_key == key,
                    q.c.direction == direction.value,
                    q.c.state.in_(_OPEN),
                )
                .limit(1)
            ).first()
            is not None
        )

    def latest(
        self, subscription_id: int, direction: Direction, data_type: str, key: str
    ) -> QueueItemRow | None:
        """The newest item of a record, if any."""
        q = queue_items
        row = self._conn.execute(
            sa.select(q)
            .where(
                q.c.subscription_id == subscription_id,
                q.c.data_type == data_type,
                q.c.record_key == key,
                q.c.direction == direction.value,
            )
            .order_by(q.c.id.desc())
            .limit(1)
        ).first()
        return _row(row._mapping) if row is not None else None

    def get(self, item_id: int) -> QueueItemRow | None:
        """One item as monitoring shows it."""
        row = self._conn.execute(sa.select(queue_items).where(queue_items.c.id == item_id)).first()
        return _row(row._mapping) if row is not None else None

    def items(
        self,
        *,
        state: QueueState | None = None,
        subscription_id: int | None = None,
        tracking_id: str | None = None,
        limit: int = 100,
    ) -> list[QueueItemRow]:
        """Items, newest first, filtered by state, subscription or tracking id."""
        q = queue_items
        query = sa.select(q).order_by(q.c.id.desc()).limit(limit)
        if state is not None:
            query = query.where(q.c.state == state.value)
        if subscription_id is not None:
            query = query.where(q.c.subscription_id == subscription_id)
        if tracking_id is not None:
            query = query.where(q.c.tracking_id == tracking_id)
        return [_row(r._mapping) for r in self._conn.execute(query)]

    def retry_errors(
        self, ids: list[int] | None = None, *, subscription_id: int | None = None
    ) -> int:
        """Send error items (the given ones, or all) back to the queue with fresh attempts."""
        q = queue_items
        stmt = sa.update(q).where(q.c.state == QueueState.ERROR.value)
        if ids is not None:
            stmt = stmt.where(q.c.id.in_(ids))
        if subscription_id is not None:
            stmt = stmt.where(q.c.subscription_id == subscription_id)
        return self._conn.execute(
            stmt.values(
                state=QueueState.PENDING.value,
                attempts=0,
                next_try_at=utcnow(),
                finished_at=None,
                leased_by=None,
            )
        ).rowcount

    def discard_errors(
        self, ids: list[int] | None = None, *, subscription_id: int | None = None
    ) -> int:
        """Give up on error items (the given ones, or all); they are kept as discarded."""
        q = queue_items
        stmt = sa.update(q).where(q.c.state == QueueState.ERROR.value)
        if ids is not None:
            stmt = stmt.where(q.c.id.in_(ids))
        if subscription_id is not None:
            stmt = stmt.where(q.c.subscription_id == subscription_id)
        return self._conn.execute(
            stmt.values(state=QueueState.DISCARDED.value, finished_at=utcnow())
        ).rowcount

    def prune_finished(self, before: datetime, *, batch: int = 5000) -> int:
        """Delete one batch of done or discarded items finished before ``before``."""
        q = queue_items
        ids = (
            sa.select(q.c.id)
            .where(
                q.c.state.in_((QueueState.DONE.value, QueueState.DISCARDED.value)),
                q.c.finished_at < before,
            )
            .limit(batch)
        )
        return self._conn.execute(sa.delete(q).where(q.c.id.in_(ids.scalar_subquery()))).rowcount

    def depth(self) -> list[QueueDepth]:
        """Per subscription: pending, in flight and error counts, and the oldest pending."""
        q = queue_items
        rows = self._conn.execute(
            sa.select(
                q.c.subscription_id,
                q.c.state,
                sa.func.count(),
                sa.func.min(q.c.created_at),
            )
            .where(q.c.state.in_((*_OPEN, QueueState.ERROR.value)))
            .group_by(q.c.subscription_id, q.c.state)
        ).all()
        found: dict[int, dict[str, Any]] = {}
        for sub, state, count, oldest in rows:
            entry = found.setdefault(int(sub), {"oldest": None})
            entry[state] = int(count)
            if state == QueueState.PENDING.value:
                entry["oldest"] = oldest
        names = dict(
            self._conn.execute(
                sa.select(subscriptions.c.id, subscriptions.c.name).where(
                    subscriptions.c.id.in_(list(found))
                )
            ).all()
        )
        return [
            QueueDepth(
                subscription_id=sub,
                subscription_name=names.get(sub, ""),
                pending=e.get("pending", 0),
                in_flight=e.get("in_flight", 0),
                error=e.get("error", 0),
                oldest_pending_at=_aware(e["oldest"]),
            )
            for sub, e in sorted(found.items())
        ]


def _aware(value: Any) -> datetime | None:
    # min() over a column loses the column type on SQLite: convert the text back.
    if value is None or isinstance(value, datetime):
        return value if value is None or value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)


def _new_row(item: NewQueueItem, now: datetime) -> dict[str, Any]:
    """The queue_items row of a new pending item."""
    return {
        "subscription_id": item.subscription_id,
        "direction": item.direction.value,
        "data_type": item.data_type,
        "record_key": item.record_key,
        "method": item.method.value,
        "payload": item.payload,
        "state": QueueState.PENDING.value,
        "priority": item.priority,
        "attempts": 0,
        "next_try_at": now,
        "tracking_id": item.tracking_id or new_tracking_id(),
        "hub_version": item.hub_version,
        "trigger": item.trigger,
        "debug": item.debug,
        "parent_item_id": item.parent_item_id,
        "created_at": now,
    }
