"""Subscriptions: subscribe, settings (secrets masked), test connection, flows per data
type and direction, webhooks or polling, pause and resume, initialize with progress.

Every change goes through ``ipaas.services.subscriptions`` (the API's use cases)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Request, Response
from fastapi.responses import JSONResponse

from ipaas.domain.roles import Feature
from ipaas.errors import IpaasError, ValidationError
from ipaas.security.secret_box import secret_box_for
from ipaas.security.setting_values import MASK
from ipaas.services import subscriptions as service
from ipaas.services.connection import test_connection
from ipaas.store.catalog import CatalogRepository
from ipaas.store.transfer import TransferStore
from ipaas.web.context import WEB_PREFIX, Web, WebCtx, redirect, web_router
from ipaas.web.queries import common, monitoring
from ipaas.web.templating import environment

router = web_router("/subscriptions", Feature.SUBSCRIPTION_MANAGEMENT)
ROUTERS = (router,)


@router.get("")
def subscriptions_page(ctx: Web) -> Response:
    """The company's subscriptions."""
    return ctx.render("subscriptions.html", subs=ctx.subscriptions)


@router.get("/new")
def new_subscription_form(ctx: Web) -> Response:
    """Subscribe to an integration."""
    return ctx.render("subscription_new.html", integrations=common.integrations_available(ctx.conn))


@router.post("/new")
def subscribe(
    ctx: Web,
    integration_id: Annotated[int, Form(ge=1, le=2**62)],
    name: Annotated[str, Form(min_length=1, max_length=200)],
) -> Response:
    """Create the subscription with the integration's default mappings."""
    sub, copied = service.subscribe(ctx.uow, ctx.principal.tenant, integration_id, name.strip())
    ctx.api_ctx.audit("subscription.create", "subscription", sub.id, {"mappings": copied})
    ctx.api_ctx.commit()
    return redirect(f"{WEB_PREFIX}/subscriptions/{sub.id}", f"Subscribed ({copied} mappings)")


def _detail(ctx: WebCtx, sub_id: int) -> dict[str, Any]:
    sub = ctx.subscription(sub_id)
    catalog = CatalogRepository(ctx.conn)
    stored = catalog.subscription(ctx.principal.tenant, sub_id)
    integration = catalog.integration(ctx.principal.tenant, stored.integration_id)
    view = service.settings_view(ctx.uow, secret_box_for(ctx.hub), stored)
    fields = service.fields_of(integration)
    directions = service.directions_of(integration)
    inits = _inits(ctx, sub_id)
    return {
        "sub": sub,
        "fields": fields,
        "values": view["values"],
        "secrets": view["secrets"],
        "directions": directions,
        "inits": inits,
        "mask": MASK,
    }


@router.get("/{sub_id}")
def subscription_page(ctx: Web, sub_id: int) -> Response:
    """Settings, flows, triggers, pause, initialization of one subscription."""
    return ctx.render("subscription.html", **_detail(ctx, sub_id))


@router.post("/{sub_id}/settings")
async def save_settings(ctx: Web, sub_id: int, request: Request) -> Response:
    """Save setting values; a secret left at the mask keeps its value."""
    form = await request.form()
    values = {k[4:]: str(v) for k, v in form.items() if k.startswith("set_")}
    changed = service.update_settings(
        ctx.uow, secret_box_for(ctx.hub), ctx.principal.tenant, sub_id, values
    )
    ctx.api_ctx.audit("subscription.settings", "subscription", sub_id, {"fields": changed})
    ctx.api_ctx.commit()
    return redirect(f"{WEB_PREFIX}/subscriptions/{sub_id}", f"Saved ({len(changed)} changed)")


@router.post("/{sub_id}/test")
async def test(ctx: Web, sub_id: int) -> Response:
    """Call the external system with the current settings."""
    ctx.subscription(sub_id)
    error = await test_connection(ctx.hub, ctx.uow, sub_id)
    ctx.api_ctx.audit("subscription.test", "subscription", sub_id, {"ok": error is None})
    ctx.api_ctx.commit()
    message = "Connection works" if error is None else f"Connection failed: {error.message}"
    return redirect(f"{WEB_PREFIX}/subscriptions/{sub_id}", message)


@router.post("/{sub_id}/flows")
async def save_flows(ctx: Web, sub_id: int, request: Request) -> Response:
    """Turn flows per data type and direction on or off, and choose each type's trigger."""
    form = await request.form()
    detail = _detail(ctx, sub_id)
    flows: dict[str, dict[str, bool]] = {}
    for data_type, supported in detail["directions"].items():
        flows[data_type] = {d: form.get(f"flow.{data_type}.{d}") == "on" for d in supported}
    service.set_flows(ctx.uow, ctx.principal.tenant, sub_id, flows)
    for data_type, supported in detail["directions"].items():
        if "to_hub" not in supported:
            continue
        mode = str(form.get(f"trigger.{data_type}") or "off")
        if mode not in ("webhook", "polling", "off"):
            raise ValidationError("choose webhook, polling or off", field=f"trigger.{data_type}")
        raw = str(form.get(f"interval.{data_type}") or "")
        interval = float(raw) * 60 if raw.replace(".", "", 1).isdigit() else None
        service.set_trigger(
            ctx.uow, ctx.principal.tenant, sub_id, data_type, mode,  # type: ignore[arg-type]
            interval_seconds=interval if mode == "polling" else None,
        )  # fmt: skip
    ctx.api_ctx.audit("subscription.flows", "subscription", sub_id)
    ctx.api_ctx.commit()
    return redirect(f"{WEB_PREFIX}/subscriptions/{sub_id}", "Flows saved")


@router.post("/{sub_id}/pause")
def pause(ctx: Web, sub_id: int, paused: Annotated[bool, Form()]) -> Response:
    """Pause or resume all of the subscription's transfers."""
    ctx.subscription(sub_id)
    CatalogRepository(ctx.conn).update_subscription(ctx.principal.tenant, sub_id, paused=paused)
    ctx.api_ctx.audit(
        "subscription.pause" if paused else "subscription.resume", "subscription", sub_id
    )
    ctx.api_ctx.commit()
    return redirect(f"{WEB_PREFIX}/subscriptions/{sub_id}", "Paused" if paused else "Resumed")


@router.post("/{sub_id}/initialize")
async def initialize(
    ctx: Web,
    sub_id: int,
    data_type: Annotated[str, Form(max_length=40)],
    direction: Annotated[str, Form(pattern="^(to_hub|from_hub)$")],
) -> Response:
    """Queue every record of a data type (from the hub: in pages, with progress)."""
    from ipaas.transfer.manual import initialize as run_initialize

    sub = ctx.subscription(sub_id)
    if not sub.flows.get(data_type, {}).get(direction):
        raise ValidationError(f"turn on the {data_type} {direction} flow first", field="data_type")
    ctx.api_ctx.audit("subscription.initialize", "subscription", sub_id,
                      {"data_type": data_type, "direction": direction})  # fmt: skip
    ctx.api_ctx.commit()
    try:
        await run_initialize(ctx.hub, sub_id, [data_type], direction)
    except IpaasError as exc:
        return redirect(f"{WEB_PREFIX}/subscriptions/{sub_id}", f"Initialize failed: {exc.message}")
    return redirect(f"{WEB_PREFIX}/subscriptions/{sub_id}", "Initialization queued")


@router.get("/{sub_id}/initializations.json")
def initializations_json(ctx: Web, sub_id: int) -> JSONResponse:
    """The initialization progress panel, re-rendered for polling."""
    ctx.subscription(sub_id)
    inits = _inits(ctx, sub_id)
    html = environment().get_template("_inits.html").render(inits=inits)
    running = any(i["row"].state == "running" or i["percent"] < 100 for i in inits)
    return JSONResponse({"html": html, "running": running})


def _inits(ctx: WebCtx, sub_id: int) -> list[dict[str, Any]]:
    rows = TransferStore(ctx.conn).initializations_of(sub_id)
    progress = monitoring.progress_of(ctx.conn, [r.tracking_id for r in rows])
    out = []
    for row in rows:
        finished, total = progress.get(row.tracking_id, (0, 0))
        percent = (
            100 if total == 0 and row.state != "running" else int(100 * finished / max(total, 1))
        )
        out.append({"row": row, "finished": finished, "total": total, "percent": percent})
    return out
