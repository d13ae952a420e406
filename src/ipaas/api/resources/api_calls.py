"""``/api/v1/api-calls``: data accountability. Every call the hub made to an external
system (secrets were redacted when it was recorded), filtered, one in full, or exported as
CSV or JSON Lines (streamed)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Literal

from fastapi import Depends, Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from ipaas.api.context import Ctx
from ipaas.api.pagination import MAX_LIMIT, Page, decode_cursor, encode_cursor
from ipaas.api.routing import MAX_ID, IdPath, feature_router
from ipaas.bootstrap import Hub
from ipaas.domain.roles import Feature
from ipaas.errors import NotFoundError, ValidationError
from ipaas.services.queue import subscription_ids
from ipaas.store.api_calls import ApiCall, ApiCallFilter, ApiCallRepository

router = feature_router(Feature.MONITORING, "/api-calls", tags=["api calls"])

EXPORT_PAGE = 1000
_FIELDS = (
    "id",
    "at",
    "subscription_id",
    "queue_item_id",
    "tracking_id",
    "data_type",
    "record_key",
    "method",
    "url",
    "status",
    "duration_ms",
    "request_bytes",
    "response_bytes",
    "error",
)


class ApiCallOut(BaseModel):
    id: int
    at: datetime
    subscription_id: int | None
    queue_item_id: int | None
    tracking_id: str | None
    data_type: str | None
    record_key: str | None
    method: str
    url: str
    status: int | None
    duration_ms: float
    request_bytes: int
    response_bytes: int
    error: str | None

    @classmethod
    def of(cls, c: ApiCall) -> ApiCallOut:
        return cls(**{k: getattr(c, k) for k in cls.model_fields})


class ApiCallDetail(ApiCallOut):
    request_excerpt: str | None
    response_excerpt: str | None


def call_filter(
    ctx: Ctx,
    subscription_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    status: Annotated[int | None, Query(ge=100, le=599)] = None,
    status_class: Annotated[int | None, Query(ge=1, le=5, description="4 for 4xx")] = None,
    failed: bool | None = None,
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    tracking_id: Annotated[str | None, Query(max_length=40)] = None,
    record_key: Annotated[str | None, Query(max_length=255)] = None,
    data_type: Annotated[str | None, Query(pattern=r"^[a-z_]{1,40}$")] = None,
    queue_item_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> ApiCallFilter:
    """The filter of a list or export, limited to the caller's subscriptions."""
    for name, value in (("since", since), ("until", until)):
        if value is not None and value.tzinfo is None:
            raise ValidationError(
                f"{name} needs a time zone, e.g. 2026-01-31T12:00:00Z", field=name
            )
    return ApiCallFilter(
        subscription_ids=subscription_ids(ctx.uow, ctx.tenant, subscription_id),
        status=status,
        status_class=status_class,
        failed=failed,
        method=method,
        since=since,
        until=until,
        tracking_id=tracking_id,
        record_key=record_key,
        data_type=data_type,
        queue_item_id=queue_item_id,
    )


FilterDep = Annotated[ApiCallFilter, Depends(call_filter)]


@router.get("", response_model=Page[ApiCallOut])
def list_calls(
    ctx: Ctx,
    where: FilterDep,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> Page[ApiCallOut]:
    """Api calls, newest first, filtered by subscription, status (or class), failure,
    method, time, tracking id, record, data type or queue item."""
    before = decode_cursor(cursor) if cursor else None
    found = ApiCallRepository(ctx.uow.conn).list(where, before_id=before, limit=limit)
    return Page[ApiCallOut](
        items=[ApiCallOut.of(c) for c in found.items],
        next_cursor=encode_cursor(found.next_cursor) if found.next_cursor else None,
    )


def _rows(hub: Hub, where: ApiCallFilter) -> Iterator[ApiCall]:
    before: int | None = None
    while True:
        with hub.engine.connect() as conn:
            found = ApiCallRepository(conn).list(where, before_id=before, limit=EXPORT_PAGE)
        yield from found.items
        if found.next_cursor is None:
            return
        before = found.next_cursor


def _csv(hub: Hub, where: ApiCallFilter) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(_FIELDS)
    for n, call in enumerate(_rows(hub, where)):
        row = asdict(call)
        writer.writerow(["" if row[f] is None else row[f] for f in _FIELDS])
        if n % 200 == 199:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _jsonl(hub: Hub, where: ApiCallFilter) -> Iterator[str]:
    for call in _rows(hub, where):
        yield ApiCallDetail(**asdict(call)).model_dump_json() + "\n"


@router.get("/export")
def export_calls(
    ctx: Ctx, where: FilterDep, format: Literal["csv", "jsonl"] = "jsonl"
) -> StreamingResponse:
    """Every matching call, newest first, streamed as CSV or JSON Lines (full rows)."""
    # End the request's transaction: the stream reads on its own connections.
    ctx.uow.rollback()
    if format == "csv":
        return StreamingResponse(
            _csv(ctx.hub, where),
            media_type="text/csv",
            headers={"Content-Disposition": 'attachment; filename="api-calls.csv"'},
        )
    return StreamingResponse(
        _jsonl(ctx.hub, where),
        media_type="application/x-ndjson",
        headers={"Content-Disposition": 'attachment; filename="api-calls.jsonl"'},
    )


@router.get("/{call_id}", response_model=ApiCallDetail)
def get_call(call_id: IdPath, ctx: Ctx) -> ApiCallDetail:
    """One call in full, with the request and response excerpts."""
    call = ApiCallRepository(ctx.uow.conn).get(call_id)
    if call is None or call.subscription_id not in subscription_ids(ctx.uow, ctx.tenant):
        raise NotFoundError(f"api call {call_id} not found")
    return ApiCallDetail(**asdict(call))
