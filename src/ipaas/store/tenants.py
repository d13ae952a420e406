"""Companies, integrations and subscriptions: the minimum the hub needs to hold records."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from ipaas.domain import CompanyKind
from ipaas.errors import NotFoundError, ValidationError
from ipaas.store.tables import companies, integrations, subscriptions
from ipaas.store.types import utcnow


class TenantRepository:
    """Creates and reads companies, integrations and subscriptions."""

    def __init__(self, conn: sa.Connection) -> None:
        self._conn = conn

    def create_company(
        self, name: str, kind: CompanyKind | str, *, managing_misp_id: int | None = None
    ) -> int:
        """Create a company and return its id."""
        try:
            kind = CompanyKind(kind)
        except ValueError:
            raise ValidationError(
                f"company kind must be one of misp, subscriber, integrator, not {kind!r}",
                field="kind",
            ) from None
        return int(
            self._conn.execute(
                sa.insert(companies)
                .values(
                    name=name,
                    kind=kind.value,
                    managing_misp_id=managing_misp_id,
                    settings={},
                    created_at=utcnow(),
                )
                .returning(companies.c.id)
            ).scalar_one()
        )

    def create_integration(
        self,
        company_id: int,
        key: str,
        name: str,
        connector: str,
        *,
        version: str = "1.0.0",
        definition: dict[str, Any] | None = None,
    ) -> int:
        """Create an integration owned by an integrator company and return its id."""
        now = utcnow()
        return int(
            self._conn.execute(
                sa.insert(integrations)
                .values(
                    company_id=company_id,
                    key=key,
                    version=version,
                    name=name,
                    connector=connector,
                    description="",
                    definition=definition or {},
                    published=False,
                    created_at=now,
                    updated_at=now,
                )
                .returning(integrations.c.id)
            ).scalar_one()
        )

    def create_subscription(
        self,
        company_id: int,
        integration_id: int,
        name: str,
        *,
        settings: dict[str, Any] | None = None,
    ) -> int:
        """Connect a company to an integration and return the subscription's id."""
        now = utcnow()
        return int(
            self._conn.execute(
                sa.insert(subscriptions)
                .values(
                    company_id=company_id,
                    integration_id=integration_id,
                    name=name,
                    settings=settings or {},
                    flows={},
                    webhooks={},
                    polling={},
                    state={},
                    throttle_period="second",
                    paused=False,
                    created_at=now,
                    updated_at=now,
                )
                .returning(subscriptions.c.id)
            ).scalar_one()
        )

    def subscription_company(self, subscription_id: int) -> int:
        """The company that owns a subscription."""
        company_id = self._conn.execute(
            sa.select(subscriptions.c.company_id).where(subscriptions.c.id == subscription_id)
        ).scalar_one_or_none()
        if company_id is None:
            raise NotFoundError(f"subscription {subscription_id} not found")
        return int(company_id)
