"""Integrations (with their versions) and subscriptions, read and written inside a tenant scope.

An integration version is one ``integrations`` row; the rows of one ``key`` are its versions.
An integration is visible to a scope when the scope's companies build it, use it, or it is
published (the marketplace). Subscriptions are visible to the companies of the scope only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ipaas.domain.accounts import TenantScope
from ipaas.errors import ConflictError, NotFoundError
from ipaas.store.tables import integrations, subscriptions
from ipaas.store.tenants import TenantRepository
from ipaas.store.types import utcnow
from ipaas.store.unique_names import ensure_unique_name


@dataclass(frozen=True, slots=True)
class Integration:
    id: int
    company_id: int
    key: str
    version: str
    name: str
    connector: str
    description: str
    definition: dict[str, Any]
    published: bool
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Subscription:
    """A subscription as the API shows it (its secrets stay in the database)."""

    id: int
    company_id: int
    integration_id: int
    name: str
    settings: dict[str, Any]
    has_secrets: bool
    flows: dict[str, Any]
    webhooks: dict[str, Any]
    polling: dict[str, Any]
    state: dict[str, Any]
    throttle_rate: float | None
    throttle_period: str
    throttle_concurrency: int | None
    paused: bool
    created_at: datetime
    updated_at: datetime


def _integration(m: Any) -> Integration:
    return Integration(
        id=int(m["id"]),
        company_id=int(m["company_id"]),
        key=m["key"],
        version=m["version"],
        name=m["name"],
        connector=m["connector"],
        description=m["description"] or "",
        definition=dict(m["definition"] or {}),
        published=bool(m["published"]),
        created_at=m["created_at"],
        updated_at=m["updated_at"],
    )


def _subscription(m: Any) -> Subscription:
    return Subscription(
        id=int(m["id"]),
        company_id=int(m["company_id"]),
        integration_id=int(m["integration_id"]),
        name=m["name"],
        settings=dict(m["settings"] or {}),
        has_secrets=bool(m["secrets"]),
        flows=dict(m["flows"] or {}),
        webhooks=dict(m["webhooks"] or {}),
        polling=dict(m["polling"] or {}),
        state=dict(m["state"] or {}),
        throttle_rate=m["throttle_rate"],
        throttle_period=m["throttle_period"] or "second",
        throttle_concurrency=m["throttle_concurrency"],
        paused=bool(m["paused"]),
        created_at=m["created_at"],
        updated_at=m["updated_at"],
    )


class CatalogRepository:
    """Integrations and subscriptions of a tenant scope."""

    def __init__(self, conn: sa.Connection) -> None:
        self._conn = conn

    # --- integrations -------------------------------------------------------------------

    def _visible_integrations(self, scope: TenantScope) -> sa.ColumnElement[bool]:
        used = sa.select(subscriptions.c.integration_id).where(
            subscriptions.c.company_id.in_(scope.visible)
        )
        return sa.or_(
            integrations.c.published.is_(True),
            integrations.c.company_id.in_(scope.visible),
            integrations.c.id.in_(used),
        )

    def create_integration(
        self,
        scope: TenantScope,
        *,
        key: str,
        version: str,
        name: str,
        connector: str,
        description: str,
        definition: dict[str, Any],
    ) -> Integration:
        """A new integration (or a new version of one the scope builds)."""
        owner = self._conn.execute(
            sa.select(integrations.c.company_id).where(integrations.c.key == key).limit(1)
        ).scalar_one_or_none()
        if owner is not None and owner not in scope.visible:
            raise ConflictError(f"the integration key {key!r} is taken", field="key")
        exists = self._conn.execute(
            sa.select(integrations.c.id).where(
                integrations.c.key == key, integrations.c.version == version
            )
        ).first()
        if exists:
            raise ConflictError(f"{key} {version} exists", field="version")
        now = utcnow()
        new_id = self._conn.execute(
            sa.insert(integrations)
            .values(
                company_id=scope.company_id if owner is None else owner,
                key=key,
                version=version,
                name=name,
                connector=connector,
                description=description,
                definition=definition,
                published=False,
                created_at=now,
                updated_at=now,
            )
            .returning(integrations.c.id)
        ).scalar_one()
        return self.integration(scope, int(new_id))

    def integration(self, scope: TenantScope, integration_id: int) -> Integration:
        """An integration the scope may see (``NotFoundError`` otherwise)."""
        row = self._conn.execute(
            sa.select(integrations).where(
                integrations.c.id == integration_id, self._visible_integrations(scope)
            )
        ).first()
        if row is None:
            raise NotFoundError(f"integration {integration_id} not found")
        return _integration(row._mapping)

    def own_integration(self, scope: TenantScope, integration_id: int) -> Integration:
        """An integration the scope builds (``NotFoundError`` otherwise)."""
        found = self.integration(scope, integration_id)
        if found.company_id not in scope.visible:
            raise NotFoundError(f"integration {integration_id} not found")
        return found

    def integrations(
        self, scope: TenantScope, after_id: int, limit: int, *, marketplace: bool = False
    ) -> list[Integration]:
        """The scope's own integrations, or the published ones (``marketplace``), by id."""
        where = (
            integrations.c.published.is_(True)
            if marketplace
            else integrations.c.company_id.in_(scope.visible)
        )
        rows = self._conn.execute(
            sa.select(integrations)
            .where(where, integrations.c.id > after_id)
            .order_by(integrations.c.id)
            .limit(limit)
        )
        return [_integration(r._mapping) for r in rows]

    def versions(self, scope: TenantScope, key: str) -> list[Integration]:
        """Every version of an integration key the scope may see, oldest first."""
        rows = self._conn.execute(
            sa.select(integrations)
            .where(integrations.c.key == key, self._visible_integrations(scope))
            .order_by(integrations.c.id)
        )
        return [_integration(r._mapping) for r in rows]

    def update_integration(self, integration_id: int, **values: Any) -> None:
        """Change columns of an integration row (the caller checked ownership)."""
        self._conn.execute(
            sa.update(integrations)
            .where(integrations.c.id == integration_id)
            .values(**values, updated_at=utcnow())
        )

    # --- subscriptions ------------------------------------------------------------------

    def create_subscription(
        self, scope: TenantScope, integration_id: int, name: str
    ) -> Subscription:
        """Subscribe the scope's company to an integration version."""
        self._unique_name(scope.company_id, name, None)
        tenants = TenantRepository(self._conn)
        new_id = tenants.create_subscription(scope.company_id, integration_id, name)
        return self.subscription(scope, new_id)

    def _unique_name(self, company_id: int, name: str, subscription_id: int | None) -> None:
        owner = subscriptions.c.company_id == company_id
        ensure_unique_name(self._conn, subscriptions, owner, name, subscription_id, "subscription")

    def subscription(self, scope: TenantScope, subscription_id: int) -> Subscription:
        """A subscription of the scope (``NotFoundError`` otherwise)."""
        row = self._conn.execute(
            sa.select(subscriptions).where(
                subscriptions.c.id == subscription_id,
                subscriptions.c.company_id.in_(scope.visible),
            )
        ).first()
        if row is None:
            raise NotFoundError(f"subscription {subscription_id} not found")
        return _subscription(row._mapping)

    def subscriptions(self, scope: TenantScope, after_id: int, limit: int) -> list[Subscription]:
        """Subscriptions of the scope's companies, by id."""
        rows = self._conn.execute(
            sa.select(subscriptions)
            .where(subscriptions.c.company_id.in_(scope.visible), subscriptions.c.id > after_id)
            .order_by(subscriptions.c.id)
            .limit(limit)
        )
        return [_subscription(r._mapping) for r in rows]

    def subscription_ids(self, scope: TenantScope) -> list[int]:
        """Ids of every subscription of the scope's companies."""
        rows = self._conn.execute(
            sa.select(subscriptions.c.id)
            .where(subscriptions.c.company_id.in_(scope.visible))
            .order_by(subscriptions.c.id)
        )
        return [int(r[0]) for r in rows]

    def update_subscription(self, scope: TenantScope, subscription_id: int, **values: Any) -> None:
        """Change columns of a subscription of the scope."""
        current = self.subscription(scope, subscription_id)
        if "name" in values:
            self._unique_name(current.company_id, values["name"], subscription_id)
        self._conn.execute(
            sa.update(subscriptions)
            .where(subscriptions.c.id == subscription_id)
            .values(**values, updated_at=utcnow())
        )

    def delete_subscription(self, scope: TenantScope, subscription_id: int) -> None:
        """Remove a subscription of the scope (its links, queue and mappings go with it)."""
        self.subscription(scope, subscription_id)
        self._conn.execute(sa.delete(subscriptions).where(subscriptions.c.id == subscription_id))


def subscription_secrets(conn: sa.Connection, subscription_id: int) -> str | None:
    """The encrypted secrets blob of a subscription (decrypt with the secret box)."""
    blob: str | None = conn.execute(
        sa.select(subscriptions.c.secrets).where(subscriptions.c.id == subscription_id)
    ).scalar_one_or_none()
    return blob
