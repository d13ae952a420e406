"""``apply_documents`` and ``export_documents``: integration as code for a hub.

Apply validates every document before writing anything, writes integrations and
subscriptions in one transaction, then brings polling schedules and webhook
registrations in line (those talk to the external systems). Applying the same files
twice changes nothing the second time and says so.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ipaas.bootstrap import Hub
from ipaas.integration_as_code.documents import Document, DocumentError
from ipaas.integration_as_code.integrations import (
    apply_integration,
    export_integration,
    plan_integration,
)
from ipaas.integration_as_code.subscriptions import (
    apply_subscription,
    export_subscription,
    plan_subscription,
)
from ipaas.security.secret_box import secret_box_for
from ipaas.store.definitions import DefinitionStore
from ipaas.store.triggers import TriggerRepository
from ipaas.transfer.provider import ConnectorProvider

DEFAULT_INTEGRATOR = "Integrator"


@dataclass(frozen=True, slots=True)
class Change:
    """What applying one document (or one of its triggers) did."""

    file: str
    kind: str
    name: str
    outcome: str  # created, updated, unchanged, or a trigger note
    id: int | None = None

    def __str__(self) -> str:
        return f"{self.kind} {self.name}: {self.outcome} ({self.file})"


def apply_documents(
    hub: Hub,
    documents: Iterable[Document],
    *,
    integrator: str = DEFAULT_INTEGRATOR,
    environ: dict[str, str] | None = None,
    provider: ConnectorProvider | None = None,
    triggers: bool = True,
) -> list[Change]:
    """Create or update what ``documents`` describe; returns one change per document.

    ``integrator`` names the company that owns new integrations (created if missing).
    With ``triggers``, polling schedules are set and webhooks enabled or disabled as the
    subscriptions say (webhooks through ``provider``, else the hub's).
    """
    documents = list(documents)
    integration_plans = [plan_integration(d) for d in documents if d.kind == "integration"]
    seen: dict[tuple[str, str], Document] = {}
    for plan in integration_plans:
        earlier = seen.get((plan.key, plan.version))
        if earlier is not None:
            raise plan.document.error(
                f"{plan.key} {plan.version} is also defined in {earlier.path}", ["key"]
            )
        seen[(plan.key, plan.version)] = plan.document
    box = secret_box_for(hub)
    changes: list[Change] = []
    with hub.unit_of_work() as uow:
        store = DefinitionStore(uow.conn)
        for plan in integration_plans:
            owner = store.company_named(integrator)
            owner_id = int(owner["id"]) if owner else store.create_company(integrator, "integrator")
            outcome = apply_integration(store, plan, owner_id)
            name = f"{plan.key} {plan.version}"
            changes.append(Change(str(plan.document.path), "integration", name, outcome))
        subscription_plans = [
            plan_subscription(d, store, environ) for d in documents if d.kind == "subscription"
        ]
        applied = []
        for sub_plan in subscription_plans:
            outcome, sub_id = apply_subscription(store, sub_plan, box)
            name = f"{sub_plan.doc.company} / {sub_plan.doc.name}"
            changes.append(
                Change(str(sub_plan.document.path), "subscription", name, outcome, sub_id)
            )
            applied.append((sub_plan, sub_id))
        uow.commit()
    if triggers:
        for sub_plan, sub_id in applied:
            changes.extend(_sync_polling(hub, sub_plan.document, sub_id, sub_plan.doc.polling))
            changes.extend(
                _sync_webhooks(hub, sub_plan.document, sub_id, sub_plan.doc.webhooks, provider)
            )
    _forget_caches(hub)
    return changes


def _forget_caches(hub: Hub) -> None:
    for name in ("webhook_intake",):
        forget = getattr(hub.extras.get(name), "forget", None)
        if callable(forget):
            forget()


def _sync_polling(
    hub: Hub, document: Document, sub_id: int, polling: dict[str, Any]
) -> list[Change]:
    from ipaas.triggers.polling import configure_polling

    with hub.unit_of_work() as uow:
        current = {p.data_type: p for p in TriggerRepository(uow.conn).poll_states(sub_id)}
    changes = []
    for data_type, wanted in polling.items():
        state = current.get(data_type)
        same = state is not None and (
            state.interval_seconds,
            state.cron,
            state.enabled,
        ) == (wanted.interval_seconds, wanted.cron, wanted.enabled)
        if same:
            continue
        configure_polling(
            hub,
            sub_id,
            data_type,
            interval_seconds=wanted.interval_seconds,
            cron=wanted.cron,
            enabled=wanted.enabled,
        )
        changes.append(Change(str(document.path), "polling", data_type, "scheduled", sub_id))
    return changes


def _sync_webhooks(
    hub: Hub,
    document: Document,
    sub_id: int,
    scopes: list[str],
    provider: ConnectorProvider | None,
) -> list[Change]:
    from ipaas.domain import Scope
    from ipaas.triggers.registration import disable_webhooks, enable_webhooks

    with hub.unit_of_work() as uow:
        registrations = TriggerRepository(uow.conn).registrations(sub_id)
    enabled = {r.scope for r in registrations if r.state == "enabled"}
    wanted = {str(Scope.parse(s)) for s in scopes}
    to_enable = sorted(wanted - enabled)
    to_disable = sorted(enabled - wanted)
    if not to_enable and not to_disable:
        return []
    own = None
    if provider is None and hub.connectors is None:
        from ipaas.transfer.registry_provider import RegistryConnectorProvider

        own = provider = RegistryConnectorProvider(hub)

    async def run() -> list[Any]:
        try:
            states = []
            if to_disable:
                states += await disable_webhooks(hub, sub_id, to_disable, provider=provider)
            if to_enable:
                states += await enable_webhooks(hub, sub_id, to_enable, provider=provider)
            return states
        finally:
            if own is not None:
                await own.close()

    states = asyncio.run(run())
    touched = set(to_enable) | set(to_disable)
    return [
        Change(
            str(document.path),
            "webhook",
            s.scope,
            s.state if not s.last_error else f"{s.state}: {s.last_error}",
            sub_id,
        )
        for s in {s.scope: s for s in states}.values()
        if s.scope in touched
    ]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


def dump_document(document: dict[str, Any]) -> str:
    """A document as YAML (key order kept)."""
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)


def export_documents(
    hub: Hub,
    folder: str | Path,
    *,
    integration: str | None = None,
    subscription: int | None = None,
) -> list[Path]:
    """Write integrations (all, or every version of ``integration``) and subscriptions
    (all, or ``subscription``) as YAML files into ``folder``; returns the files.

    With only one of ``integration`` and ``subscription`` given, only that kind is written.
    """
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with hub.unit_of_work() as uow:
        store = DefinitionStore(uow.conn)
        if subscription is None or integration is not None:
            for row in store.integrations(integration):
                path = out / f"integration-{_slug(row['key'])}-{_slug(row['version'])}.yaml"
                path.write_text(dump_document(export_integration(store, row)), encoding="utf-8")
                written.append(path)
        if integration is None or subscription is not None:
            rows = store.subscriptions()
            if subscription is not None:
                rows = [r for r in rows if int(r["id"]) == subscription]
                if not rows:
                    raise DocumentError(f"no subscription {subscription}", file=str(out))
            for row in rows:
                company = store.company(int(row["company_id"]))["name"]
                path = out / f"subscription-{_slug(company)}-{_slug(row['name'])}.yaml"
                path.write_text(dump_document(export_subscription(store, row)), encoding="utf-8")
                written.append(path)
    return written
