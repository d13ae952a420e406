"""Mapping collections and lookup tables of a subscription or an integration (templates).

A collection is stored as one ``mapping_collections`` row whose ``definition`` holds the
whole ``ipaas.mapping.MappingCollection`` (children included), which is what the transfer
engine reads. A lookup table's ``definition`` holds the table without its name.
Callers check that the owner (subscription or integration) is in their tenant scope.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import sqlalchemy as sa

from ipaas.errors import NotFoundError
from ipaas.mapping import LookupTable, MappingCollection
from ipaas.store.tables import lookup_tables, mapping_collections
from ipaas.store.types import utcnow
from ipaas.store.unique_names import ensure_unique_name

OwnerKind = Literal["subscription", "integration"]


@dataclass(frozen=True, slots=True)
class Owner:
    """Whose mappings: a subscription's, or an integration's default templates."""

    kind: OwnerKind
    id: int

    def column(self, table: sa.Table) -> sa.ColumnElement[bool]:
        name = "subscription_id" if self.kind == "subscription" else "integration_id"
        return table.c[name] == self.id

    def values(self) -> dict[str, int | None]:
        sub = self.id if self.kind == "subscription" else None
        return {"subscription_id": sub, "integration_id": None if sub else self.id}


@dataclass(frozen=True, slots=True)
class StoredCollection:
    id: int
    collection: MappingCollection
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class StoredLookup:
    id: int
    table: LookupTable
    updated_at: datetime


def _collection(m: Any) -> StoredCollection:
    data = dict(m["definition"] or {})
    data["id"] = str(m["id"])
    return StoredCollection(
        int(m["id"]), MappingCollection.model_validate(data), m["created_at"], m["updated_at"]
    )


def _columns(collection: MappingCollection) -> dict[str, Any]:
    definition = collection.model_dump(mode="json", exclude_unset=True, exclude={"id"})
    for key in ("data_type", "direction", "name"):
        definition[key] = collection.model_dump(mode="json")[key]
    return {
        "data_type": collection.data_type,
        "direction": collection.direction.value,
        "name": collection.name,
        "sync_type": collection.sync_type.value,
        "collision_method": collection.collision_method.value,
        "sort_order": collection.sort_order,
        "definition": definition,
    }


class MappingRepository:
    """Collections and lookup tables of one owner."""

    def __init__(self, conn: sa.Connection) -> None:
        self._conn = conn

    # --- collections --------------------------------------------------------------------

    def collections(self, owner: Owner) -> list[StoredCollection]:
        """Top-level collections of ``owner``, in sort order."""
        mc = mapping_collections
        rows = self._conn.execute(
            sa.select(mc)
            .where(owner.column(mc), mc.c.parent_id.is_(None))
            .order_by(mc.c.sort_order, mc.c.id)
        )
        return [_collection(r._mapping) for r in rows]

    def collection(self, owner: Owner, collection_id: int) -> StoredCollection:
        mc = mapping_collections
        row = self._conn.execute(
            sa.select(mc).where(mc.c.id == collection_id, owner.column(mc))
        ).first()
        if row is None:
            raise NotFoundError(f"mapping collection {collection_id} not found")
        return _collection(row._mapping)

    def add_collection(self, owner: Owner, collection: MappingCollection) -> StoredCollection:
        now = utcnow()
        new_id = self._conn.execute(
            sa.insert(mapping_collections)
            .values(**owner.values(), **_columns(collection), created_at=now, updated_at=now)
            .returning(mapping_collections.c.id)
        ).scalar_one()
        return self.collection(owner, int(new_id))

    def replace_collection(
        self, owner: Owner, collection_id: int, collection: MappingCollection
    ) -> StoredCollection:
        self.collection(owner, collection_id)
        self._conn.execute(
            sa.update(mapping_collections)
            .where(mapping_collections.c.id == collection_id)
            .values(**_columns(collection), updated_at=utcnow())
        )
        return self.collection(owner, collection_id)

    def delete_collection(self, owner: Owner, collection_id: int) -> None:
        self.collection(owner, collection_id)
        self._conn.execute(
            sa.delete(mapping_collections).where(mapping_collections.c.id == collection_id)
        )

    # --- lookup tables ------------------------------------------------------------------

    def lookups(self, owner: Owner) -> list[StoredLookup]:
        lt = lookup_tables
        rows = self._conn.execute(sa.select(lt).where(owner.column(lt)).order_by(lt.c.id))
        return [_lookup(r._mapping) for r in rows]

    def lookup(self, owner: Owner, lookup_id: int) -> StoredLookup:
        lt = lookup_tables
        row = self._conn.execute(
            sa.select(lt).where(lt.c.id == lookup_id, owner.column(lt))
        ).first()
        if row is None:
            raise NotFoundError(f"lookup table {lookup_id} not found")
        return _lookup(row._mapping)

    def _unique(self, owner: Owner, name: str, lookup_id: int | None) -> None:
        owner_rows = owner.column(lookup_tables)
        ensure_unique_name(self._conn, lookup_tables, owner_rows, name, lookup_id, "lookup table")

    def add_lookup(self, owner: Owner, table: LookupTable) -> StoredLookup:
        self._unique(owner, table.name, None)
        now = utcnow()
        new_id = self._conn.execute(
            sa.insert(lookup_tables)
            .values(
                **owner.values(),
                name=table.name,
                definition=table.model_dump(mode="json", exclude_unset=True, exclude={"name"}),
                created_at=now,
                updated_at=now,
            )
            .returning(lookup_tables.c.id)
        ).scalar_one()
        return self.lookup(owner, int(new_id))

    def replace_lookup(self, owner: Owner, lookup_id: int, table: LookupTable) -> StoredLookup:
        self.lookup(owner, lookup_id)
        self._unique(owner, table.name, lookup_id)
        self._conn.execute(
            sa.update(lookup_tables)
            .where(lookup_tables.c.id == lookup_id)
            .values(
                name=table.name,
                definition=table.model_dump(mode="json", exclude_unset=True, exclude={"name"}),
                updated_at=utcnow(),
            )
        )
        return self.lookup(owner, lookup_id)

    def delete_lookup(self, owner: Owner, lookup_id: int) -> None:
        self.lookup(owner, lookup_id)
        self._conn.execute(sa.delete(lookup_tables).where(lookup_tables.c.id == lookup_id))


def _lookup(m: Any) -> StoredLookup:
    data = {"name": m["name"], **dict(m["definition"] or {})}
    return StoredLookup(int(m["id"]), LookupTable.model_validate(data), m["updated_at"])
