"""``/api/v1/switch-view``: an integrator switches to a subscriber view of a company it
builds for (one that subscribes to one of its integrations), and back. Each switch is kept
in ``view_switches`` and in the audit log of both companies."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query
from pydantic import BaseModel

from ipaas.api.context import Ctx, PersonalCtx
from ipaas.api.pagination import Page
from ipaas.api.routing import MAX_ID, IdField, RequestBody, feature_router, personal_router
from ipaas.domain.accounts import CompanyNotAvailableError, check_may_switch_view
from ipaas.domain.roles import Feature
from ipaas.errors import NotFoundError

router = feature_router(Feature.INTEGRATION_MANAGEMENT, "/switch-view", tags=["switch-view"])
personal = personal_router("/switch-view", tags=["switch-view"])


class SwitchIn(RequestBody):
    company_id: IdField


class ViewOut(BaseModel):
    from_company_id: int
    company_id: int
    company_name: str


@router.post("", status_code=201, response_model=ViewOut)
def switch_view(body: SwitchIn, ctx: Ctx) -> ViewOut:
    """Act in ``company_id`` with its subscriber features (not user management) until you
    switch back. Send your integrator company (or the target) as ``X-Company-Id``."""
    principal = ctx.principal
    try:
        target = ctx.accounts.company(None, body.company_id)
    except NotFoundError:
        raise CompanyNotAvailableError(
            f"company {body.company_id} does not use an integration you build",
            field="company_id",
        ) from None
    builds_for = ctx.accounts.builds_for(principal.company_id, target.id)
    check_may_switch_view(principal, target, builds_for)
    switch_id = ctx.accounts.start_switch(principal.user_id, principal.company_id, target.id)
    ctx.audit("view.switch", "view_switch", switch_id, {"to_company_id": target.id})
    ctx.audit("view.switch", "view_switch", switch_id, company_id=target.id)
    ctx.commit()
    return ViewOut(
        from_company_id=principal.company_id, company_id=target.id, company_name=target.name
    )


@personal.get("", response_model=Page[ViewOut])
def current_views(ctx: PersonalCtx) -> Page[ViewOut]:
    """Your switched views, one per integrator company."""
    switches = ctx.accounts.active_switches(ctx.user.id)
    return Page[ViewOut](
        items=[
            ViewOut(from_company_id=home, company_id=c.id, company_name=c.name)
            for home, c in sorted(switches.items())
        ]
    )


@personal.delete("", status_code=204)
def switch_back(
    ctx: PersonalCtx,
    from_company_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> None:
    """End your switched view (of ``from_company_id``, or all of them)."""
    switches = ctx.accounts.active_switches(ctx.user.id)
    for home, target in switches.items():
        if from_company_id is None or home == from_company_id:
            ctx.accounts.end_switch(ctx.user.id, home)
            ctx.audit("view.switch_back", "company", target.id, company_id=home)
            ctx.audit("view.switch_back", "company", target.id, company_id=target.id)
    if ctx.audited:
        ctx.commit()
