"""Alert rules, their firings, and each company's SMTP settings (password encrypted)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ipaas.domain.accounts import TenantScope
from ipaas.errors import NotFoundError
from ipaas.store.resources_tables import alert_events, alert_rules, smtp_settings
from ipaas.store.types import utcnow


@dataclass(frozen=True, slots=True)
class AlertRule:
    id: int
    company_id: int
    subscription_id: int | None
    name: str
    kind: str
    threshold: float
    window_minutes: int
    channel: str
    target: str
    period_minutes: int
    enabled: bool
    last_fired_at: datetime | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class AlertEvent:
    id: int
    rule_id: int
    at: datetime
    value: float
    message: str
    delivered: bool
    error: str | None


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    company_id: int
    host: str
    port: int
    username: str | None
    password: str | None  # encrypted
    sender: str
    security: str


def _rule(m: Any) -> AlertRule:
    return AlertRule(**{k: m[k] for k in AlertRule.__dataclass_fields__})


class NotificationRepository:
    def __init__(self, conn: sa.Connection) -> None:
        self._conn = conn

    def create_rule(self, scope: TenantScope, values: dict[str, Any]) -> AlertRule:
        now = utcnow()
        new_id = self._conn.execute(
            sa.insert(alert_rules)
            .values(company_id=scope.company_id, created_at=now, updated_at=now, **values)
            .returning(alert_rules.c.id)
        ).scalar_one()
        return self.rule(scope, int(new_id))

    def rule(self, scope: TenantScope, rule_id: int) -> AlertRule:
        row = self._conn.execute(
            sa.select(alert_rules).where(
                alert_rules.c.id == rule_id, alert_rules.c.company_id.in_(scope.visible)
            )
        ).first()
        if row is None:
            raise NotFoundError(f"alert rule {rule_id} not found")
        return _rule(row._mapping)

    def rules(self, scope: TenantScope, after_id: int, limit: int) -> list[AlertRule]:
        rows = self._conn.execute(
            sa.select(alert_rules)
            .where(alert_rules.c.company_id.in_(scope.visible), alert_rules.c.id > after_id)
            .order_by(alert_rules.c.id)
            .limit(limit)
        )
        return [_rule(r._mapping) for r in rows]

    def enabled_rules(self, company_ids: list[int] | None = None) -> list[AlertRule]:
        """Every enabled rule (of the given companies), by id."""
        query = sa.select(alert_rules).where(alert_rules.c.enabled.is_(True))
        if company_ids is not None:
            query = query.where(alert_rules.c.company_id.in_(company_ids))
        return [_rule(r._mapping) for r in self._conn.execute(query.order_by(alert_rules.c.id))]

    def update_rule(self, scope: TenantScope, rule_id: int, values: dict[str, Any]) -> AlertRule:
        self.rule(scope, rule_id)
        self._conn.execute(
            sa.update(alert_rules)
            .where(alert_rules.c.id == rule_id)
            .values(**values, updated_at=utcnow())
        )
        return self.rule(scope, rule_id)

    def delete_rule(self, scope: TenantScope, rule_id: int) -> None:
        self.rule(scope, rule_id)
        self._conn.execute(sa.delete(alert_rules).where(alert_rules.c.id == rule_id))

    def fired(
        self, rule_id: int, at: datetime, value: float, message: str, error: str | None
    ) -> None:
        """Record a firing and when the rule last fired."""
        self._conn.execute(
            sa.insert(alert_events).values(
                rule_id=rule_id,
                at=at,
                value=value,
                message=message,
                delivered=error is None,
                error=error,
            )
        )
        self._conn.execute(
            sa.update(alert_rules).where(alert_rules.c.id == rule_id).values(last_fired_at=at)
        )

    def events(self, scope: TenantScope, after_id: int, limit: int) -> list[AlertEvent]:
        e, r = alert_events, alert_rules
        rows = self._conn.execute(
            sa.select(e)
            .join(r, r.c.id == e.c.rule_id)
            .where(r.c.company_id.in_(scope.visible), e.c.id > after_id)
            .order_by(e.c.id)
            .limit(limit)
        )
        return [
            AlertEvent(**{k: m[k] for k in AlertEvent.__dataclass_fields__})
            for m in (x._mapping for x in rows)
        ]

    # --- SMTP ---------------------------------------------------------------------------

    def smtp(self, company_id: int) -> SmtpSettings | None:
        row = self._conn.execute(
            sa.select(smtp_settings).where(smtp_settings.c.company_id == company_id)
        ).first()
        if row is None:
            return None
        m = row._mapping
        return SmtpSettings(**{k: m[k] for k in SmtpSettings.__dataclass_fields__})

    def save_smtp(self, settings: SmtpSettings) -> None:
        values = {k: getattr(settings, k) for k in SmtpSettings.__dataclass_fields__}
        self._conn.execute(
            sa.delete(smtp_settings).where(smtp_settings.c.company_id == settings.company_id)
        )
        self._conn.execute(sa.insert(smtp_settings).values(**values, updated_at=utcnow()))
