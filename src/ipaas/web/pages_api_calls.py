"""The api-call log explorer: filter by subscription, status, method, time and record."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import Query, Response

from ipaas.domain.roles import Feature
from ipaas.errors import NotFoundError
from ipaas.store.api_calls import ApiCallFilter, ApiCallRepository
from ipaas.store.types import utcnow
from ipaas.web.context import Web, as_id, web_router

router = web_router("/api-calls", Feature.MONITORING)
ROUTERS = (router,)

WINDOWS = {"1h": timedelta(hours=1), "24h": timedelta(days=1), "7d": timedelta(days=7)}
Text = Annotated[str | None, Query(max_length=255)]
MaxId = Annotated[str | None, Query(max_length=19)]


def _status(value: str | None) -> tuple[int | None, int | None, bool | None]:
    if not value:
        return None, None, None
    if value == "failed":
        return None, None, True
    if len(value) == 3 and value.endswith("xx") and value[0] in "2345":
        return None, int(value[0]), None
    if value.isdigit() and len(value) == 3:
        return int(value), None, None
    return None, None, None


@router.get("")
def api_calls_page(
    ctx: Web,
    subscription: MaxId = None,
    status: Text = None,
    method: Text = None,
    window: Text = None,
    record: Text = None,
    before: MaxId = None,
) -> Response:
    """Recorded calls, newest first, a page at a time (keyset on id)."""
    subscription_id, before_id = as_id(subscription), as_id(before)
    code, status_class, failed = _status(status)
    since = utcnow() - WINDOWS[window] if window in WINDOWS else None
    allowed = ctx.sub_ids
    where = ApiCallFilter(
        subscription_ids=[subscription_id] if subscription_id in allowed else allowed,
        status=code,
        status_class=status_class,
        failed=failed,
        method=method.upper() if method and method.isalpha() and len(method) < 8 else None,
        since=since,
        record_key=(record or "").strip() or None,
    )
    page = ApiCallRepository(ctx.conn).list(where, before_id=before_id, limit=50)
    names = {s.id: s.name for s in ctx.subscriptions}
    query = {
        "subscription": subscription_id or "",
        "status": status or "",
        "method": method or "",
        "window": window or "",
        "record": record or "",
    }
    return ctx.render(
        "api_calls.html",
        calls=page.items,
        cursor=page.next_cursor,
        names=names,
        query=query,
        first_page=before_id is None,
    )


@router.get("/{call_id}")
def api_call_page(ctx: Web, call_id: int) -> Response:
    """One call: request and response excerpts (secrets already redacted when recorded)."""
    call = ApiCallRepository(ctx.conn).get(call_id)
    if call is None or call.subscription_id not in ctx.sub_ids:
        raise NotFoundError(f"api call {call_id} not found")
    names = {s.id: s.name for s in ctx.subscriptions}
    at = call.at if call.at.tzinfo else call.at.replace(tzinfo=UTC)
    return ctx.render("api_call.html", call=call, names=names, at=at, now=datetime.now(UTC))
