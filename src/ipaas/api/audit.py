"""``/api/v1/audit``: who changed what in the companies you can see."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from ipaas.api.context import Ctx
from ipaas.api.pagination import Page, PageDep, make_page
from ipaas.api.routing import feature_router
from ipaas.domain.roles import Feature
from ipaas.store.accounts import AuditEntry, AuditRepository

router = feature_router(Feature.USER_MANAGEMENT, "/audit", tags=["audit"])


class AuditOut(BaseModel):
    id: int
    at: datetime
    user_id: int | None
    company_id: int | None
    via: str | None
    action: str
    object_type: str
    object_id: str | None
    details: dict[str, Any]
    request_id: str | None

    @classmethod
    def of(cls, e: AuditEntry) -> AuditOut:
        assert e.id is not None
        assert e.at is not None
        return cls(
            id=e.id,
            at=e.at,
            user_id=e.user_id,
            company_id=e.company_id,
            via=e.via,
            action=e.action,
            object_type=e.object_type,
            object_id=e.object_id,
            details=e.details or {},
            request_id=e.request_id,
        )


@router.get("", response_model=Page[AuditOut])
def list_audit(ctx: Ctx, page: PageDep) -> Page[AuditOut]:
    """The audit log, oldest first."""
    rows = AuditRepository(ctx.uow.conn).page(ctx.tenant, page.after_id, page.fetch)
    return make_page(rows, page, AuditOut.of, lambda e: e.id or 0)
