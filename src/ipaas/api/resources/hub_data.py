"""``/api/v1/hub-data``: the hub's canonical records of your company: search by data type
and fields, versions and their differences, external ids per system, unmatched records,
resetting a link, deactivating and reactivating."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import Query, Request
from pydantic import BaseModel

from ipaas.api.context import Ctx
from ipaas.api.pagination import Page, PageDep, make_page
from ipaas.api.routing import MAX_ID, IdField, IdPath, RequestBody, feature_router
from ipaas.domain.roles import Feature
from ipaas.errors import ValidationError
from ipaas.services import hub_data as service
from ipaas.store.records import HubRecord

router = feature_router(Feature.DATA_MANAGEMENT, "/hub-data", tags=["hub data"])

DataTypeQuery = Annotated[str, Query(pattern=r"^[a-z_]{1,40}$")]
FIELD_PREFIX = "field."


class RecordOut(BaseModel):
    id: int
    data_type: str
    match_key: str | None
    version: int
    active: bool
    body: dict[str, Any]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, r: HubRecord) -> RecordOut:
        return cls(
            id=r.id,
            data_type=r.data_type,
            match_key=r.match_key,
            version=r.version,
            active=not r.deleted,
            body=r.body,
            created_at=r.created_at,
            updated_at=r.updated_at,
        )


class VersionOut(BaseModel):
    version: int
    active: bool
    body: dict[str, Any]
    origin_subscription_id: int | None
    tracking_id: str | None
    created_at: datetime


class ChangeOut(BaseModel):
    path: str
    kind: str
    before: Any
    after: Any


class DiffOut(BaseModel):
    from_version: int
    to_version: int
    changes: list[ChangeOut]


class LinkOut(BaseModel):
    subscription_id: int
    subscription_name: str
    external_id: str


class ResetLinkIn(RequestBody):
    subscription_id: IdField


def _field_filters(request: Request) -> dict[str, str]:
    """``?field.sku=A-1&field.address.city=Oslo`` -> {"sku": "A-1", "address.city": "Oslo"}."""
    found = {}
    for key, value in request.query_params.multi_items():
        if key.startswith(FIELD_PREFIX):
            path = key[len(FIELD_PREFIX) :]
            parts = path.split(".")
            if (
                not path
                or len(parts) > 5
                or any(not p or len(p) > 64 or not p.replace("_", "").isalnum() for p in parts)
            ):
                raise ValidationError(f"{key} is not a field path like field.sku", field=key)
            if len(value) > 500:
                raise ValidationError(f"{key} is too long", field=key)
            found[path] = value
    return found


@router.get("/records", response_model=Page[RecordOut])
def search_records(
    request: Request,
    ctx: Ctx,
    page: PageDep,
    data_type: DataTypeQuery,
    active: bool | None = None,
) -> Page[RecordOut]:
    """Records of a data type, oldest first. Filter on JSON fields with
    ``field.<path>=<value>`` (``field.sku=A-1``, ``field.address.city=Oslo``) and on
    ``active``."""
    rows = service.search(
        ctx.uow,
        ctx.tenant,
        data_type,
        _field_filters(request),
        deleted=None if active is None else not active,
        after_id=page.after_id,
        limit=page.fetch,
    )
    return make_page(rows, page, RecordOut.of, lambda r: r.id)


@router.get("/records/{record_id}", response_model=RecordOut)
def get_record(record_id: IdPath, ctx: Ctx) -> RecordOut:
    return RecordOut.of(service.record(ctx.uow, ctx.tenant, record_id))


@router.get("/records/{record_id}/versions", response_model=list[VersionOut])
def list_versions(record_id: IdPath, ctx: Ctx) -> list[VersionOut]:
    """Every version of the record, oldest first."""
    return [
        VersionOut(
            version=v.version,
            active=not v.deleted,
            body=v.body,
            origin_subscription_id=v.origin_subscription_id,
            tracking_id=v.tracking_id,
            created_at=v.created_at,
        )
        for v in service.versions(ctx.uow, ctx.tenant, record_id)
    ]


@router.get("/records/{record_id}/diff", response_model=DiffOut)
def diff_versions(
    record_id: IdPath,
    ctx: Ctx,
    from_version: Annotated[int, Query(alias="from", ge=1, le=MAX_ID)],
    to_version: Annotated[int, Query(alias="to", ge=1, le=MAX_ID)],
) -> DiffOut:
    """Field-level differences between two versions (``?from=1&to=3``)."""
    changes = service.version_diff(ctx.uow, ctx.tenant, record_id, from_version, to_version)
    return DiffOut(
        from_version=from_version,
        to_version=to_version,
        changes=[
            ChangeOut(path=c.path, kind=c.kind, before=c.before, after=c.after) for c in changes
        ],
    )


@router.get("/records/{record_id}/links", response_model=list[LinkOut])
def list_links(record_id: IdPath, ctx: Ctx) -> list[LinkOut]:
    """The record's external id in each system."""
    return [
        LinkOut(subscription_id=s, subscription_name=n, external_id=e)
        for s, n, e in service.links(ctx.uow, ctx.tenant, record_id)
    ]


@router.post("/records/{record_id}/reset-link", status_code=204)
def reset_link(record_id: IdPath, body: ResetLinkIn, ctx: Ctx) -> None:
    """Forget the record's external id in one subscription; the next transfer matches again."""
    service.reset_link(ctx.uow, ctx.tenant, record_id, body.subscription_id)
    ctx.audit(
        "hub_record.reset_link", "hub_record", record_id, {"subscription": body.subscription_id}
    )
    ctx.commit()


@router.post("/records/{record_id}/deactivate", response_model=RecordOut)
def deactivate(record_id: IdPath, ctx: Ctx) -> RecordOut:
    """Soft-delete the record (a new version marks it inactive)."""
    found = service.set_active(ctx.uow, ctx.tenant, record_id, False)
    ctx.audit("hub_record.deactivate", "hub_record", record_id)
    ctx.commit()
    return RecordOut.of(found)


@router.post("/records/{record_id}/reactivate", response_model=RecordOut)
def reactivate(record_id: IdPath, ctx: Ctx) -> RecordOut:
    found = service.set_active(ctx.uow, ctx.tenant, record_id, True)
    ctx.audit("hub_record.reactivate", "hub_record", record_id)
    ctx.commit()
    return RecordOut.of(found)


@router.get("/unmatched", response_model=Page[RecordOut])
def list_unmatched(
    ctx: Ctx,
    page: PageDep,
    data_type: DataTypeQuery,
    subscription_id: Annotated[int, Query(ge=1, le=MAX_ID)],
) -> Page[RecordOut]:
    """Active records of a data type the subscription's system has no external id for."""
    rows = service.unmatched(
        ctx.uow, ctx.tenant, subscription_id, data_type, after_id=page.after_id, limit=page.fetch
    )
    return make_page(rows, page, RecordOut.of, lambda r: r.id)
