"""``evaluate_rules``: the function the scheduler calls periodically (every minute is fine)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ipaas.domain.accounts import TenantScope
from ipaas.notifications.rules import breached, measure
from ipaas.notifications.senders import DeliveryError, post_json, send_email
from ipaas.security.secret_box import SecretBox
from ipaas.store.catalog import CatalogRepository
from ipaas.store.notifications import AlertRule, NotificationRepository
from ipaas.store.types import utcnow
from ipaas.store.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class Firing:
    rule_id: int
    value: float
    message: str
    delivered: bool
    error: str | None


def _subscriptions(uow: UnitOfWork, rule: AlertRule) -> list[int]:
    if rule.subscription_id is not None:
        return [rule.subscription_id]
    return CatalogRepository(uow.conn).subscription_ids(TenantScope.single(rule.company_id))


def _deliver(
    uow: UnitOfWork, box: SecretBox, rule: AlertRule, subject: str, text: str, transport: Any
) -> None:
    if rule.channel == "webhook":
        payload = {"text": f"{subject}: {text}", "rule": rule.name, "rule_id": rule.id}
        post_json(rule.target, payload, transport)
        return
    smtp = NotificationRepository(uow.conn).smtp(rule.company_id)
    if smtp is None:
        raise DeliveryError("no SMTP settings for this company")
    password = box.decrypt(smtp.password).get("password") if smtp.password else None
    send_email(smtp, password, rule.target, subject, text)


def evaluate_in(
    uow: UnitOfWork,
    box: SecretBox,
    *,
    company_ids: list[int] | None = None,
    now: datetime | None = None,
    transport: Any = None,
) -> list[Firing]:
    """Check the enabled rules (of ``company_ids``) in the caller's unit of work; deliver
    and record those breached whose period since the last firing has passed."""
    now = now or utcnow()
    repo = NotificationRepository(uow.conn)
    fired = []
    for rule in repo.enabled_rules(company_ids):
        if rule.last_fired_at and now - rule.last_fired_at < timedelta(minutes=rule.period_minutes):
            continue
        subs = _subscriptions(uow, rule)
        if not subs:
            continue
        found = measure(
            uow, rule.kind, rule.threshold, subs, timedelta(minutes=rule.window_minutes), now
        )
        if not breached(rule.kind, rule.threshold, found.value):
            continue
        subject = f"[ipaas] {rule.name}"
        error = None
        try:
            _deliver(uow, box, rule, subject, found.text, transport)
        except DeliveryError as exc:
            error = str(exc)
        repo.fired(rule.id, now, found.value, found.text, error)
        fired.append(Firing(rule.id, found.value, found.text, error is None, error))
    return fired


def evaluate_rules(hub: Any, *, now: datetime | None = None) -> list[Firing]:
    """Check every enabled rule of the hub and send what is due; one transaction."""
    from ipaas.security.secret_box import secret_box_for

    with hub.unit_of_work() as uow:
        fired = evaluate_in(
            uow, secret_box_for(hub), now=now, transport=hub.extras.get("alert_transport")
        )
        uow.commit()
    return fired
