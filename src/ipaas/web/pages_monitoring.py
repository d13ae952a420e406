"""Overview, the queue and its errors, an item's story, retry and discard."""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import Form, Query, Response
from fastapi.responses import JSONResponse, RedirectResponse

from ipaas.domain import DATA_TYPES
from ipaas.domain.roles import Feature
from ipaas.errors import NotFoundError
from ipaas.store.types import utcnow
from ipaas.web.charts import in_out_chart
from ipaas.web.context import WEB_PREFIX, Web, WebCtx, as_id, redirect, web_router
from ipaas.web.nav import home_href
from ipaas.web.queries import monitoring
from ipaas.web.story import build_story

router = web_router("", Feature.MONITORING)
home = web_router("")

STATES = ("pending", "in_flight", "done", "error", "discarded")
MaxId = Annotated[str | None, Query(max_length=19)]
Text = Annotated[str | None, Query(max_length=255)]


def _overview_data(ctx: WebCtx) -> list[dict[str, Any]]:
    now = utcnow()
    health = monitoring.overview(ctx.conn, ctx.sub_ids, now)
    labels = monitoring.hour_labels(now)
    out = []
    for sub in ctx.subscriptions:
        h = health[sub.id]
        throttled = h.paused_until > time.time()
        out.append(
            {
                "id": sub.id,
                "name": sub.name,
                "integration": sub.integration_name,
                "paused": sub.paused,
                "throttle": {
                    "state": "paused" if sub.paused else ("slowed" if throttled else "normal"),
                    "rate": sub.throttle_rate,
                    "period": sub.throttle_period,
                    "until": h.paused_until if throttled else None,
                },
                "in_total": sum(h.records_in),
                "out_total": sum(h.records_out),
                "pending": h.pending,
                "in_flight": h.in_flight,
                "errors_open": h.errors_open,
                "errors_hour": h.errors_hour,
                "errors_day": h.errors_day,
                "last_webhook_at": h.last_webhook_at,
                "last_poll_at": h.last_poll_at,
                "chart": str(
                    in_out_chart(
                        h.records_in, h.records_out, labels, title=f"Records of {sub.name}"
                    )
                ),
            }
        )
    return out


@home.get("/")
def index(ctx: Web) -> Response:
    """The overview, or the first page the role may use."""
    if not ctx.can(Feature.MONITORING):
        return RedirectResponse(home_href(ctx.principal), status_code=303)
    return ctx.render("overview.html", rows=_overview_data(ctx), now=utcnow())


@router.get("/overview.json")
def overview_json(ctx: Web) -> JSONResponse:
    """The overview's figures, polled by the page every few seconds."""
    from ipaas.web.templating import environment

    ago = environment().filters["ago"]
    rows = _overview_data(ctx)
    for row in rows:
        row["last_webhook"] = ago(row.pop("last_webhook_at"))
        row["last_poll"] = ago(row.pop("last_poll_at"))
    return JSONResponse({"subscriptions": rows, "at": utcnow().isoformat()})


def _filter(
    state: str | None,
    subscription: int | None,
    data_type: str | None,
    direction: str | None,
    record: str | None,
) -> monitoring.QueueFilter:
    record = (record or "").strip() or None
    tracking = record if record and len(record) == 32 and record.isalnum() else None
    return monitoring.QueueFilter(
        state=state if state in STATES else None,
        subscription_id=subscription,
        data_type=data_type if data_type in DATA_TYPES else None,
        direction=direction if direction in ("to_hub", "from_hub") else None,
        record_key=None if tracking else record,
        tracking_id=tracking,
    )


@router.get("/queue")
def queue_list(
    ctx: Web,
    state: Text = "error",
    subscription: MaxId = None,
    data_type: Text = None,
    direction: Text = None,
    record: Text = None,
    before: MaxId = None,
) -> Response:
    """Queue items and errors, filtered, newest first, a page at a time."""
    subscription_id, before_id = as_id(subscription), as_id(before)
    where = _filter(state, subscription_id, data_type, direction, record)
    rows, cursor = monitoring.queue_page(ctx.conn, ctx.sub_ids, where, before_id=before_id)
    names = {s.id: s.name for s in ctx.subscriptions}
    query = {
        "state": state or "",
        "subscription": subscription_id or "",
        "data_type": data_type or "",
        "direction": direction or "",
        "record": record or "",
    }
    return ctx.render(
        "queue.html",
        rows=rows,
        cursor=cursor,
        names=names,
        where=where,
        query=query,
        first_page=before_id is None,
        states=STATES,
        data_types=sorted(DATA_TYPES),
    )


def _visible_item(ctx: WebCtx, item_id: int) -> dict[str, Any]:
    item = monitoring.queue_item(ctx.conn, ctx.sub_ids, item_id)
    if item is None:
        raise NotFoundError(f"queue item {item_id} not found")
    return item


@router.get("/queue/{item_id}.json")
def queue_item_json(ctx: Web, item_id: int) -> JSONResponse:
    """The item's state, polled by its page after a retry."""
    item = _visible_item(ctx, item_id)
    return JSONResponse(
        {
            "id": item["id"],
            "state": item["state"],
            "attempts": item["attempts"],
            "last_error": item["last_error"],
        }
    )


@router.get("/queue/{item_id}")
def queue_item_page(ctx: Web, item_id: int) -> Response:
    """An item's whole story: trigger, attempts, api calls, mapped payload, error."""
    item = _visible_item(ctx, item_id)
    story = build_story(ctx.conn, ctx.principal.company_id, item)
    return ctx.render("queue_item.html", story=story, item=item)


@router.get("/queue-states.json")
def queue_states_json(ctx: Web, ids: Annotated[str, Query(max_length=4000)] = "") -> JSONResponse:
    """States of the listed items (the list page refreshes its rows with it)."""
    wanted = [int(i) for i in ids.split(",") if i.isdigit() and len(i) < 19][:200]
    states = monitoring.item_states(ctx.conn, ctx.sub_ids, wanted)
    return JSONResponse({str(k): v for k, v in states.items()})


def _act(ctx: WebCtx, action: str, ids: list[int]) -> int:
    owned = monitoring.owned_error_ids(ctx.conn, ctx.sub_ids, ids)
    if not owned:
        return 0
    if action == "retry":
        count = ctx.uow.queue.retry_errors(owned)
    else:
        count = ctx.uow.queue.discard_errors(owned)
    ctx.api_ctx.audit(f"queue.{action}", "queue_item", None, {"ids": owned[:100], "count": count})
    ctx.api_ctx.commit()
    return count


@router.post("/queue/{item_id}/retry")
def retry_item(ctx: Web, item_id: int) -> Response:
    """Queue an error item again with fresh attempts."""
    _visible_item(ctx, item_id)
    count = _act(ctx, "retry", [item_id])
    return redirect(f"{WEB_PREFIX}/queue/{item_id}", "Queued again" if count else "Not an error")


@router.post("/queue/{item_id}/discard")
def discard_item(ctx: Web, item_id: int) -> Response:
    """Give up on an error item (it stays, marked discarded)."""
    _visible_item(ctx, item_id)
    count = _act(ctx, "discard", [item_id])
    return redirect(f"{WEB_PREFIX}/queue/{item_id}", "Discarded" if count else "Not an error")


@router.post("/queue/bulk")
async def bulk(
    ctx: Web,
    action: Annotated[str, Form(pattern="^(retry|discard)$")],
    ids: Annotated[list[int] | None, Form()] = None,
    back: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """Retry or discard the selected error items."""
    count = _act(ctx, action, [i for i in ids or [] if 0 < i < 2**62][:1000])
    verb = "queued again" if action == "retry" else "discarded"
    target = back if back.startswith(f"{WEB_PREFIX}/queue") else f"{WEB_PREFIX}/queue"
    return redirect(target, f"{count} item(s) {verb}")


ROUTERS = (home, router)
