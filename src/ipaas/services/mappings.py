"""Mapping collections and lookup tables of a subscription or an integration's templates:
CRUD with compile checks, clone, reverse clone, preview, YAML export and import."""

from __future__ import annotations

from typing import Any

from ipaas.mapping import (
    LookupTable,
    MappingCollection,
    Preview,
    clone,
    compile_collection,
    dump_collections,
    load_collections,
    preview,
    reverse_clone,
)
from ipaas.mapping.context import MappingContext
from ipaas.store.mappings import MappingRepository, Owner, StoredCollection
from ipaas.store.unit_of_work import UnitOfWork


def lookup_tables(uow: UnitOfWork, owner: Owner) -> dict[str, LookupTable]:
    """The owner's lookup tables by name."""
    return {s.table.name: s.table for s in MappingRepository(uow.conn).lookups(owner)}


def check(uow: UnitOfWork, owner: Owner, collection: MappingCollection) -> None:
    """Compile ``collection`` against the owner's lookup tables (``MappingDefinitionError``
    naming the field when a formula, path or table is wrong)."""
    compile_collection(collection, lookup_tables(uow, owner))


def add(uow: UnitOfWork, owner: Owner, collection: MappingCollection) -> StoredCollection:
    check(uow, owner, collection)
    return MappingRepository(uow.conn).add_collection(owner, collection)


def replace(
    uow: UnitOfWork, owner: Owner, collection_id: int, collection: MappingCollection
) -> StoredCollection:
    check(uow, owner, collection)
    return MappingRepository(uow.conn).replace_collection(owner, collection_id, collection)


def copy(
    uow: UnitOfWork, owner: Owner, collection_id: int, *, reverse: bool, name: str | None
) -> StoredCollection:
    """A clone (same direction) or reverse clone (the other direction) of a collection."""
    repo = MappingRepository(uow.conn)
    source = repo.collection(owner, collection_id).collection
    made = (
        reverse_clone(source, name=name)
        if reverse
        else clone(source, name=name or f"{source.name} (copy)")
    )
    return repo.add_collection(owner, made)


def preview_collection(
    uow: UnitOfWork,
    owner: Owner,
    collection_id: int,
    sample: dict[str, Any],
    hub: dict[str, Any] | None = None,
) -> Preview:
    """What the collection makes of ``sample`` (errors are part of the answer)."""
    stored = MappingRepository(uow.conn).collection(owner, collection_id)
    return preview(stored.collection, sample, lookup_tables(uow, owner), MappingContext(hub=hub))


def export_yaml(uow: UnitOfWork, owner: Owner) -> str:
    """Every collection and lookup table of the owner as YAML (without stored ids)."""
    repo = MappingRepository(uow.conn)
    collections = [
        MappingCollection.model_validate(
            s.collection.model_dump(mode="json", exclude_unset=True, exclude={"id"})
        )
        for s in repo.collections(owner)
    ]
    return dump_collections(collections, lookup_tables(uow, owner))


def import_yaml(uow: UnitOfWork, owner: Owner, text: str, *, replace_all: bool) -> tuple[int, int]:
    """Load collections and lookup tables from YAML (errors name the field and the line);
    ``replace_all`` removes the owner's existing ones first. Returns (collections, tables)."""
    collections, tables = load_collections(text)
    repo = MappingRepository(uow.conn)
    if replace_all:
        for stored in repo.collections(owner):
            repo.delete_collection(owner, stored.id)
        for lookup in repo.lookups(owner):
            repo.delete_lookup(owner, lookup.id)
    existing = {s.table.name: s.id for s in repo.lookups(owner)}
    for table in tables.values():
        if table.name in existing:
            repo.replace_lookup(owner, existing[table.name], table)
        else:
            repo.add_lookup(owner, table)
    for collection in collections:
        add(uow, owner, collection.model_copy(update={"id": None}))
    return len(collections), len(tables)
