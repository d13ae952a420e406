"""Mapping collections and lookup tables, for a subscription
(``/api/v1/subscriptions/{id}/...``, feature subscription_management) and for an
integration's default templates (``/api/v1/integrations/{id}/...``, integration_management)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field, JsonValue

from ipaas.api.context import Ctx
from ipaas.api.routing import IdPath, RequestBody, feature_router
from ipaas.domain.roles import Feature
from ipaas.mapping import LookupTable, MappingCollection
from ipaas.services import mappings as service
from ipaas.services.integrations import editable_integration
from ipaas.store.catalog import CatalogRepository
from ipaas.store.mappings import MappingRepository, Owner, OwnerKind, StoredCollection, StoredLookup


class CopyIn(RequestBody):
    name: Annotated[str, Field(min_length=1, max_length=200)] | None = None


class PreviewIn(RequestBody):
    sample: Annotated[dict[str, JsonValue], Field(max_length=500)]
    #: The current hub record, for collections whose formulas read ``$hub``.
    hub: Annotated[dict[str, JsonValue], Field(max_length=500)] | None = None


class ImportIn(RequestBody):
    yaml: Annotated[str, Field(min_length=1, max_length=1_000_000)]
    replace: bool = False


class CollectionOut(BaseModel):
    id: int
    collection: dict[str, Any]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, s: StoredCollection) -> CollectionOut:
        body = s.collection.model_dump(mode="json", exclude_unset=True)
        body["id"] = str(s.id)
        return cls(id=s.id, collection=body, created_at=s.created_at, updated_at=s.updated_at)


class LookupOut(BaseModel):
    id: int
    table: dict[str, Any]
    updated_at: datetime

    @classmethod
    def of(cls, s: StoredLookup) -> LookupOut:
        return cls(id=s.id, table=s.table.model_dump(mode="json"), updated_at=s.updated_at)


class MappingsOut(BaseModel):
    collections: list[CollectionOut]
    lookup_tables: list[LookupOut]


class PreviewOut(BaseModel):
    ok: bool
    output: dict[str, Any]
    errors: list[dict[str, Any]]
    skipped: str | None
    failed: str | None
    microseconds: float
    compile_microseconds: float


class ImportOut(BaseModel):
    collections: int
    lookup_tables: int


def _routes(
    router: APIRouter,
    kind: OwnerKind,
    owner_of: Callable[[Ctx, int], Owner],
    editable: Callable[[Ctx, int], Owner],
) -> None:
    """The mapping routes of one owner kind; ``editable`` checks an owner whose collections
    and lookup tables are written (a published integration's are frozen)."""
    audit_type = f"{kind}_mapping"

    @router.get("/{owner_id}/mappings", response_model=MappingsOut)
    def list_mappings(owner_id: IdPath, ctx: Ctx) -> MappingsOut:
        owner = owner_of(ctx, owner_id)
        repo = MappingRepository(ctx.uow.conn)
        return MappingsOut(
            collections=[CollectionOut.of(s) for s in repo.collections(owner)],
            lookup_tables=[LookupOut.of(s) for s in repo.lookups(owner)],
        )

    @router.post("/{owner_id}/mappings", status_code=201, response_model=CollectionOut)
    def create_collection(owner_id: IdPath, body: MappingCollection, ctx: Ctx) -> CollectionOut:
        """Add a collection (its formulas, paths and lookups are checked first)."""
        stored = service.add(ctx.uow, editable(ctx, owner_id), body.model_copy(update={"id": None}))
        ctx.audit(f"{audit_type}.create", audit_type, stored.id)
        ctx.commit()
        return CollectionOut.of(stored)

    @router.get("/{owner_id}/mappings/export", response_class=PlainTextResponse)
    def export_mappings(owner_id: IdPath, ctx: Ctx) -> PlainTextResponse:
        """Every collection and lookup table as YAML."""
        text = service.export_yaml(ctx.uow, owner_of(ctx, owner_id))
        return PlainTextResponse(text, media_type="application/yaml")

    @router.post("/{owner_id}/mappings/import", response_model=ImportOut)
    def import_mappings(owner_id: IdPath, body: ImportIn, ctx: Ctx) -> ImportOut:
        """Load YAML written by the export (``replace`` drops the current ones first)."""
        owner = editable(ctx, owner_id)
        made, tables = service.import_yaml(ctx.uow, owner, body.yaml, replace_all=body.replace)
        ctx.audit(f"{audit_type}.import", audit_type, None, {"collections": made, "tables": tables})
        ctx.commit()
        return ImportOut(collections=made, lookup_tables=tables)

    @router.get("/{owner_id}/mappings/{collection_id}", response_model=CollectionOut)
    def get_collection(owner_id: IdPath, collection_id: IdPath, ctx: Ctx) -> CollectionOut:
        owner = owner_of(ctx, owner_id)
        return CollectionOut.of(MappingRepository(ctx.uow.conn).collection(owner, collection_id))

    @router.put("/{owner_id}/mappings/{collection_id}", response_model=CollectionOut)
    def replace_collection(
        owner_id: IdPath, collection_id: IdPath, body: MappingCollection, ctx: Ctx
    ) -> CollectionOut:
        owner = editable(ctx, owner_id)
        stored = service.replace(
            ctx.uow, owner, collection_id, body.model_copy(update={"id": None})
        )
        ctx.audit(f"{audit_type}.update", audit_type, collection_id)
        ctx.commit()
        return CollectionOut.of(stored)

    @router.delete("/{owner_id}/mappings/{collection_id}", status_code=204)
    def delete_collection(owner_id: IdPath, collection_id: IdPath, ctx: Ctx) -> None:
        MappingRepository(ctx.uow.conn).delete_collection(editable(ctx, owner_id), collection_id)
        ctx.audit(f"{audit_type}.delete", audit_type, collection_id)
        ctx.commit()

    def _copy(
        owner_id: int, collection_id: int, body: CopyIn, ctx: Ctx, reverse: bool
    ) -> CollectionOut:
        owner = editable(ctx, owner_id)
        stored = service.copy(ctx.uow, owner, collection_id, reverse=reverse, name=body.name)
        verb = "reverse_clone" if reverse else "clone"
        ctx.audit(f"{audit_type}.{verb}", audit_type, stored.id, {"from": collection_id})
        ctx.commit()
        return CollectionOut.of(stored)

    @router.post(
        "/{owner_id}/mappings/{collection_id}/clone", status_code=201, response_model=CollectionOut
    )
    def clone_collection(
        owner_id: IdPath, collection_id: IdPath, body: CopyIn, ctx: Ctx
    ) -> CollectionOut:
        """A copy of the collection, to customise."""
        return _copy(owner_id, collection_id, body, ctx, False)

    @router.post(
        "/{owner_id}/mappings/{collection_id}/reverse-clone",
        status_code=201,
        response_model=CollectionOut,
    )
    def reverse_clone_collection(
        owner_id: IdPath, collection_id: IdPath, body: CopyIn, ctx: Ctx
    ) -> CollectionOut:
        """The collection for the other direction, from this one's field mappings."""
        return _copy(owner_id, collection_id, body, ctx, True)

    @router.post("/{owner_id}/mappings/{collection_id}/preview", response_model=PreviewOut)
    def preview_collection(
        owner_id: IdPath, collection_id: IdPath, body: PreviewIn, ctx: Ctx
    ) -> PreviewOut:
        """Map a sample record; mapping errors are part of the answer, not an error."""
        found = service.preview_collection(
            ctx.uow, owner_of(ctx, owner_id), collection_id, dict(body.sample), body.hub
        )
        return PreviewOut(**found.to_dict())

    @router.get("/{owner_id}/lookup-tables", response_model=list[LookupOut])
    def list_lookups(owner_id: IdPath, ctx: Ctx) -> list[LookupOut]:
        return [
            LookupOut.of(s)
            for s in MappingRepository(ctx.uow.conn).lookups(owner_of(ctx, owner_id))
        ]

    @router.post("/{owner_id}/lookup-tables", status_code=201, response_model=LookupOut)
    def create_lookup(owner_id: IdPath, body: LookupTable, ctx: Ctx) -> LookupOut:
        stored = MappingRepository(ctx.uow.conn).add_lookup(editable(ctx, owner_id), body)
        ctx.audit(f"{audit_type}.lookup_create", "lookup_table", stored.id)
        ctx.commit()
        return LookupOut.of(stored)

    @router.put("/{owner_id}/lookup-tables/{lookup_id}", response_model=LookupOut)
    def replace_lookup(
        owner_id: IdPath, lookup_id: IdPath, body: LookupTable, ctx: Ctx
    ) -> LookupOut:
        repo = MappingRepository(ctx.uow.conn)
        stored = repo.replace_lookup(editable(ctx, owner_id), lookup_id, body)
        ctx.audit(f"{audit_type}.lookup_update", "lookup_table", lookup_id)
        ctx.commit()
        return LookupOut.of(stored)

    @router.delete("/{owner_id}/lookup-tables/{lookup_id}", status_code=204)
    def delete_lookup(owner_id: IdPath, lookup_id: IdPath, ctx: Ctx) -> None:
        MappingRepository(ctx.uow.conn).delete_lookup(editable(ctx, owner_id), lookup_id)
        ctx.audit(f"{audit_type}.lookup_delete", "lookup_table", lookup_id)
        ctx.commit()


def _subscription_owner(ctx: Ctx, subscription_id: int) -> Owner:
    CatalogRepository(ctx.uow.conn).subscription(ctx.tenant, subscription_id)
    return Owner("subscription", subscription_id)


def _integration_owner(ctx: Ctx, integration_id: int) -> Owner:
    CatalogRepository(ctx.uow.conn).own_integration(ctx.tenant, integration_id)
    return Owner("integration", integration_id)


subscription_mappings = feature_router(
    Feature.SUBSCRIPTION_MANAGEMENT, "/subscriptions", tags=["mappings"]
)
template_mappings = feature_router(
    Feature.INTEGRATION_MANAGEMENT, "/integrations", tags=["mapping templates"]
)


def _editable_integration_owner(ctx: Ctx, integration_id: int) -> Owner:
    editable_integration(ctx.uow, ctx.tenant, integration_id)
    return Owner("integration", integration_id)


_routes(subscription_mappings, "subscription", _subscription_owner, _subscription_owner)
_routes(template_mappings, "integration", _integration_owner, _editable_integration_owner)
