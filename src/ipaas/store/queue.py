"""Queue items: the transactional outbox of the hub. Enqueue joins the caller's transaction."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ipaas.domain import Direction, Method, QueueState
from ipaas.store.tables import queue_items
from ipaas.store.types import utcnow


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


class QueueRepository:
    """Writes and reads queue items inside the unit of work's transaction."""

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
        rows = [
            {
                "subscription_id": i.subscription_id,
                "direction": i.direction.value,
                "data_type": i.data_type,
                "record_key": i.record_key,
                "method": i.method.value,
                "payload": i.payload,
                "state": QueueState.PENDING.value,
                "priority": i.priority,
                "attempts": 0,
                "next_try_at": now,
                "tracking_id": i.tracking_id or new_tracking_id(),
                "hub_version": i.hub_version,
                "trigger": i.trigger,
                "debug": i.debug,
                "parent_item_id": i.parent_item_id,
                "created_at": now,
            }
            for i in items
        ]
        result = self._conn.execute(
            sa.insert(queue_items).returning(queue_items.c.id, sort_by_parameter_order=True),
            rows,
        )
        tracking_ids = [str(row["tracking_id"]) for row in rows]
        return list(zip((int(i) for i in result.scalars()), tracking_ids, strict=True))

    def count(self, *, state: QueueState | None = None, subscription_id: int | None = None) -> int:
        """How many items there are in ``state`` (all states when None)."""
        query = sa.select(sa.func.count()).select_from(queue_items)
        if state is not None:
            query = query.where(queue_items.c.state == state.value)
        if subscription_id is not None:
            query = query.where(queue_items.c.subscription_id == subscription_id)
        return int(self._conn.execute(query).scalar_one())
