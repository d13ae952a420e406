"""Portal pages: branding, knowledgebase, training and deal registration.

Content lives in the portal tables (``ipaas.store.portal``); writes go through the portal
API's own use cases where it has them (``ipaas.api.resources.portal``), so validation and
audit are the same for the dashboard and the API.
"""

from __future__ import annotations

from typing import Annotated, Any

import pydantic
from fastapi import Form, Response

from ipaas.api.resources import portal as portal_api
from ipaas.domain.accounts import FeatureDeniedError
from ipaas.domain.roles import CompanyKind, Feature, Role
from ipaas.errors import ValidationError
from ipaas.store.portal import PortalRepository
from ipaas.web.context import WEB_PREFIX, Web, WebCtx, redirect, web_router
from ipaas.web.contrast import AA_TEXT, ratio
from ipaas.web.queries import common

branding = web_router("/portal/branding", Feature.BRANDING)
knowledgebase = web_router("/portal/knowledgebase", Feature.KNOWLEDGEBASE)
training = web_router("/portal/training", Feature.TRAINING)
deals = web_router("/portal/deals", Feature.DEAL_REGISTRATION)
ROUTERS = (branding, knowledgebase, training, deals)

Short = Annotated[str, Form(max_length=300)]
Long = Annotated[str, Form(max_length=200_000)]
MAX_SHOWN = 200
ROLE_LABELS = {"subscriber": "Subscribers", "integrator": "Integrators", "misp": "MiSP staff"}


def body(model: type[pydantic.BaseModel], **values: Any) -> Any:
    """An API request body from form values; bad input names its field."""
    try:
        return model(**values)
    except pydantic.ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first.get("loc", ())) or "body"
        message = str(first.get("msg", "invalid")).removeprefix("Value error, ")
        raise ValidationError(f"{field}: {message}", field=field) from None


@branding.get("")
def branding_page(ctx: Web) -> Response:
    """The MiSP's name, colour and logo, shown on its subscribers' pages too."""
    brand = common.branding_for(ctx.conn, ctx.principal.context.company)
    return ctx.render("portal_branding.html", current=brand)


@branding.post("")
def save_branding(
    ctx: Web, name: Short, primary: Annotated[str, Form(max_length=7)], logo_url: Short = ""
) -> Response:
    """Save the branding; a colour white text cannot be read on is refused."""
    given = body(portal_api.BrandingIn, name=name, primary_color=primary, logo_url=logo_url or None)
    if given.primary_color and ratio(given.primary_color, "#ffffff") < AA_TEXT:
        raise ValidationError(
            f"{given.primary_color} is too light: white button text on it would have a "
            f"contrast of {ratio(given.primary_color, '#ffffff'):.1f}:1 (needs {AA_TEXT}:1)",
            field="primary_color",
        )
    portal_api.put_branding(given, ctx.api_ctx)
    return redirect(f"{WEB_PREFIX}/portal/branding", "Branding saved")


def _owners(ctx: WebCtx) -> list[int]:
    """Whose content this company reads: its own as a MiSP, else also its MiSP's."""
    company = ctx.principal.context.company
    return [company.id] + ([company.managing_misp_id] if company.managing_misp_id else [])


def _articles(ctx: WebCtx, kind: str) -> list[dict[str, Any]]:
    role = None if ctx.principal.role is Role.MISP else ctx.principal.role.value
    return PortalRepository(ctx.conn).articles(
        _owners(ctx), kind, role=role, text=None, after_id=0, limit=MAX_SHOWN
    )


def _writes(ctx: WebCtx) -> bool:
    return ctx.principal.context.company.kind is CompanyKind.MISP and not ctx.principal.switched


def _article_page(ctx: WebCtx, kind: str, title: str) -> Response:
    editable = _writes(ctx)
    empty = (
        f"No {title.lower()} articles yet. Publish the first one with the form."
        if editable
        else f"No {title.lower()} articles yet: your service provider publishes them here."
    )
    return ctx.render(
        "portal_list.html",
        kind=kind,
        title=title,
        items=[
            {"title": a["title"], "text": a["body"], "at": a["updated_at"], "roles": a["roles"]}
            for a in _articles(ctx, kind)
        ],
        editable=editable,
        empty=empty,
        role_labels=ROLE_LABELS,
        default_roles=["subscriber", "integrator"] if kind == "training" else ["subscriber"],
    )


def _add_article(ctx: WebCtx, kind: str, title: str, text: str, roles: list[str]) -> Response:
    if not _writes(ctx):
        raise FeatureDeniedError(f"only a MiSP writes {kind} articles")
    given = body(portal_api.ArticleIn, title=title, body=text, roles=roles or ["subscriber"])
    new_id = PortalRepository(ctx.conn).add_article(
        ctx.principal.company_id, {**given.model_dump(mode="json"), "kind": kind}
    )
    ctx.api_ctx.audit(f"{kind}.create", "article", new_id)
    ctx.api_ctx.commit()
    return redirect(f"{WEB_PREFIX}/portal/{kind}", f"Published {given.title}")


Roles = Annotated[list[str], Form()]


@knowledgebase.get("")
def knowledgebase_page(ctx: Web) -> Response:
    """Articles for the MiSP's subscribers."""
    return _article_page(ctx, "knowledgebase", "Knowledgebase")


@knowledgebase.post("")
def add_article(ctx: Web, title: Short, text: Long = "", roles: Roles = []) -> Response:  # noqa: B006
    """Publish a knowledgebase article to the chosen roles."""
    return _add_article(ctx, "knowledgebase", title, text, roles)


@training.get("")
def training_page(ctx: Web) -> Response:
    """Training pages (MiSPs write them; the roles they choose read them)."""
    return _article_page(ctx, "training", "Training")


@training.post("")
def add_training(ctx: Web, title: Short, text: Long = "", roles: Roles = []) -> Response:  # noqa: B006
    """Publish a training page to the chosen roles."""
    return _add_article(ctx, "training", title, text, roles)


@deals.get("")
def deals_page(ctx: Web) -> Response:
    """Deals the MiSP registered, newest first."""
    rows = PortalRepository(ctx.conn).deals([ctx.principal.company_id], 0, MAX_SHOWN)
    return ctx.render("portal_deals.html", deals=list(reversed(rows)))


@deals.post("")
def add_deal(
    ctx: Web,
    prospect: Short,
    contact_name: Short,
    contact_email: Short,
    notes: Annotated[str, Form(max_length=10_000)] = "",
) -> Response:
    """Register a prospective subscriber."""
    given = body(
        portal_api.DealIn,
        prospect=prospect,
        contact_name=contact_name,
        contact_email=contact_email,
        notes=notes,
    )
    portal_api.register_deal(given, ctx.api_ctx)
    return redirect(f"{WEB_PREFIX}/portal/deals", f"Deal with {given.prospect} registered")
