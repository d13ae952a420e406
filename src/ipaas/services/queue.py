"""Queue and transfer for people: depth and age, items with their whole story, retry,
discard, bulk retry, manual transfers, and initialization progress.

Everything runs in the caller's unit of work (so one request is one transaction) through
the queue repository and the transfer engine's store; background initialization uses the
engine's ``initialize`` after the caller committed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ipaas.domain import Direction
from ipaas.domain.accounts import TenantScope
from ipaas.errors import NotFoundError, ValidationError
from ipaas.services.hub_data import check_data_type
from ipaas.store import monitoring as queries
from ipaas.store.api_calls import ApiCall, ApiCallFilter, ApiCallRepository
from ipaas.store.catalog import CatalogRepository
from ipaas.store.monitoring import DirectionDepth
from ipaas.store.transfer import InitializationRow, TransferStore
from ipaas.store.unit_of_work import UnitOfWork
from ipaas.transfer.manual import queue_transfer

#: Most ids one manual transfer or retry may name.
MAX_IDS = 10_000
#: Most items one bulk retry touches.
MAX_BULK = 100_000


def subscription_ids(
    uow: UnitOfWork, scope: TenantScope, subscription_id: int | None = None
) -> list[int]:
    """The scope's subscriptions, or the one given (``NotFoundError`` when not the scope's)."""
    catalog = CatalogRepository(uow.conn)
    if subscription_id is not None:
        catalog.subscription(scope, subscription_id)
        return [subscription_id]
    return catalog.subscription_ids(scope)


def depth(uow: UnitOfWork, scope: TenantScope, subscription_id: int | None) -> list[DirectionDepth]:
    return queries.queue_depth(uow.conn, subscription_ids(uow, scope, subscription_id))


@dataclass(frozen=True, slots=True)
class ItemStory:
    """A queue item and everything that happened to it."""

    item: dict[str, Any]
    api_calls: list[ApiCall]
    activity: list[dict[str, Any]]
    technical: list[dict[str, Any]]
    related: list[dict[str, Any]]
    #: What the last attempt sent (from_hub): ``payload``, or ``excerpt`` when truncated.
    mapped: dict[str, Any] | None = None


def story(uow: UnitOfWork, scope: TenantScope, item_id: int) -> ItemStory:
    """The item (trigger, attempts, payload, error), its api calls, the activity and
    technical log lines of its tracking id, and the other items of that tracking id."""
    subs = subscription_ids(uow, scope)
    item = queries.queue_item(uow.conn, subs, item_id)
    if item is None:
        raise NotFoundError(f"queue item {item_id} not found")
    calls = ApiCallRepository(uow.conn).list(ApiCallFilter(queue_item_id=item_id), limit=200)
    store = TransferStore(uow.conn)
    tracking = item["tracking_id"]
    related = queries.queue_items_page(
        uow.conn,
        subs,
        state=None,
        direction=None,
        data_type=None,
        tracking_id=tracking,
        record_key=None,
        after_id=0,
        limit=50,
    )
    return ItemStory(
        item=item,
        api_calls=calls.items,
        activity=[
            r for r in store.activity(tracking_id=tracking) if r["subscription_id"] in (None, *subs)
        ],
        technical=[
            r
            for r in store.technical(tracking_id=tracking)
            if r["subscription_id"] in (None, *subs)
        ],
        related=[r for r in related if r["id"] != item_id],
        mapped=queries.last_mapped(uow.conn, item_id, tracking),
    )


def _own_ids(uow: UnitOfWork, scope: TenantScope, ids: list[int]) -> list[int]:
    if len(ids) > MAX_IDS:
        raise ValidationError(f"at most {MAX_IDS} ids at once", field="ids")
    return queries.items_in(uow.conn, subscription_ids(uow, scope), ids)


def retry(uow: UnitOfWork, scope: TenantScope, ids: list[int]) -> int:
    """Queue the given error items again with fresh attempts; returns how many."""
    own = _own_ids(uow, scope, ids)
    return uow.queue.retry_errors(own) if own else 0


def discard(uow: UnitOfWork, scope: TenantScope, ids: list[int]) -> int:
    """Give up on the given error items (kept as discarded); returns how many."""
    own = _own_ids(uow, scope, ids)
    return uow.queue.discard_errors(own) if own else 0


def bulk_retry(
    uow: UnitOfWork, scope: TenantScope, subscription_id: int | None, data_type: str | None
) -> int:
    """Retry every error item of the scope (or of one subscription, one data type)."""
    ids = queries.error_items(
        uow.conn, subscription_ids(uow, scope, subscription_id), data_type, MAX_BULK
    )
    total = 0
    for start in range(0, len(ids), 500):
        total += uow.queue.retry_errors(ids[start : start + 500])
    return total


def transfer(
    uow: UnitOfWork,
    scope: TenantScope,
    subscription_id: int,
    data_type: str,
    direction: Direction,
    ids: list[str],
    *,
    by: str,
    debug: bool,
) -> tuple[str, int]:
    """Queue records by external or hub ids (as ``ipaas.transfer.transfer_records`` does,
    inside this unit of work); returns the tracking id and how many items were queued."""
    check_data_type(data_type)
    sub = CatalogRepository(uow.conn).subscription(scope, subscription_id)
    if len(ids) > MAX_IDS:
        raise ValidationError(f"at most {MAX_IDS} ids at once", field="ids")
    queued = queue_transfer(uow, sub.id, sub.company_id, data_type, direction, ids, by, debug)
    return queued.tracking_id, queued.queued


def initializations(
    uow: UnitOfWork, scope: TenantScope, subscription_id: int
) -> list[InitializationRow]:
    """Every initialization of a subscription with its progress, newest first."""
    subscription_ids(uow, scope, subscription_id)
    return TransferStore(uow.conn).initializations_of(subscription_id)


def check_initialization(
    uow: UnitOfWork,
    scope: TenantScope,
    subscription_id: int,
    data_types: list[str],
    direction: Direction,
) -> None:
    """Raise before starting an initialization the subscription cannot run."""
    subscription_ids(uow, scope, subscription_id)
    for data_type in data_types:
        check_data_type(data_type)
