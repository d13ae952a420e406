"""Queue monitoring: depth per subscription, errors, retry and discard (one or all)."""

from __future__ import annotations

from ipaas.bootstrap import Hub
from ipaas.domain import QueueState
from ipaas.store.queue import QueueDepth, QueueItemRow


def queue_status(hub: Hub) -> list[QueueDepth]:
    """Pending, in flight and error counts per subscription."""
    with hub.unit_of_work() as uow:
        return uow.queue.depth()


def list_errors(
    hub: Hub, *, subscription_id: int | None = None, limit: int = 100
) -> list[QueueItemRow]:
    """Items in error, newest first."""
    with hub.unit_of_work() as uow:
        return uow.queue.items(state=QueueState.ERROR, subscription_id=subscription_id, limit=limit)


def retry_errors(
    hub: Hub, ids: list[int] | None = None, *, subscription_id: int | None = None
) -> int:
    """Queue error items again (the given ids, or all); returns how many."""
    with hub.unit_of_work() as uow:
        count = uow.queue.retry_errors(ids, subscription_id=subscription_id)
        uow.commit()
    return count


def discard_errors(
    hub: Hub, ids: list[int] | None = None, *, subscription_id: int | None = None
) -> int:
    """Give up on error items (the given ids, or all); returns how many."""
    with hub.unit_of_work() as uow:
        count = uow.queue.discard_errors(ids, subscription_id=subscription_id)
        uow.commit()
    return count
