"""Queries for monitoring: queue depth and age per subscription and direction, queue items
with their detail, and counts over time buckets (records in and out, errors, latency,
throttling) from the queue, the api-call log and the technical log."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from ipaas.store.tables import api_calls, queue_items
from ipaas.store.transfer_tables import technical_log

_OPEN_OR_ERROR = ("pending", "in_flight", "error")


@dataclass(frozen=True, slots=True)
class DirectionDepth:
    subscription_id: int
    direction: str
    pending: int
    in_flight: int
    error: int
    oldest_pending_at: datetime | None


def _aware(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)


def queue_depth(conn: sa.Connection, subscription_ids: Sequence[int]) -> list[DirectionDepth]:
    """Pending, in flight and error counts and the oldest pending item, per subscription
    and direction (only pairs that have any)."""
    q = queue_items
    rows = conn.execute(
        sa.select(
            q.c.subscription_id,
            q.c.direction,
            q.c.state,
            sa.func.count(),
            sa.func.min(q.c.created_at),
        )
        .where(q.c.subscription_id.in_(list(subscription_ids)), q.c.state.in_(_OPEN_OR_ERROR))
        .group_by(q.c.subscription_id, q.c.direction, q.c.state)
    ).all()
    found: dict[tuple[int, str], dict[str, Any]] = {}
    for sub, direction, state, count, oldest in rows:
        entry = found.setdefault((int(sub), direction), {"oldest": None})
        entry[state] = int(count)
        if state == "pending":
            entry["oldest"] = _aware(oldest)
    return [
        DirectionDepth(
            sub,
            direction,
            e.get("pending", 0),
            e.get("in_flight", 0),
            e.get("error", 0),
            e["oldest"],
        )
        for (sub, direction), e in sorted(found.items())
    ]


def queue_items_page(
    conn: sa.Connection,
    subscription_ids: Sequence[int],
    *,
    state: str | None,
    direction: str | None,
    data_type: str | None,
    tracking_id: str | None,
    record_key: str | None,
    after_id: int,
    limit: int,
) -> list[dict[str, Any]]:
    """Queue items of the given subscriptions, by id."""
    q = queue_items
    query = (
        sa.select(q)
        .where(q.c.subscription_id.in_(list(subscription_ids)), q.c.id > after_id)
        .order_by(q.c.id)
        .limit(limit)
    )
    for column, value in (
        (q.c.state, state),
        (q.c.direction, direction),
        (q.c.data_type, data_type),
        (q.c.tracking_id, tracking_id),
        (q.c.record_key, record_key),
    ):
        if value is not None:
            query = query.where(column == value)
    return [dict(r._mapping) for r in conn.execute(query)]


def queue_item(
    conn: sa.Connection, subscription_ids: Sequence[int], item_id: int
) -> dict[str, Any] | None:
    """One queue item of the given subscriptions, every column."""
    q = queue_items
    row = conn.execute(
        sa.select(q).where(q.c.id == item_id, q.c.subscription_id.in_(list(subscription_ids)))
    ).first()
    return dict(row._mapping) if row is not None else None


def items_in(conn: sa.Connection, subscription_ids: Sequence[int], ids: Sequence[int]) -> list[int]:
    """Those of ``ids`` that are items of the given subscriptions."""
    q = queue_items
    found: list[int] = []
    wanted = sorted(set(ids))
    for start in range(0, len(wanted), 500):
        rows = conn.execute(
            sa.select(q.c.id).where(
                q.c.id.in_(wanted[start : start + 500]),
                q.c.subscription_id.in_(list(subscription_ids)),
            )
        )
        found.extend(int(r[0]) for r in rows)
    return found


def error_items(
    conn: sa.Connection, subscription_ids: Sequence[int], data_type: str | None, limit: int
) -> list[int]:
    """Ids of items in error of the given subscriptions (optionally of one data type)."""
    q = queue_items
    query = (
        sa.select(q.c.id)
        .where(q.c.subscription_id.in_(list(subscription_ids)), q.c.state == "error")
        .order_by(q.c.id)
        .limit(limit)
    )
    if data_type is not None:
        query = query.where(q.c.data_type == data_type)
    return [int(r[0]) for r in conn.execute(query)]


# --- counts over time -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FinishedItem:
    subscription_id: int
    direction: str
    state: str
    attempts: int
    created_at: datetime
    finished_at: datetime


def finished_items(
    conn: sa.Connection, subscription_ids: Sequence[int], since: datetime, until: datetime
) -> list[FinishedItem]:
    """Items that finished (done, error, discarded) in ``[since, until)``."""
    q = queue_items
    rows = conn.execute(
        sa.select(
            q.c.subscription_id,
            q.c.direction,
            q.c.state,
            q.c.attempts,
            q.c.created_at,
            q.c.finished_at,
        ).where(
            q.c.subscription_id.in_(list(subscription_ids)),
            q.c.finished_at >= since,
            q.c.finished_at < until,
        )
    )
    return [
        FinishedItem(
            int(r.subscription_id),
            r.direction,
            r.state,
            int(r.attempts),
            r.created_at,
            r.finished_at,
        )
        for r in rows
    ]


def call_times(
    conn: sa.Connection, subscription_ids: Sequence[int], since: datetime, until: datetime
) -> list[tuple[int, datetime, int | None, float, str | None]]:
    """(subscription, at, status, duration ms, error) of api calls in ``[since, until)``."""
    c = api_calls.c
    rows = conn.execute(
        sa.select(c.subscription_id, c.at, c.status, c.duration_ms, c.error).where(
            c.subscription_id.in_(list(subscription_ids)), c.at >= since, c.at < until
        )
    )
    return [(int(r[0]), r[1], r[2], float(r[3]), r[4]) for r in rows]


def wait_notes(
    conn: sa.Connection, subscription_ids: Sequence[int], since: datetime, until: datetime
) -> list[tuple[int, datetime]]:
    """(subscription, at) of the engine's ``wait`` notes (throttled or waiting items)."""
    t = technical_log.c
    rows = conn.execute(
        sa.select(t.subscription_id, t.at).where(
            t.subscription_id.in_(list(subscription_ids)),
            t.event == "wait",
            t.at >= since,
            t.at < until,
        )
    )
    return [(int(r[0]), r[1]) for r in rows]


def last_mapped(conn: sa.Connection, item_id: int, tracking_id: str) -> dict[str, Any] | None:
    """The newest ``mapped`` technical line of a queue item (what its last attempt sent):
    ``{"at", "payload"}`` or ``{"at", "excerpt", "truncated"}``; None if never mapped."""
    t = technical_log
    row = conn.execute(
        sa.select(t.c.at, t.c.details)
        .where(t.c.tracking_id == tracking_id, t.c.queue_item_id == item_id, t.c.event == "mapped")
        .order_by(t.c.id.desc())
        .limit(1)
    ).first()
    if row is None or not isinstance(row.details, dict):
        return None
    return {"at": row.at, **row.details}
