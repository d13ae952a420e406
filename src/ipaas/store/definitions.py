"""Integrations and subscriptions as whole documents: what the connector provider and
integration as code (``ipaas apply`` / ``ipaas export``) read and write.

An integration row keeps ``key``, ``version``, ``name``, ``description`` and ``connector``
in columns and the rest of its definition (config, settings, data types, throttle) in the
``definition`` JSON; its mapping templates and lookup tables are rows owned by it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import sqlalchemy as sa

from ipaas.mapping import LookupTable, MappingCollection
from ipaas.store.tables import (
    companies,
    integrations,
    lookup_tables,
    mapping_collections,
    subscriptions,
)
from ipaas.store.tenants import TenantRepository
from ipaas.store.triggers_tables import webhook_registrations
from ipaas.store.types import utcnow

OwnerKind = Literal["integration", "subscription"]


@dataclass(frozen=True, slots=True)
class ConnectorSource:
    """What building one subscription's connector takes (secrets still encrypted)."""

    subscription_id: int
    integration: dict[str, Any]
    settings: dict[str, Any]
    secrets: str | None
    registrations: list[dict[str, Any]]


def _stamp(value: datetime | None) -> str:
    return value.isoformat() if value is not None else "-"


def _owner(kind: OwnerKind, owner_id: int) -> dict[str, int | None]:
    if kind == "integration":
        return {"integration_id": owner_id, "subscription_id": None}
    return {"integration_id": None, "subscription_id": owner_id}


def _owned(table: sa.Table, kind: OwnerKind, owner_id: int) -> sa.ColumnElement[bool]:
    return table.c[f"{kind}_id"] == owner_id


def integration_document(row: Any) -> dict[str, Any]:
    """An integrations row as one definition document (columns over ``definition``)."""
    m = row._mapping if hasattr(row, "_mapping") else row
    document = dict(m["definition"] or {})
    for key in ("key", "name", "version", "description", "connector"):
        document[key] = m[key]
    return document


class DefinitionStore:
    """Reads and writes integrations and subscriptions as documents, in one transaction."""

    def __init__(self, conn: sa.Connection) -> None:
        self._conn = conn

    # --- what the connector provider needs ---------------------------------------------

    def fingerprint(self, subscription_id: int) -> str | None:
        """Changes whenever the subscription, its integration or its webhook registrations
        change; None when the subscription is gone."""
        s, i, r = subscriptions, integrations, webhook_registrations
        row = self._conn.execute(
            sa.select(s.c.updated_at, i.c.updated_at.label("integration_updated"))
            .join(i, i.c.id == s.c.integration_id)
            .where(s.c.id == subscription_id)
        ).first()
        if row is None:
            return None
        registered = self._conn.execute(
            sa.select(sa.func.max(r.c.updated_at), sa.func.count()).where(
                r.c.subscription_id == subscription_id
            )
        ).first()
        assert registered is not None
        return "|".join(
            (
                _stamp(row.updated_at),
                _stamp(row.integration_updated),
                _stamp(registered[0]),
                str(registered[1]),
            )
        )

    def connector_source(self, subscription_id: int) -> ConnectorSource | None:
        """The integration document, settings, encrypted secrets and enabled registrations."""
        s, i, r = subscriptions, integrations, webhook_registrations
        row = self._conn.execute(
            sa.select(
                s.c.settings,
                s.c.secrets,
                i.c.key,
                i.c.name,
                i.c.version,
                i.c.description,
                i.c.connector,
                i.c.definition,
            )
            .join(i, i.c.id == s.c.integration_id)
            .where(s.c.id == subscription_id)
        ).first()
        if row is None:
            return None
        registrations = [
            dict(reg._mapping)
            for reg in self._conn.execute(
                sa.select(r.c.scope, r.c.callback_url, r.c.registration, r.c.secret)
                .where(r.c.subscription_id == subscription_id, r.c.state == "enabled")
                .order_by(r.c.id)
            )
        ]
        return ConnectorSource(
            subscription_id=subscription_id,
            integration=integration_document(row),
            settings=dict(row.settings or {}),
            secrets=row.secrets,
            registrations=registrations,
        )

    # --- integrations ------------------------------------------------------------------

    def integration(self, key: str, version: str) -> dict[str, Any] | None:
        """The integrations row of ``key`` and ``version`` as a dict, or None."""
        row = self._conn.execute(
            sa.select(integrations).where(
                integrations.c.key == key, integrations.c.version == version
            )
        ).first()
        return dict(row._mapping) if row is not None else None

    def integration_by_id(self, integration_id: int) -> dict[str, Any]:
        row = self._conn.execute(
            sa.select(integrations).where(integrations.c.id == integration_id)
        ).one()
        return dict(row._mapping)

    def integrations(self, key: str | None = None) -> list[dict[str, Any]]:
        """Every integration (or every version of ``key``), by key and id."""
        query = sa.select(integrations).order_by(integrations.c.key, integrations.c.id)
        if key is not None:
            query = query.where(integrations.c.key == key)
        return [dict(r._mapping) for r in self._conn.execute(query)]

    def create_integration(self, company_id: int, values: dict[str, Any]) -> int:
        """Insert an integration (``values``: the columns besides company and times)."""
        now = utcnow()
        return int(
            self._conn.execute(
                sa.insert(integrations)
                .values(company_id=company_id, published=False, created_at=now, updated_at=now)
                .values(**values)
                .returning(integrations.c.id)
            ).scalar_one()
        )

    def update_integration(self, integration_id: int, values: dict[str, Any]) -> None:
        self._conn.execute(
            sa.update(integrations)
            .where(integrations.c.id == integration_id)
            .values(**values, updated_at=utcnow())
        )

    # --- companies and subscriptions ---------------------------------------------------

    def company_named(self, name: str) -> dict[str, Any] | None:
        """The first company called ``name``, or None."""
        row = self._conn.execute(
            sa.select(companies).where(companies.c.name == name).order_by(companies.c.id)
        ).first()
        return dict(row._mapping) if row is not None else None

    def create_company(self, name: str, kind: str) -> int:
        """Create a company named by a document (the accounts area manages the rest)."""
        return TenantRepository(self._conn).create_company(name, kind)

    def company(self, company_id: int) -> dict[str, Any]:
        row = self._conn.execute(sa.select(companies).where(companies.c.id == company_id)).one()
        return dict(row._mapping)

    def subscription(self, subscription_id: int) -> dict[str, Any] | None:
        row = self._conn.execute(
            sa.select(subscriptions).where(subscriptions.c.id == subscription_id)
        ).first()
        return dict(row._mapping) if row is not None else None

    def subscription_named(self, company_id: int, name: str) -> dict[str, Any] | None:
        row = self._conn.execute(
            sa.select(subscriptions).where(
                subscriptions.c.company_id == company_id, subscriptions.c.name == name
            )
        ).first()
        return dict(row._mapping) if row is not None else None

    def subscriptions(self) -> list[dict[str, Any]]:
        rows = self._conn.execute(sa.select(subscriptions).order_by(subscriptions.c.id))
        return [dict(r._mapping) for r in rows]

    def create_subscription(self, values: dict[str, Any]) -> int:
        now = utcnow()
        defaults: dict[str, Any] = {
            "settings": {},
            "flows": {},
            "webhooks": {},
            "polling": {},
            "state": {},
            "throttle_period": "second",
            "paused": False,
        }
        return int(
            self._conn.execute(
                sa.insert(subscriptions)
                .values(**{**defaults, **values}, created_at=now, updated_at=now)
                .returning(subscriptions.c.id)
            ).scalar_one()
        )

    def update_subscription(self, subscription_id: int, values: dict[str, Any]) -> None:
        self._conn.execute(
            sa.update(subscriptions)
            .where(subscriptions.c.id == subscription_id)
            .values(**values, updated_at=utcnow())
        )

    # --- mapping collections and lookup tables of an owner -----------------------------

    def collections(self, kind: OwnerKind, owner_id: int) -> list[MappingCollection]:
        """Top-level collections of the owner, in sort order (children inside)."""
        mc = mapping_collections
        rows = self._conn.execute(
            sa.select(mc.c.definition, mc.c.data_type, mc.c.direction, mc.c.name)
            .where(_owned(mc, kind, owner_id), mc.c.parent_id.is_(None))
            .order_by(mc.c.sort_order, mc.c.id)
        )
        found = []
        for r in rows:
            data = dict(r.definition or {})
            data.setdefault("data_type", r.data_type)
            data.setdefault("direction", r.direction)
            data.setdefault("name", r.name)
            found.append(MappingCollection.model_validate(data))
        return found

    def replace_collections(
        self, kind: OwnerKind, owner_id: int, collections: list[MappingCollection]
    ) -> None:
        """Make ``collections`` the owner's collections (the old rows go)."""
        mc = mapping_collections
        self._conn.execute(sa.delete(mc).where(_owned(mc, kind, owner_id)))
        now = utcnow()
        for collection in collections:
            definition = collection.model_dump(mode="json", exclude_unset=True, exclude={"id"})
            self._conn.execute(
                sa.insert(mc).values(
                    **_owner(kind, owner_id),
                    data_type=collection.data_type,
                    direction=collection.direction.value,
                    name=collection.name,
                    sync_type=collection.sync_type.value,
                    collision_method=collection.collision_method.value,
                    sort_order=collection.sort_order,
                    definition=definition,
                    created_at=now,
                    updated_at=now,
                )
            )

    def lookups(self, kind: OwnerKind, owner_id: int) -> list[LookupTable]:
        lt = lookup_tables
        rows = self._conn.execute(
            sa.select(lt.c.name, lt.c.definition)
            .where(_owned(lt, kind, owner_id))
            .order_by(lt.c.id)
        )
        return [
            LookupTable.model_validate({**dict(r.definition or {}), "name": r.name}) for r in rows
        ]

    def replace_lookups(self, kind: OwnerKind, owner_id: int, tables: list[LookupTable]) -> None:
        lt = lookup_tables
        self._conn.execute(sa.delete(lt).where(_owned(lt, kind, owner_id)))
        now = utcnow()
        for table in tables:
            self._conn.execute(
                sa.insert(lt).values(
                    **_owner(kind, owner_id),
                    name=table.name,
                    definition=table.model_dump(mode="json", exclude_unset=True, exclude={"name"}),
                    created_at=now,
                    updated_at=now,
                )
            )
