"""``/api/v1/queue``: queue depth and age, items with their whole story, retry, discard,
bulk retry, manual transfers with debug, and initialization with progress."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import BackgroundTasks, Query
from pydantic import BaseModel, Field

from ipaas.api.context import Ctx
from ipaas.api.pagination import Page, PageDep, make_page
from ipaas.api.resources.api_calls import ApiCallOut
from ipaas.api.routing import MAX_ID, IdField, IdPath, RequestBody, feature_router
from ipaas.bootstrap import Hub
from ipaas.domain import Direction
from ipaas.domain.roles import Feature
from ipaas.services import queue as service
from ipaas.store import monitoring as queries
from ipaas.store.transfer import InitializationRow
from ipaas.store.types import utcnow

log = logging.getLogger(__name__)
router = feature_router(Feature.MONITORING, "/queue", tags=["queue"])

SubscriptionQuery = Annotated[int | None, Query(ge=1, le=MAX_ID)]
DataType = Annotated[str, Field(pattern=r"^[a-z_]{1,40}$")]
ItemIds = Annotated[list[IdField], Field(min_length=1, max_length=service.MAX_IDS)]


class DepthOut(BaseModel):
    subscription_id: int
    direction: str
    pending: int
    in_flight: int
    error: int
    oldest_pending_at: datetime | None
    oldest_pending_age_seconds: float | None


class ItemOut(BaseModel):
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
    trigger: str
    debug: bool
    created_at: datetime
    next_try_at: datetime
    finished_at: datetime | None

    @classmethod
    def of(cls, row: dict[str, Any]) -> ItemOut:
        return cls(**{k: row[k] for k in cls.model_fields})


class ItemDetail(ItemOut):
    payload: dict[str, Any] | None
    hub_version: int | None
    parent_item_id: int | None
    priority: int


class LogOut(BaseModel):
    at: datetime
    level: str
    text: str
    details: dict[str, Any] | None = None


class MappedOut(BaseModel):
    """What the item's last attempt sent: the mapped ``payload``, or when it was long an
    ``excerpt`` of its JSON (``truncated``)."""

    at: datetime
    payload: dict[str, Any] | None = None
    excerpt: str | None = None
    truncated: bool = False


class StoryOut(BaseModel):
    item: ItemDetail
    #: The mapped payload of the last attempt (from_hub items that reached mapping).
    mapped: MappedOut | None
    api_calls: list[ApiCallOut]
    activity: list[LogOut]
    technical: list[LogOut]
    related_items: list[ItemOut]


class IdsIn(RequestBody):
    ids: ItemIds


class BulkRetryIn(RequestBody):
    subscription_id: IdField | None = None
    data_type: DataType | None = None


class CountOut(BaseModel):
    count: int


class TransferIn(RequestBody):
    subscription_id: IdField
    data_type: DataType
    direction: Direction
    ids: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=255)]],
        Field(min_length=1, max_length=service.MAX_IDS),
    ]
    #: ``external``: ids in the subscription's system; ``hub``: hub record ids.
    by: Literal["external", "hub"] = "external"
    #: Put the items first in the queue and record full bodies in the technical log.
    debug: bool = False


class TransferOut(BaseModel):
    tracking_id: str
    queued: int


class InitializeIn(RequestBody):
    subscription_id: IdField
    data_types: Annotated[list[DataType], Field(min_length=1, max_length=20)]
    direction: Direction
    debug: bool = False


class InitializationOut(BaseModel):
    id: int
    subscription_id: int
    data_type: str
    direction: str
    state: str
    pages: int
    records: int
    tracking_id: str
    last_error: str | None

    @classmethod
    def of(cls, r: InitializationRow) -> InitializationOut:
        return cls(**{k: getattr(r, k) for k in cls.model_fields})


@router.get("/depth", response_model=list[DepthOut])
def queue_depth(ctx: Ctx, subscription_id: SubscriptionQuery = None) -> list[DepthOut]:
    """Items waiting, in flight and in error per subscription and direction, and how long
    the oldest has waited."""
    now = utcnow()
    return [
        DepthOut(
            **asdict(d),
            oldest_pending_age_seconds=(now - d.oldest_pending_at).total_seconds()
            if d.oldest_pending_at
            else None,
        )
        for d in service.depth(ctx.uow, ctx.tenant, subscription_id)
    ]


@router.get("/items", response_model=Page[ItemOut])
def list_items(
    ctx: Ctx,
    page: PageDep,
    subscription_id: SubscriptionQuery = None,
    state: Literal["pending", "in_flight", "done", "error", "discarded"] | None = None,
    direction: Direction | None = None,
    data_type: Annotated[str | None, Query(pattern=r"^[a-z_]{1,40}$")] = None,
    tracking_id: Annotated[str | None, Query(max_length=40)] = None,
    record_key: Annotated[str | None, Query(max_length=255)] = None,
) -> Page[ItemOut]:
    """Queue items, oldest first, filtered by subscription, state, direction, data type,
    tracking id or record key."""
    rows = queries.queue_items_page(
        ctx.uow.conn,
        service.subscription_ids(ctx.uow, ctx.tenant, subscription_id),
        state=state,
        direction=direction.value if direction else None,
        data_type=data_type,
        tracking_id=tracking_id,
        record_key=record_key,
        after_id=page.after_id,
        limit=page.fetch,
    )
    return make_page(rows, page, ItemOut.of, lambda r: int(r["id"]))


def _log(row: dict[str, Any], technical: bool) -> LogOut:
    if technical:
        return LogOut(at=row["at"], level=row["level"], text=row["event"], details=row["details"])
    return LogOut(at=row["at"], level=row["level"], text=row["message"])


@router.get("/items/{item_id}", response_model=StoryOut)
def get_item(item_id: IdPath, ctx: Ctx) -> StoryOut:
    """An item with its whole story: trigger, attempts, payload, error, api calls, and the
    log lines and other items of its tracking id."""
    found = service.story(ctx.uow, ctx.tenant, item_id)
    detail = ItemDetail(
        **ItemOut.of(found.item).model_dump(),
        payload=found.item["payload"],
        hub_version=found.item["hub_version"],
        parent_item_id=found.item["parent_item_id"],
        priority=found.item["priority"],
    )
    return StoryOut(
        item=detail,
        mapped=MappedOut(**found.mapped) if found.mapped else None,
        api_calls=[ApiCallOut.of(c) for c in found.api_calls],
        activity=[_log(r, False) for r in found.activity],
        technical=[_log(r, True) for r in found.technical],
        related_items=[ItemOut.of(r) for r in found.related],
    )


@router.post("/retry", response_model=CountOut)
def retry(body: IdsIn, ctx: Ctx) -> CountOut:
    """Queue error items again with fresh attempts (others are left alone)."""
    count = service.retry(ctx.uow, ctx.tenant, body.ids)
    ctx.audit("queue.retry", "queue_item", None, {"ids": body.ids[:100], "count": count})
    ctx.commit()
    return CountOut(count=count)


@router.post("/discard", response_model=CountOut)
def discard(body: IdsIn, ctx: Ctx) -> CountOut:
    """Give up on error items; they stay visible as discarded."""
    count = service.discard(ctx.uow, ctx.tenant, body.ids)
    ctx.audit("queue.discard", "queue_item", None, {"ids": body.ids[:100], "count": count})
    ctx.commit()
    return CountOut(count=count)


@router.post("/retry-all", response_model=CountOut)
def retry_all(body: BulkRetryIn, ctx: Ctx) -> CountOut:
    """Retry every error item (of one subscription, of one data type)."""
    count = service.bulk_retry(ctx.uow, ctx.tenant, body.subscription_id, body.data_type)
    ctx.audit("queue.retry_all", "queue_item", None, {**body.model_dump(), "count": count})
    ctx.commit()
    return CountOut(count=count)


@router.post("/transfers", status_code=202, response_model=TransferOut)
def manual_transfer(body: TransferIn, ctx: Ctx) -> TransferOut:
    """Queue records by id, either direction; follow them with the tracking id."""
    tracking, queued = service.transfer(
        ctx.uow,
        ctx.tenant,
        body.subscription_id,
        body.data_type,
        body.direction,
        body.ids,
        by=body.by,
        debug=body.debug,
    )
    details = {"subscription": body.subscription_id, "count": queued, "tracking_id": tracking}
    ctx.audit("queue.transfer", "subscription", body.subscription_id, details)
    ctx.commit()
    return TransferOut(tracking_id=tracking, queued=queued)


def _initialize_off_the_loop(hub: Hub, body: InitializeIn) -> None:
    """Run an initialization on an event loop of its own, in a worker thread.

    Initialization's database calls are synchronous. On the server's loop they would wait
    for SQLite's write lock while a finished request holding it waits for that same loop
    to close its transaction: the whole hub would stall until the busy timeout.
    """
    asyncio.run(_initialize(hub, body))


async def _initialize(hub: Hub, body: InitializeIn) -> None:
    from ipaas.transfer import initialize
    from ipaas.transfer.registry_provider import RegistryConnectorProvider

    provider = hub.connectors
    own = None
    if body.direction is Direction.TO_HUB and (
        provider is None or isinstance(provider, RegistryConnectorProvider)
    ):
        # An HTTP client belongs to one event loop: this loop gets connectors of its own.
        provider = own = RegistryConnectorProvider(hub)
    try:
        await initialize(
            hub,
            body.subscription_id,
            body.data_types,
            body.direction,
            provider=provider,
            debug=body.debug,
        )
    except Exception:  # the run's row keeps its progress; the next start resumes it
        log.exception("initialization of subscription %s stopped", body.subscription_id)
    finally:
        if own is not None:
            await own.close()


@router.post("/initializations", status_code=202, response_model=list[InitializationOut])
def start_initialization(
    body: InitializeIn, ctx: Ctx, background: BackgroundTasks
) -> list[InitializationOut]:
    """Queue every record of the data types (in dependency order), in the background.
    Follow the progress with ``GET /queue/initializations?subscription_id=``."""
    service.check_initialization(
        ctx.uow, ctx.tenant, body.subscription_id, body.data_types, body.direction
    )
    ctx.audit(
        "queue.initialize", "subscription", body.subscription_id, body.model_dump(mode="json")
    )
    ctx.commit()
    rows = service.initializations(ctx.uow, ctx.tenant, body.subscription_id)
    # End this request's transaction so the background run can write (SQLite has one writer).
    ctx.uow.rollback()
    background.add_task(_initialize_off_the_loop, ctx.hub, body)
    return [InitializationOut.of(r) for r in rows]


@router.get("/initializations", response_model=list[InitializationOut])
def list_initializations(
    ctx: Ctx, subscription_id: Annotated[int, Query(ge=1, le=MAX_ID)]
) -> list[InitializationOut]:
    """Initializations of a subscription with their progress (pages, records), newest first."""
    rows = service.initializations(ctx.uow, ctx.tenant, subscription_id)
    return [InitializationOut.of(r) for r in rows]
