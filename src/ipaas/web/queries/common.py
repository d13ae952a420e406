"""Subscriptions a tenant may see, integrations, branding, companies an integrator serves."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from ipaas.domain.accounts import CompanyRef
from ipaas.domain.roles import CompanyKind
from ipaas.errors import NotFoundError
from ipaas.store.portal import PortalRepository
from ipaas.store.tables import companies, integrations, subscriptions

HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
DEFAULT_PRIMARY = "#2f5d8a"


@dataclass(frozen=True, slots=True)
class Brand:
    """How a MiSP's pages (and its subscribers' pages) look."""

    name: str
    logo_url: str | None = None
    primary: str = DEFAULT_PRIMARY
    owner_id: int | None = None


@dataclass(frozen=True, slots=True)
class SubscriptionRow:
    id: int
    name: str
    company_id: int
    integration_id: int
    integration_name: str
    connector: str
    paused: bool
    flows: dict[str, Any]
    webhooks: dict[str, Any]
    polling: dict[str, Any]
    throttle_rate: float | None
    throttle_period: str
    throttle_concurrency: int | None
    settings: dict[str, Any]


_SUB_COLS = (
    subscriptions.c.id,
    subscriptions.c.name,
    subscriptions.c.company_id,
    subscriptions.c.integration_id,
    integrations.c.name.label("integration_name"),
    integrations.c.connector,
    subscriptions.c.paused,
    subscriptions.c.flows,
    subscriptions.c.webhooks,
    subscriptions.c.polling,
    subscriptions.c.throttle_rate,
    subscriptions.c.throttle_period,
    subscriptions.c.throttle_concurrency,
    subscriptions.c.settings,
)


def _sub(row: Any) -> SubscriptionRow:
    m = row._mapping
    values: dict[str, Any] = {
        k: (dict(m[k] or {}) if k in ("flows", "webhooks", "polling", "settings") else m[k])
        for k in m.keys()
    }
    return SubscriptionRow(**values)


def subscriptions_of(conn: sa.Connection, visible: Iterable[int]) -> list[SubscriptionRow]:
    """Every subscription of the visible companies, by name."""
    rows = conn.execute(
        sa.select(*_SUB_COLS)
        .join(integrations, integrations.c.id == subscriptions.c.integration_id)
        .where(subscriptions.c.company_id.in_(list(visible)))
        .order_by(subscriptions.c.name, subscriptions.c.id)
    )
    return [_sub(r) for r in rows]


def subscription(conn: sa.Connection, visible: Iterable[int], sub_id: int) -> SubscriptionRow:
    """One visible subscription, or ``NotFoundError``."""
    row = conn.execute(
        sa.select(*_SUB_COLS)
        .join(integrations, integrations.c.id == subscriptions.c.integration_id)
        .where(subscriptions.c.id == sub_id, subscriptions.c.company_id.in_(list(visible)))
    ).first()
    if row is None:
        raise NotFoundError(f"subscription {sub_id} not found")
    return _sub(row)


@dataclass(frozen=True, slots=True)
class IntegrationRow:
    id: int
    name: str
    key: str
    version: str
    connector: str
    description: str
    definition: dict[str, Any]


def integrations_available(conn: sa.Connection) -> list[IntegrationRow]:
    """Integrations a company may subscribe to (published ones, and all in a fresh hub)."""
    i = integrations
    rows = conn.execute(
        sa.select(
            i.c.id, i.c.name, i.c.key, i.c.version, i.c.connector, i.c.description, i.c.definition
        ).order_by(i.c.name, i.c.version)
    )
    return [IntegrationRow(**{**r._mapping, "definition": dict(r.definition or {})}) for r in rows]


def companies_built_for(conn: sa.Connection, integrator_company_id: int) -> list[CompanyRef]:
    """Subscriber companies using an integration ``integrator_company_id`` builds."""
    rows = conn.execute(
        sa.select(companies.c.id, companies.c.name, companies.c.kind, companies.c.managing_misp_id)
        .distinct()
        .join(subscriptions, subscriptions.c.company_id == companies.c.id)
        .join(integrations, integrations.c.id == subscriptions.c.integration_id)
        .where(integrations.c.company_id == integrator_company_id)
        .order_by(companies.c.name)
    )
    return [CompanyRef(r.id, r.name, CompanyKind(r.kind), r.managing_misp_id) for r in rows]


def branding_for(conn: sa.Connection, company: CompanyRef) -> Brand:
    """The branding shown to ``company``: its own as a MiSP, else its managing MiSP's."""
    owner = company.id if company.kind is CompanyKind.MISP else company.managing_misp_id
    if owner is None:
        return Brand(name="ipaas")
    found = PortalRepository(conn).branding(owner)
    if found is None:
        return Brand(name="ipaas", owner_id=owner)
    primary = found.primary_color or DEFAULT_PRIMARY
    return Brand(
        name=found.name,
        logo_url=found.logo_url or None,
        primary=primary if HEX_COLOUR.match(primary) else DEFAULT_PRIMARY,
        owner_id=owner,
    )
