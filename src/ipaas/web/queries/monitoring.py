"""Overview figures, queue lists (keyset pages) and an item's whole story."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from ipaas.store.monitoring import last_mapped
from ipaas.store.tables import api_calls, queue_items, subscriptions
from ipaas.store.transfer_tables import activity_log, subscription_throttle, technical_log
from ipaas.store.triggers_tables import poll_states, webhook_events

HOURS = 24


def first_id_since(conn: sa.Connection, table: sa.Table, column: str, since: datetime) -> int:
    """The smallest id whose ``column`` is at or after ``since``, found by bisecting the
    primary key (ids grow with time), so time windows use the primary key, not a scan."""
    ids = conn.execute(sa.select(sa.func.min(table.c.id), sa.func.max(table.c.id))).one()
    low, high = ids[0], ids[1]
    if low is None:
        return 0
    col = table.c[column]
    for _ in range(64):
        if low >= high:
            break
        mid = (low + high) // 2
        at = conn.execute(
            sa.select(col).where(table.c.id >= mid).order_by(table.c.id).limit(1)
        ).scalar()
        if at is None or at >= since:
            high = mid
        else:
            low = mid + 1
    return int(low)


def _hour_bucket(conn: sa.Connection, column: Any) -> Any:
    if conn.dialect.name == "sqlite":
        return sa.func.substr(column, 1, 13)
    return sa.func.to_char(sa.func.timezone("UTC", column), "YYYY-MM-DD HH24")


@dataclass
class SubscriptionHealth:
    """What the overview shows for one subscription."""

    subscription_id: int
    records_in: list[int] = field(default_factory=lambda: [0] * HOURS)
    records_out: list[int] = field(default_factory=lambda: [0] * HOURS)
    pending: int = 0
    in_flight: int = 0
    errors_open: int = 0
    errors_hour: int = 0
    errors_day: int = 0
    last_webhook_at: datetime | None = None
    last_poll_at: datetime | None = None
    paused_until: float = 0.0


def overview(
    conn: sa.Connection, sub_ids: Sequence[int], now: datetime
) -> dict[int, SubscriptionHealth]:
    """Health of each subscription in ``sub_ids``: hourly records in and out over the last
    day, queue depth, errors of the last hour and day, last webhook and poll, throttle."""
    found = {s: SubscriptionHealth(s) for s in sub_ids}
    if not sub_ids:
        return found
    q = queue_items
    start = (now - timedelta(hours=HOURS - 1)).replace(minute=0, second=0, microsecond=0)
    labels = [(start + timedelta(hours=i)).strftime("%Y-%m-%d %H") for i in range(HOURS)]
    index = {label: i for i, label in enumerate(labels)}
    first = first_id_since(conn, q, "created_at", start)
    bucket = _hour_bucket(conn, q.c.created_at).label("bucket")
    rows = conn.execute(
        sa.select(q.c.subscription_id, q.c.direction, bucket, sa.func.count())
        .where(q.c.id >= first, q.c.subscription_id.in_(sub_ids), q.c.state == "done")
        .group_by(q.c.subscription_id, q.c.direction, bucket)
    )
    for sub, direction, label, count in rows:
        i = index.get(str(label))
        if i is not None:
            series = found[sub].records_in if direction == "to_hub" else found[sub].records_out
            series[i] += int(count)
    for sub, state, count in conn.execute(
        sa.select(q.c.subscription_id, q.c.state, sa.func.count())
        .where(q.c.state.in_(("pending", "in_flight", "error")), q.c.subscription_id.in_(sub_ids))
        .group_by(q.c.subscription_id, q.c.state)
    ):
        health = found[sub]
        if state == "pending":
            health.pending = int(count)
        elif state == "in_flight":
            health.in_flight = int(count)
        else:
            health.errors_open = int(count)
    hour_ago, day_ago = now - timedelta(hours=1), now - timedelta(days=1)
    for sub, last_hour, last_day in conn.execute(
        sa.select(
            q.c.subscription_id,
            sa.func.sum(sa.case((q.c.finished_at >= hour_ago, 1), else_=0)),
            sa.func.count(),
        )
        .where(q.c.state == "error", q.c.subscription_id.in_(sub_ids), q.c.finished_at >= day_ago)
        .group_by(q.c.subscription_id)
    ):
        found[sub].errors_hour = int(last_hour or 0)
        found[sub].errors_day = int(last_day or 0)
    w = webhook_events
    newest = (
        sa.select(w.c.subscription_id, sa.func.max(w.c.id).label("id"))
        .where(w.c.subscription_id.in_(sub_ids))
        .group_by(w.c.subscription_id)
        .subquery()
    )
    for sub, at in conn.execute(
        sa.select(w.c.subscription_id, w.c.received_at).join(newest, newest.c.id == w.c.id)
    ):
        found[sub].last_webhook_at = at
    for sub, at in conn.execute(
        sa.select(poll_states.c.subscription_id, sa.func.max(poll_states.c.last_run_at))
        .where(poll_states.c.subscription_id.in_(sub_ids))
        .group_by(poll_states.c.subscription_id)
    ):
        found[sub].last_poll_at = at if isinstance(at, datetime) or at is None else None
    for sub, until in conn.execute(
        sa.select(
            subscription_throttle.c.subscription_id, subscription_throttle.c.paused_until
        ).where(subscription_throttle.c.subscription_id.in_(sub_ids))
    ):
        found[sub].paused_until = float(until or 0.0)
    return found


def hour_labels(now: datetime) -> list[str]:
    """The hour labels of the overview series, oldest first (``HH:00``)."""
    start = now - timedelta(hours=HOURS - 1)
    return [(start + timedelta(hours=i)).strftime("%H:00") for i in range(HOURS)]


@dataclass(frozen=True, slots=True)
class QueueFilter:
    state: str | None = None
    subscription_id: int | None = None
    data_type: str | None = None
    direction: str | None = None
    record_key: str | None = None
    tracking_id: str | None = None


def queue_page(
    conn: sa.Connection,
    sub_ids: Sequence[int],
    where: QueueFilter,
    *,
    before_id: int | None = None,
    limit: int = 50,
) -> tuple[list[dict[str, Any]], int | None]:
    """A page of queue items newest first, and the cursor of the next page (keyset on id)."""
    q = queue_items
    cols = [
        q.c.id, q.c.subscription_id, q.c.direction, q.c.data_type, q.c.record_key,
        q.c.method, q.c.state, q.c.attempts, q.c.last_error, q.c.tracking_id,
        q.c.trigger, q.c.created_at, q.c.finished_at, q.c.next_try_at,
    ]  # fmt: skip
    query = sa.select(*cols).where(q.c.subscription_id.in_(list(sub_ids)))
    if where.subscription_id is not None:
        query = query.where(q.c.subscription_id == where.subscription_id)
    if where.state:
        query = query.where(q.c.state == where.state)
    if where.data_type:
        query = query.where(q.c.data_type == where.data_type)
    if where.direction:
        query = query.where(q.c.direction == where.direction)
    if where.record_key:
        query = query.where(q.c.record_key == where.record_key)
    if where.tracking_id:
        query = query.where(q.c.tracking_id == where.tracking_id)
    if before_id is not None:
        query = query.where(q.c.id < before_id)
    rows = [dict(r._mapping) for r in conn.execute(query.order_by(q.c.id.desc()).limit(limit + 1))]
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1]["id"] if more and rows else None)


def queue_item(conn: sa.Connection, sub_ids: Sequence[int], item_id: int) -> dict[str, Any] | None:
    """One queue item with every column, if it belongs to a visible subscription."""
    row = conn.execute(
        sa.select(queue_items, subscriptions.c.name.label("subscription_name"))
        .join(subscriptions, subscriptions.c.id == queue_items.c.subscription_id)
        .where(queue_items.c.id == item_id, queue_items.c.subscription_id.in_(list(sub_ids)))
    ).first()
    return dict(row._mapping) if row is not None else None


def item_logs(conn: sa.Connection, item_id: int, tracking_id: str) -> dict[str, Any]:
    """The item's technical and activity log lines, its api calls, its related items, and
    ``mapped``: what its last attempt sent (``store.monitoring.last_mapped``)."""
    t, a, c, q = technical_log, activity_log, api_calls, queue_items
    technical = [
        dict(r._mapping)
        for r in conn.execute(
            sa.select(t).where(t.c.tracking_id == tracking_id).order_by(t.c.id).limit(200)
        )
    ]
    activity = [
        dict(r._mapping)
        for r in conn.execute(
            sa.select(a).where(a.c.tracking_id == tracking_id).order_by(a.c.id).limit(200)
        )
    ]
    calls = [
        dict(r._mapping)
        for r in conn.execute(
            sa.select(c).where(c.c.queue_item_id == item_id).order_by(c.c.id).limit(100)
        )
    ]
    related = [
        dict(r._mapping)
        for r in conn.execute(
            sa.select(q.c.id, q.c.direction, q.c.subscription_id, q.c.state, q.c.data_type,
                      q.c.record_key, q.c.method)
            .where(q.c.tracking_id == tracking_id, q.c.id != item_id)
            .order_by(q.c.id)
            .limit(50)
        )
    ]  # fmt: skip
    return {
        "technical": technical,
        "activity": activity,
        "calls": calls,
        "related": related,
        # What the item's last attempt sent, as the transfer engine logged it.
        "mapped": last_mapped(conn, item_id, tracking_id),
    }


def owned_error_ids(conn: sa.Connection, sub_ids: Sequence[int], ids: Sequence[int]) -> list[int]:
    """Those of ``ids`` that are errors of visible subscriptions."""
    if not ids or not sub_ids:
        return []
    q = queue_items
    return [
        int(i)
        for i in conn.execute(
            sa.select(q.c.id).where(
                q.c.id.in_(list(ids)), q.c.subscription_id.in_(list(sub_ids)), q.c.state == "error"
            )
        ).scalars()
    ]


def item_states(
    conn: sa.Connection, sub_ids: Sequence[int], ids: Sequence[int]
) -> dict[int, dict[str, Any]]:
    """State, attempts and last error of visible items (live updates of lists)."""
    if not ids:
        return {}
    q = queue_items
    rows = conn.execute(
        sa.select(q.c.id, q.c.state, q.c.attempts, q.c.last_error).where(
            q.c.id.in_(list(ids)[:200]), q.c.subscription_id.in_(list(sub_ids))
        )
    )
    return {
        int(r.id): {"state": r.state, "attempts": r.attempts, "last_error": r.last_error}
        for r in rows
    }


def progress_of(conn: sa.Connection, tracking_ids: Sequence[str]) -> dict[str, tuple[int, int]]:
    """Per tracking id: (finished items, all items), for initialization progress bars."""
    if not tracking_ids:
        return {}
    q = queue_items
    found: dict[str, list[int]] = {t: [0, 0] for t in tracking_ids}
    for tracking, state, count in conn.execute(
        sa.select(q.c.tracking_id, q.c.state, sa.func.count())
        .where(q.c.tracking_id.in_(list(tracking_ids)))
        .group_by(q.c.tracking_id, q.c.state)
    ):
        found[tracking][1] += int(count)
        if state in ("done", "error", "discarded"):
            found[tracking][0] += int(count)
    return {t: (v[0], v[1]) for t, v in found.items()}
