"""Queue item counts by subscription, direction, data type, state and trigger (summaries)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from ipaas.store.tables import queue_items


@dataclass(frozen=True, slots=True)
class QueueTotal:
    subscription_id: int
    direction: str
    data_type: str
    state: str
    trigger: str
    count: int


def queue_totals(conn: sa.Connection) -> list[QueueTotal]:
    """Every (subscription, direction, data type, state, trigger) with its item count."""
    q = queue_items
    rows = conn.execute(
        sa.select(q.c.subscription_id, q.c.direction, q.c.data_type, q.c.state, q.c.trigger)
        .add_columns(sa.func.count())
        .group_by(q.c.subscription_id, q.c.direction, q.c.data_type, q.c.state, q.c.trigger)
    )
    return [QueueTotal(int(r[0]), r[1], r[2], r[3], r[4], int(r[5])) for r in rows]
