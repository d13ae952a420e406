"""The activity log (for users, in words) and the technical log (for integrators).

Lines of one claim batch are buffered and written in the batch's transaction.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from ipaas.store.queue import QueueItem
from ipaas.store.transfer import TransferStore
from ipaas.store.types import utcnow


@dataclass
class LogBuffer:
    """Log lines waiting to be written with the batch that produced them."""

    activity: list[dict[str, Any]] = field(default_factory=list)
    technical: list[dict[str, Any]] = field(default_factory=list)

    def say(
        self,
        item: QueueItem,
        message: str,
        *,
        level: str = "info",
        hub_record_id: int | None = None,
    ) -> None:
        """An activity line: what happened to which record, in words."""
        self.activity.append(
            {
                "at": utcnow(),
                "subscription_id": item.subscription_id,
                "queue_item_id": item.id,
                "tracking_id": item.tracking_id,
                "data_type": item.data_type,
                "record_key": item.record_key,
                "hub_record_id": hub_record_id,
                "level": level,
                "message": message,
            }
        )

    def note(
        self,
        item: QueueItem,
        event: str,
        details: dict[str, Any] | None = None,
        *,
        level: str = "info",
    ) -> None:
        """A technical line: an event of the item's processing, with details."""
        self.technical.append(
            {
                "at": utcnow(),
                "subscription_id": item.subscription_id,
                "queue_item_id": item.id,
                "tracking_id": item.tracking_id,
                "level": level,
                "event": event,
                "details": details,
            }
        )

    def mapped(self, item: QueueItem, output: dict[str, Any]) -> None:
        """A technical ``mapped`` line with the mapped payload (a bounded excerpt), so an
        item's story shows what its last attempt sent."""
        self.note(item, "mapped", mapped_excerpt(output))

    def flush(self, store: TransferStore) -> None:
        """Write and forget the buffered lines."""
        store.add_logs(self.activity, self.technical)
        self.activity = []
        self.technical = []


#: A mapped payload longer than this (as JSON) is kept as a truncated text excerpt.
MAPPED_EXCERPT_CHARS = 4000


def mapped_excerpt(output: dict[str, Any]) -> dict[str, Any]:
    """``{"payload": output}``, or ``{"excerpt": first chars of its JSON, "truncated": true}``
    when it is long (a 1,000-line order must not bloat the log)."""
    text = json.dumps(output, default=str, separators=(",", ":"))
    if len(text) <= MAPPED_EXCERPT_CHARS:
        return {"payload": json.loads(text)}
    return {"excerpt": text[:MAPPED_EXCERPT_CHARS], "truncated": True}


def prune_logs(store: TransferStore, retention_days: float) -> int:
    """Delete one batch of log lines older than the retention."""
    return store.prune_logs(utcnow() - timedelta(days=retention_days))
