"""Portal pages: branding, knowledgebase, training, deal registration, users and roles."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Response

from ipaas.domain.roles import CompanyKind, Feature
from ipaas.services import dashboard_portal as portal
from ipaas.web.context import WEB_PREFIX, Web, WebCtx, redirect, web_router
from ipaas.web.queries import common

branding = web_router("/portal/branding", Feature.BRANDING)
knowledgebase = web_router("/portal/knowledgebase", Feature.KNOWLEDGEBASE)
training = web_router("/portal/training", Feature.TRAINING)
deals = web_router("/portal/deals", Feature.DEAL_REGISTRATION)
users = web_router("/portal/users", Feature.USER_MANAGEMENT)
ROUTERS = (branding, knowledgebase, training, deals, users)

Short = Annotated[str, Form(max_length=200)]
Long = Annotated[str, Form(max_length=5000)]


def _content_owner(ctx: WebCtx) -> int | None:
    """Whose portal content this company reads: its own as a MiSP, else its MiSP's."""
    company = ctx.principal.context.company
    return company.id if company.kind is CompanyKind.MISP else company.managing_misp_id


@branding.get("")
def branding_page(ctx: Web) -> Response:
    """The MiSP's name, colour and logo, shown on its subscribers' pages too."""
    brand = common.branding_for(ctx.conn, ctx.principal.context.company)
    return ctx.render("portal_branding.html", current=brand)


@branding.post("")
def save_branding(
    ctx: Web, name: Short, primary: Annotated[str, Form(max_length=7)], logo_url: Short = ""
) -> Response:
    """Save the branding."""
    portal.set_branding(ctx.uow, ctx.principal.company_id, name, primary, logo_url or None)
    ctx.api_ctx.audit("branding.update", "company", ctx.principal.company_id)
    ctx.api_ctx.commit()
    return redirect(f"{WEB_PREFIX}/portal/branding", "Branding saved")


EMPTY = {
    "knowledgebase": "No articles yet. Publish the first one with the form.",
    "deals": "No deals registered yet.",
}


def _list_page(ctx: WebCtx, kind: str, title: str, editable: bool) -> Response:
    owner = _content_owner(ctx)
    items = portal.content(ctx.uow, owner, kind) if owner else []
    empty = EMPTY.get(kind) or (
        "No training pages yet. Publish the first one with the form."
        if editable
        else "No training pages yet: your service provider publishes them here."
    )
    return ctx.render(
        "portal_list.html", kind=kind, title=title, items=items, editable=editable, empty=empty
    )


def _add(ctx: WebCtx, kind: str, item: dict[str, str]) -> Response:
    portal.add_content(ctx.uow, ctx.principal.company_id, kind, item)
    ctx.api_ctx.audit(f"{kind}.add", "company", ctx.principal.company_id)
    ctx.api_ctx.commit()
    return redirect(f"{WEB_PREFIX}/portal/{kind}", "Saved")


@knowledgebase.get("")
def knowledgebase_page(ctx: Web) -> Response:
    """Articles for the MiSP's subscribers."""
    return _list_page(ctx, "knowledgebase", "Knowledgebase", True)


@knowledgebase.post("")
def add_article(ctx: Web, title: Short, text: Long = "") -> Response:
    return _add(ctx, "knowledgebase", {"title": title, "text": text})


@training.get("")
def training_page(ctx: Web) -> Response:
    """Training pages (MiSPs write them; everyone reads them)."""
    editable = ctx.principal.context.company.kind is CompanyKind.MISP
    return _list_page(ctx, "training", "Training", editable)


@training.post("")
def add_training(ctx: Web, title: Short, text: Long = "") -> Response:
    if ctx.principal.context.company.kind is not CompanyKind.MISP:
        from ipaas.domain.accounts import FeatureDeniedError

        raise FeatureDeniedError("only a MiSP writes training pages")
    return _add(ctx, "training", {"title": title, "text": text})


@deals.get("")
def deals_page(ctx: Web) -> Response:
    """Deals the MiSP registered."""
    return _list_page(ctx, "deals", "Deal registration", True)


@deals.post("")
def add_deal(ctx: Web, title: Short, text: Long = "", value: Short = "") -> Response:
    return _add(ctx, "deals", {"title": title, "text": text, "value": value})


@users.get("")
def users_page(ctx: Web) -> Response:
    """Members of this company and their roles (invite and change roles via the API)."""
    members = ctx.api_ctx.accounts.members(ctx.principal.tenant, ctx.principal.company_id)
    return ctx.render("portal_users.html", members=members)
