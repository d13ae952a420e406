"""``/api/v1/portal``: what a MiSP shows its subscribers. Branding (name, logo, colours),
knowledgebase and training articles (Markdown, searchable, shown to chosen roles), resources
(files and links), deal registration; and ``/portal/view``, the subscriber's side of it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import Query
from pydantic import BaseModel, Field

from ipaas.api.context import Ctx
from ipaas.api.pagination import Page, PageDep, make_page
from ipaas.api.routing import MAX_ID, IdPath, RequestBody, feature_router
from ipaas.api.schemas import Email, Name
from ipaas.domain.accounts import FeatureDeniedError
from ipaas.domain.roles import Feature, Role
from ipaas.errors import NotFoundError
from ipaas.store.portal import Branding, PortalRepository

branding = feature_router(Feature.BRANDING, "/portal/branding", tags=["portal"])
knowledgebase = feature_router(Feature.KNOWLEDGEBASE, "/portal/knowledgebase", tags=["portal"])
training = feature_router(Feature.TRAINING, "/portal/training", tags=["portal"])
resources = feature_router(Feature.RESOURCES, "/portal/resources", tags=["portal"])
deals = feature_router(Feature.DEAL_REGISTRATION, "/portal/deals", tags=["portal"])
view = feature_router(Feature.TRAINING, "/portal/view", tags=["portal"])

Colour = Annotated[str, Field(pattern=r"^#[0-9A-Fa-f]{6}$")]
Url = Annotated[str, Field(max_length=2000, pattern=r"^https?://")]
Search = Annotated[str | None, Query(max_length=200)]
Roles = Annotated[list[Role], Field(min_length=1, max_length=3)]


class BrandingIn(RequestBody):
    name: Name
    logo_url: Url | None = None
    primary_color: Colour | None = None
    secondary_color: Colour | None = None


class BrandingOut(BaseModel):
    company_id: int
    name: str
    logo_url: str | None
    primary_color: str | None
    secondary_color: str | None
    updated_at: datetime

    @classmethod
    def of(cls, b: Branding) -> BrandingOut:
        return cls(**{k: getattr(b, k) for k in cls.model_fields})


class ArticleIn(RequestBody):
    title: Annotated[str, Field(min_length=1, max_length=300)]
    #: Markdown.
    body: Annotated[str, Field(max_length=200_000)]
    #: The roles the article is shown to.
    roles: Roles = [Role.SUBSCRIBER]


class ArticlePatch(RequestBody):
    title: Annotated[str, Field(min_length=1, max_length=300)] | None = None
    body: Annotated[str, Field(max_length=200_000)] | None = None
    roles: Roles | None = None


class ArticleOut(BaseModel):
    id: int
    company_id: int
    title: str
    body: str
    roles: list[str]
    updated_at: datetime

    @classmethod
    def of(cls, row: dict[str, Any]) -> ArticleOut:
        return cls(**{k: row[k] for k in cls.model_fields})


class ResourceIn(RequestBody):
    kind: Literal["file", "link"]
    title: Annotated[str, Field(min_length=1, max_length=300)]
    url: Url
    description: Annotated[str, Field(max_length=5000)] = ""


class ResourceOut(BaseModel):
    id: int
    company_id: int
    kind: str
    title: str
    url: str
    description: str
    created_at: datetime

    @classmethod
    def of(cls, row: dict[str, Any]) -> ResourceOut:
        return cls(**{k: row[k] for k in cls.model_fields})


DealStatus = Literal["registered", "qualified", "won", "lost"]


class DealIn(RequestBody):
    prospect: Name
    contact_name: Name
    contact_email: Email
    integration_ids: Annotated[
        list[Annotated[int, Field(ge=1, le=MAX_ID)]], Field(max_length=50)
    ] = []
    notes: Annotated[str, Field(max_length=10_000)] = ""


class DealPatch(RequestBody):
    status: DealStatus | None = None
    notes: Annotated[str, Field(max_length=10_000)] | None = None


class DealOut(BaseModel):
    id: int
    prospect: str
    contact_name: str
    contact_email: str
    integration_ids: list[int]
    status: str
    notes: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: dict[str, Any]) -> DealOut:
        return cls(**{k: row[k] for k in cls.model_fields})


def _repo(ctx: Ctx) -> PortalRepository:
    return PortalRepository(ctx.uow.conn)


def _own(ctx: Ctx) -> list[int]:
    return [ctx.principal.company_id]


def _misp_of(ctx: Ctx) -> list[int]:
    """The companies whose portal content the caller sees: its own and its MiSP's."""
    company = ctx.principal.context.company
    return [company.id] + ([company.managing_misp_id] if company.managing_misp_id else [])


# --- branding ---------------------------------------------------------------------------


@branding.get("", response_model=BrandingOut | None)
def get_branding(ctx: Ctx) -> BrandingOut | None:
    found = _repo(ctx).branding(ctx.principal.company_id)
    return BrandingOut.of(found) if found else None


@branding.put("", response_model=BrandingOut)
def put_branding(body: BrandingIn, ctx: Ctx) -> BrandingOut:
    """Your name, logo and colours, shown to the subscribers you manage."""
    saved = _repo(ctx).save_branding(ctx.principal.company_id, body.model_dump())
    ctx.audit("branding.update", "company", ctx.principal.company_id)
    ctx.commit()
    return BrandingOut.of(saved)


# --- articles (knowledgebase and training share the shape) -------------------------------


def _article_routes(router: Any, kind: str, writers_only_misp: bool) -> None:
    def check_writer(ctx: Ctx) -> None:
        if writers_only_misp and (ctx.principal.role is not Role.MISP or ctx.principal.switched):
            raise FeatureDeniedError(f"only a MiSP writes {kind} articles")

    @router.get("", response_model=Page[ArticleOut])
    def list_articles(ctx: Ctx, page: PageDep, q: Search = None) -> Page[ArticleOut]:
        """Articles, oldest first; ``q`` searches titles and text."""
        owners = _misp_of(ctx) if writers_only_misp else _own(ctx)
        role = None if ctx.principal.role is Role.MISP else ctx.principal.role.value
        rows = _repo(ctx).articles(
            owners, kind, role=role, text=q, after_id=page.after_id, limit=page.fetch
        )
        return make_page(rows, page, ArticleOut.of, lambda r: int(r["id"]))

    @router.post("", status_code=201, response_model=ArticleOut)
    def create_article(body: ArticleIn, ctx: Ctx) -> ArticleOut:
        check_writer(ctx)
        values = {**body.model_dump(mode="json"), "kind": kind}
        new_id = _repo(ctx).add_article(ctx.principal.company_id, values)
        ctx.audit(f"{kind}.create", "article", new_id)
        ctx.commit()
        return ArticleOut.of(_repo(ctx).article(_own(ctx), new_id, kind))

    @router.get("/{article_id}", response_model=ArticleOut)
    def get_article(article_id: IdPath, ctx: Ctx) -> ArticleOut:
        owners = _misp_of(ctx) if writers_only_misp else _own(ctx)
        row = _repo(ctx).article(owners, article_id, kind)
        if ctx.principal.role is not Role.MISP and ctx.principal.role.value not in row["roles"]:
            raise NotFoundError(f"article {article_id} not found")
        return ArticleOut.of(row)

    @router.patch("/{article_id}", response_model=ArticleOut)
    def update_article(article_id: IdPath, body: ArticlePatch, ctx: Ctx) -> ArticleOut:
        check_writer(ctx)
        repo = _repo(ctx)
        repo.article(_own(ctx), article_id, kind)
        changes = body.model_dump(mode="json", exclude_unset=True)
        repo.change_article(article_id, changes)
        ctx.audit(f"{kind}.update", "article", article_id, {"changed": sorted(changes)})
        ctx.commit()
        return ArticleOut.of(repo.article(_own(ctx), article_id, kind))

    @router.delete("/{article_id}", status_code=204)
    def delete_article(article_id: IdPath, ctx: Ctx) -> None:
        check_writer(ctx)
        _repo(ctx).article(_own(ctx), article_id, kind)
        _repo(ctx).remove_article(article_id)
        ctx.audit(f"{kind}.delete", "article", article_id)
        ctx.commit()


_article_routes(knowledgebase, "knowledgebase", False)
_article_routes(training, "training", True)


# --- resources --------------------------------------------------------------------------


@resources.get("", response_model=Page[ResourceOut])
def list_resources(ctx: Ctx, page: PageDep) -> Page[ResourceOut]:
    rows = _repo(ctx).resources(_own(ctx), page.after_id, page.fetch)
    return make_page(rows, page, ResourceOut.of, lambda r: int(r["id"]))


@resources.post("", status_code=201, response_model=ResourceOut)
def create_resource(body: ResourceIn, ctx: Ctx) -> ResourceOut:
    """A file (by URL) or a link for your subscribers."""
    new_id = _repo(ctx).add_resource(ctx.principal.company_id, body.model_dump())
    ctx.audit("resource.create", "resource", new_id)
    ctx.commit()
    return ResourceOut.of(_repo(ctx).resource(_own(ctx), new_id))


@resources.delete("/{resource_id}", status_code=204)
def delete_resource(resource_id: IdPath, ctx: Ctx) -> None:
    _repo(ctx).resource(_own(ctx), resource_id)
    _repo(ctx).remove_resource(resource_id)
    ctx.audit("resource.delete", "resource", resource_id)
    ctx.commit()


# --- deals ------------------------------------------------------------------------------


@deals.get("", response_model=Page[DealOut])
def list_deals(ctx: Ctx, page: PageDep) -> Page[DealOut]:
    rows = _repo(ctx).deals(_own(ctx), page.after_id, page.fetch)
    return make_page(rows, page, DealOut.of, lambda r: int(r["id"]))


@deals.post("", status_code=201, response_model=DealOut)
def register_deal(body: DealIn, ctx: Ctx) -> DealOut:
    """Register a prospective subscriber: company, contact, integrations of interest."""
    values = {**body.model_dump(), "status": "registered"}
    new_id = _repo(ctx).add_deal(ctx.principal.company_id, values)
    ctx.audit("deal.create", "deal", new_id)
    ctx.commit()
    return DealOut.of(_repo(ctx).deal(_own(ctx), new_id))


@deals.get("/{deal_id}", response_model=DealOut)
def get_deal(deal_id: IdPath, ctx: Ctx) -> DealOut:
    return DealOut.of(_repo(ctx).deal(_own(ctx), deal_id))


@deals.patch("/{deal_id}", response_model=DealOut)
def update_deal(deal_id: IdPath, body: DealPatch, ctx: Ctx) -> DealOut:
    """Move a deal along (registered, qualified, won, lost) or change its notes."""
    _repo(ctx).deal(_own(ctx), deal_id)
    changes = body.model_dump(exclude_unset=True)
    _repo(ctx).change_deal(deal_id, changes)
    ctx.audit("deal.update", "deal", deal_id, {"changed": sorted(changes)})
    ctx.commit()
    return DealOut.of(_repo(ctx).deal(_own(ctx), deal_id))


# --- the subscriber's view ----------------------------------------------------------------


@view.get("/branding", response_model=BrandingOut | None)
def view_branding(ctx: Ctx) -> BrandingOut | None:
    """The branding of the MiSP that manages your company (or your own, for a MiSP)."""
    for company_id in reversed(_misp_of(ctx)):
        found = _repo(ctx).branding(company_id)
        if found:
            return BrandingOut.of(found)
    return None


@view.get("/resources", response_model=Page[ResourceOut])
def view_resources(ctx: Ctx, page: PageDep) -> Page[ResourceOut]:
    """Files and links your MiSP provides."""
    rows = _repo(ctx).resources(_misp_of(ctx), page.after_id, page.fetch)
    return make_page(rows, page, ResourceOut.of, lambda r: int(r["id"]))


@view.get("/knowledgebase", response_model=Page[ArticleOut])
def view_knowledgebase(ctx: Ctx, page: PageDep, q: Search = None) -> Page[ArticleOut]:
    """Your MiSP's knowledgebase articles shown to your role; ``q`` searches them."""
    rows = _repo(ctx).articles(
        _misp_of(ctx),
        "knowledgebase",
        role=ctx.principal.role.value,
        text=q,
        after_id=page.after_id,
        limit=page.fetch,
    )
    return make_page(rows, page, ArticleOut.of, lambda r: int(r["id"]))
