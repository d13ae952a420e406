"""Hub data: browse and search records by data type; a record's versions with a diff, its
external ids in each system, and "send to system X now"."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Query, Response

from ipaas.domain import DATA_TYPES
from ipaas.domain.roles import Feature
from ipaas.errors import ValidationError
from ipaas.store.external_ids import ExternalIdRepository
from ipaas.store.records import HubRecordRepository
from ipaas.transfer.manual import transfer_records
from ipaas.web.context import WEB_PREFIX, Web, redirect, web_router
from ipaas.web.diff import diff
from ipaas.web.queries import data

router = web_router("/records", Feature.DATA_MANAGEMENT)
ROUTERS = (router,)


@router.get("")
def records_list(
    ctx: Web,
    data_type: Annotated[str, Query(max_length=40)] = "product",
    q: Annotated[str | None, Query(max_length=255)] = None,
    before: Annotated[int | None, Query(ge=1, le=2**62)] = None,
) -> Response:
    """Records of one data type, newest first, a page at a time."""
    if data_type not in DATA_TYPES:
        raise ValidationError(f"unknown data type {data_type!r}", field="data_type")
    search = (q or "").strip() or None
    rows, cursor = data.records_page(
        ctx.conn, ctx.principal.company_id, data_type, search, before_id=before
    )
    counts = data.data_type_counts(ctx.conn, ctx.principal.company_id)
    return ctx.render(
        "records.html",
        rows=rows,
        cursor=cursor,
        data_type=data_type,
        q=search or "",
        counts=counts,
        data_types=sorted(DATA_TYPES),
        first_page=before is None,
    )


@router.get("/{record_id}")
def record_page(ctx: Web, record_id: int) -> Response:
    """One record: current body, versions with what changed, external ids, send now."""
    company = ctx.principal.company_id
    records = HubRecordRepository(ctx.conn)
    record = records.get(company, record_id)
    versions = records.versions(company, record_id)
    history = []
    previous = None
    for v in versions:
        history.append({"version": v, "changes": diff(previous, v.body)})
        previous = v.body
    links = {
        link.subscription_id: link for link in ExternalIdRepository(ctx.conn).links_of(record_id)
    }
    names = {s.id: s for s in ctx.subscriptions}
    targets = [s for s in ctx.subscriptions if s.flows.get(record.data_type, {}).get("from_hub")]
    return ctx.render(
        "record.html",
        record=record,
        history=list(reversed(history)),
        links=links,
        names=names,
        targets=targets,
    )


@router.post("/{record_id}/send")
def send_record(
    ctx: Web, record_id: int, subscription_id: Annotated[int, Form(ge=1, le=2**62)]
) -> Response:
    """Queue the record for one subscription now (a manual from_hub transfer)."""
    record = HubRecordRepository(ctx.conn).get(ctx.principal.company_id, record_id)
    sub = ctx.subscription(subscription_id)
    ctx.api_ctx.audit("record.send", "hub_record", record_id, {"subscription_id": sub.id})
    ctx.api_ctx.commit()
    tracking = transfer_records(
        ctx.hub, sub.id, record.data_type, "from_hub", [str(record_id)], by="hub"
    ).tracking_id
    return redirect(f"{WEB_PREFIX}/queue?state=&record={tracking}", f"Queued for {sub.name}")
