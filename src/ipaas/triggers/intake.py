"""Turning accepted events into to_hub queue items, idempotently, in one transaction.

``commit_events`` is the single write path of webhooks and polling: it drops repeated
deliveries (same event id, or the same scope and record while an item is still pending),
enqueues the rest and records them, all in the caller's transaction.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from ipaas.domain import Direction, Method
from ipaas.store import NewQueueItem, UnitOfWork, new_tracking_id
from ipaas.store.triggers import TriggerRepository


@dataclass(frozen=True, slots=True)
class InboundEvent:
    """One change announced to the hub (by a webhook or a poll)."""

    subscription_id: int
    data_type: str
    external_id: str
    method: Method
    scope: str
    payload: dict[str, Any] | None = None
    dedupe_key: str | None = None
    trigger: str = "webhook"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one event: its tracking id, and whether it repeated an earlier one."""

    tracking_id: str
    duplicate: bool


def commit_events(uow: UnitOfWork, events: list[InboundEvent]) -> list[Outcome]:
    """Enqueue ``events`` (deduplicated) in ``uow``'s transaction; the caller commits.

    A repeated event gets the tracking id of the item it repeats. An event carrying a
    payload refreshes the payload of a still-pending item instead of adding another.
    """
    repo = TriggerRepository(uow.conn)
    outcomes: list[Outcome | None] = [None] * len(events)
    by_subscription: dict[int, list[int]] = defaultdict(list)
    for index, event in enumerate(events):
        by_subscription[event.subscription_id].append(index)

    new_items: list[NewQueueItem] = []
    event_rows: list[dict[str, Any]] = []
    for subscription_id, indexes in by_subscription.items():
        seen = repo.seen_dedupe_keys(
            subscription_id, (k for i in indexes if (k := events[i].dedupe_key) is not None)
        )
        pending = repo.pending_items(
            subscription_id, ((events[i].data_type, events[i].external_id) for i in indexes)
        )
        for index in indexes:
            event = events[index]
            if event.dedupe_key is not None and event.dedupe_key in seen:
                outcomes[index] = Outcome(seen[event.dedupe_key], duplicate=True)
                continue
            record = (event.data_type, event.external_id, event.method.value)
            earlier = pending.get(record)
            if earlier is not None and (
                event.payload is None or _refresh(repo, new_items, earlier[0], event.payload)
            ):
                outcomes[index] = Outcome(earlier[1], duplicate=True)
                if event.dedupe_key is not None:
                    seen[event.dedupe_key] = earlier[1]
                continue
            tracking_id = new_tracking_id()
            outcomes[index] = Outcome(tracking_id, duplicate=False)
            # Later repeats in this batch see this one as pending (negative: a new item).
            pending[record] = (-(len(new_items) + 1), tracking_id)
            if event.dedupe_key is not None:
                seen[event.dedupe_key] = tracking_id
            new_items.append(
                NewQueueItem(
                    subscription_id=subscription_id,
                    direction=Direction.TO_HUB,
                    data_type=event.data_type,
                    record_key=event.external_id,
                    method=event.method,
                    payload=event.payload,
                    tracking_id=tracking_id,
                    trigger=event.trigger,
                )
            )
            # Only keyed deliveries need a row: it is what recognises their repeats.
            if event.dedupe_key is None:
                continue
            event_rows.append(
                {
                    "subscription_id": subscription_id,
                    "dedupe_key": event.dedupe_key,
                    "scope": event.scope,
                    "external_id": event.external_id,
                    "tracking_id": tracking_id,
                }
            )
    uow.queue.append_many(new_items)
    repo.add_events(event_rows)
    return [o for o in outcomes if o is not None]


def _refresh(
    repo: TriggerRepository, new_items: list[NewQueueItem], item_id: int, payload: dict[str, Any]
) -> bool:
    if item_id < 0:
        position = -item_id - 1
        item = new_items[position]
        new_items[position] = NewQueueItem(
            subscription_id=item.subscription_id,
            direction=item.direction,
            data_type=item.data_type,
            record_key=item.record_key,
            method=item.method,
            payload=payload,
            tracking_id=item.tracking_id,
            trigger=item.trigger,
        )
        return True
    return repo.refresh_pending_payload(item_id, payload)
