"""``/api/v1/integrations``: integrations an integrator builds (versions, templates,
publishing) and ``/api/v1/marketplace``: the published versions every company may subscribe to."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field, JsonValue

from ipaas.api.context import Ctx
from ipaas.api.pagination import Page, PageDep, make_page
from ipaas.api.routing import IdPath, RequestBody, feature_router
from ipaas.domain.roles import Feature
from ipaas.services import integrations as service
from ipaas.store.catalog import CatalogRepository, Integration
from ipaas.store.mappings import MappingRepository, Owner

router = feature_router(Feature.INTEGRATION_MANAGEMENT, "/integrations", tags=["integrations"])
marketplace = feature_router(Feature.SUBSCRIPTION_MANAGEMENT, "/marketplace", tags=["marketplace"])

Doc = Annotated[dict[str, JsonValue], Field(max_length=50)]
Items = Annotated[list[dict[str, JsonValue]], Field(max_length=200)]


class IntegrationIn(RequestBody):
    """An integration definition (the YAML form of ``docs/connectors``) as JSON."""

    key: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,99}$")]
    name: Annotated[str, Field(min_length=1, max_length=200)]
    version: Annotated[str, Field(max_length=40)] = "1.0.0"
    description: Annotated[str, Field(max_length=5000)] = ""
    connector: Annotated[str, Field(min_length=1, max_length=100)]
    config: Doc = {}
    settings: Items = []
    data_types: Items = []
    throttle: Doc | None = None
    oauth: Doc | None = None
    mappings: Items = []
    lookup_tables: Items = []


class IntegrationPatch(RequestBody):
    name: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    description: Annotated[str, Field(max_length=5000)] | None = None
    config: Doc | None = None
    settings: Items | None = None
    data_types: Items | None = None
    throttle: Doc | None = None
    oauth: Doc | None = None


class VersionIn(IntegrationPatch):
    version: Annotated[str, Field(min_length=1, max_length=40)]


class PublishIn(RequestBody):
    published: bool = True


class TemplateOut(BaseModel):
    id: int
    data_type: str
    direction: str
    name: str


class IntegrationOut(BaseModel):
    id: int
    company_id: int
    key: str
    version: str
    name: str
    connector: str
    description: str
    published: bool
    settings: list[dict[str, Any]]
    data_types: list[dict[str, Any]]
    throttle: dict[str, Any] | None
    uses_oauth: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, i: Integration) -> IntegrationOut:
        d = i.definition
        return cls(
            id=i.id,
            company_id=i.company_id,
            key=i.key,
            version=i.version,
            name=i.name,
            connector=i.connector,
            description=i.description,
            published=i.published,
            # Defaults of secret fields are never shown.
            settings=[
                {**s, "default": None} if s.get("type") in ("password", "encrypted") else s
                for s in d.get("settings", [])
            ],
            data_types=list(d.get("data_types", [])),
            throttle=d.get("throttle"),
            uses_oauth=bool(d.get("oauth")),
            created_at=i.created_at,
            updated_at=i.updated_at,
        )


class IntegrationDetail(IntegrationOut):
    config: dict[str, Any]
    templates: list[TemplateOut]
    versions: list[str]


def _detail(ctx: Ctx, integration: Integration) -> IntegrationDetail:
    base = IntegrationOut.of(integration).model_dump()
    templates = [
        TemplateOut(
            id=s.id,
            data_type=s.collection.data_type,
            direction=s.collection.direction.value,
            name=s.collection.name,
        )
        for s in MappingRepository(ctx.uow.conn).collections(Owner("integration", integration.id))
    ]
    versions = [
        v.version
        for v in CatalogRepository(ctx.uow.conn).versions(ctx.tenant, integration.key)
        if v.published or v.company_id in ctx.tenant.visible
    ]
    return IntegrationDetail(
        **base,
        config=integration.definition.get("config", {})
        if integration.company_id in ctx.tenant.visible
        else {},
        templates=templates,
        versions=sorted(versions, key=service.semver_key),
    )


@router.get("", response_model=Page[IntegrationOut])
def list_integrations(ctx: Ctx, page: PageDep) -> Page[IntegrationOut]:
    """The integrations (every version) your company builds."""
    rows = CatalogRepository(ctx.uow.conn).integrations(ctx.tenant, page.after_id, page.fetch)
    return make_page(rows, page, IntegrationOut.of, lambda i: i.id)


@router.post("", status_code=201, response_model=IntegrationDetail)
def create_integration(body: IntegrationIn, ctx: Ctx) -> IntegrationDetail:
    """Create an integration: connector, settings, data types and directions, templates."""
    data = body.model_dump(exclude_none=True)
    integration, templates = service.create_integration(ctx.uow, ctx.tenant, data)
    ctx.audit("integration.create", "integration", integration.id, {"templates": len(templates)})
    ctx.commit()
    return _detail(ctx, integration)


@router.get("/{integration_id}", response_model=IntegrationDetail)
def get_integration(integration_id: IdPath, ctx: Ctx) -> IntegrationDetail:
    return _detail(ctx, CatalogRepository(ctx.uow.conn).own_integration(ctx.tenant, integration_id))


@router.patch("/{integration_id}", response_model=IntegrationDetail)
def update_integration(
    integration_id: IdPath, body: IntegrationPatch, ctx: Ctx
) -> IntegrationDetail:
    """Change an unpublished version."""
    changes = body.model_dump(exclude_unset=True)
    integration = service.update_integration(ctx.uow, ctx.tenant, integration_id, changes)
    ctx.audit("integration.update", "integration", integration_id, {"changed": sorted(changes)})
    ctx.commit()
    return _detail(ctx, integration)


@router.post("/{integration_id}/versions", status_code=201, response_model=IntegrationDetail)
def create_version(integration_id: IdPath, body: VersionIn, ctx: Ctx) -> IntegrationDetail:
    """A new semantic version from this one (templates and lookup tables copied)."""
    changes = body.model_dump(exclude_unset=True, exclude={"version"})
    created = service.new_version(ctx.uow, ctx.tenant, integration_id, body.version, changes)
    ctx.audit("integration.version", "integration", created.id, {"version": body.version})
    ctx.commit()
    return _detail(ctx, created)


@router.post("/{integration_id}/publish", response_model=IntegrationOut)
def publish_integration(integration_id: IdPath, body: PublishIn, ctx: Ctx) -> IntegrationOut:
    """Show this version in the marketplace (``published: false`` withdraws it)."""
    integration = service.publish(ctx.uow, ctx.tenant, integration_id, body.published)
    ctx.audit("integration.publish", "integration", integration_id, {"published": body.published})
    ctx.commit()
    return IntegrationOut.of(integration)


@marketplace.get("", response_model=Page[IntegrationOut])
def list_marketplace(ctx: Ctx, page: PageDep) -> Page[IntegrationOut]:
    """Published integration versions any company may subscribe to."""
    rows = CatalogRepository(ctx.uow.conn).integrations(
        ctx.tenant, page.after_id, page.fetch, marketplace=True
    )
    return make_page(rows, page, IntegrationOut.of, lambda i: i.id)


@marketplace.get("/{integration_id}", response_model=IntegrationDetail)
def get_marketplace_integration(integration_id: IdPath, ctx: Ctx) -> IntegrationDetail:
    """A published (or already used) integration version, with its templates."""
    return _detail(ctx, CatalogRepository(ctx.uow.conn).integration(ctx.tenant, integration_id))
