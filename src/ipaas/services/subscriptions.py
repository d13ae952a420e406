"""Subscriptions: subscribe (with the default mappings), settings with encrypted secrets,
data flows, webhooks or polling per data type, throttle, pause and resume, connector state,
upgrading to another integration version, and testing the connection."""

from __future__ import annotations

from typing import Any, Literal

from ipaas.connectors.base import SettingField
from ipaas.domain import Direction
from ipaas.domain.accounts import TenantScope
from ipaas.errors import NotFoundError, ValidationError
from ipaas.mapping import clone
from ipaas.security.secret_box import SecretBox
from ipaas.security.setting_values import SettingValues, mask_secrets, validate_values
from ipaas.services.integrations import UpgradeReport, upgrade_report
from ipaas.store.catalog import CatalogRepository, Integration, Subscription, subscription_secrets
from ipaas.store.mappings import MappingRepository, Owner
from ipaas.store.presets import field_from_dict
from ipaas.store.triggers import TriggerRepository
from ipaas.store.types import utcnow
from ipaas.store.unit_of_work import UnitOfWork

#: Most keys and bytes the connector state of one subscription may hold.
MAX_STATE_KEYS = 100


def fields_of(integration: Integration) -> tuple[SettingField, ...]:
    """The setting fields an integration declares."""
    return tuple(field_from_dict(d) for d in integration.definition.get("settings", []))


def directions_of(integration: Integration) -> dict[str, set[str]]:
    """data type -> directions the integration supports."""
    return {
        d["data_type"]: set(d.get("directions", []))
        for d in integration.definition.get("data_types", [])
    }


def subscribe(
    uow: UnitOfWork,
    scope: TenantScope,
    integration_id: int,
    name: str,
    *,
    default_mappings: bool = True,
) -> tuple[Subscription, int]:
    """Subscribe the scope's company to a published integration version (or one it builds),
    copying the integration's mapping templates and lookup tables when ``default_mappings``.
    Returns the subscription and how many collections were copied."""
    catalog = CatalogRepository(uow.conn)
    try:
        integration = catalog.integration(scope, integration_id)
    except NotFoundError:
        raise NotFoundError(
            f"integration {integration_id} not found", field="integration_id"
        ) from None
    if not integration.published and integration.company_id not in scope.visible:
        raise NotFoundError(f"integration {integration_id} not found", field="integration_id")
    subscription = catalog.create_subscription(scope, integration.id, name)
    copied = 0
    if default_mappings:
        maps = MappingRepository(uow.conn)
        source = Owner("integration", integration.id)
        target = Owner("subscription", subscription.id)
        for lookup in maps.lookups(source):
            maps.add_lookup(target, lookup.table)
        for stored in maps.collections(source):
            maps.add_collection(target, clone(stored.collection))
            copied += 1
    throttle = integration.definition.get("throttle") or {}
    if throttle:
        catalog.update_subscription(
            scope,
            subscription.id,
            throttle_rate=throttle.get("rate"),
            throttle_period=throttle.get("period") or "second",
            throttle_concurrency=throttle.get("concurrency"),
        )
    return catalog.subscription(scope, subscription.id), copied


def settings_view(uow: UnitOfWork, box: SecretBox, subscription: Subscription) -> dict[str, Any]:
    """The subscription's own values: public ones, and for secrets only whether they are set."""
    integration = CatalogRepository(uow.conn).integration(
        TenantScope.single(subscription.company_id), subscription.integration_id
    )
    fields = fields_of(integration)
    secret_names = box.decrypt(subscription_secrets(uow.conn, subscription.id)).keys()
    return {
        "fields": [f.name for f in fields],
        "values": subscription.settings,
        "secrets": mask_secrets(fields, secret_names),
    }


def update_settings(
    uow: UnitOfWork,
    box: SecretBox,
    scope: TenantScope,
    subscription_id: int,
    values: dict[str, Any],
) -> list[str]:
    """Change some settings: omitted keep their value, the mask keeps a secret, ``null``
    clears. Secrets are encrypted. Returns the names of the fields that changed."""
    catalog = CatalogRepository(uow.conn)
    subscription = catalog.subscription(scope, subscription_id)
    integration = catalog.integration(scope, subscription.integration_id)
    before = SettingValues(
        subscription.settings, box.decrypt(subscription_secrets(uow.conn, subscription_id))
    )
    checked = validate_values(fields_of(integration), values, existing=before)
    changed = sorted(
        k
        for k in set(before.public) | set(checked.public) | set(before.secret) | set(checked.secret)
        if before.public.get(k) != checked.public.get(k)
        or before.secret.get(k) != checked.secret.get(k)
    )
    catalog.update_subscription(
        scope, subscription_id, settings=checked.public, secrets=box.encrypt(checked.secret)
    )
    return changed


def set_flows(
    uow: UnitOfWork, scope: TenantScope, subscription_id: int, flows: dict[str, dict[str, bool]]
) -> Subscription:
    """Choose the data flows per data type and direction; only supported ones are allowed."""
    catalog = CatalogRepository(uow.conn)
    subscription = catalog.subscription(scope, subscription_id)
    supported = directions_of(catalog.integration(scope, subscription.integration_id))
    merged = dict(subscription.flows)
    for data_type, chosen in flows.items():
        if data_type not in supported:
            raise ValidationError(
                f"the integration does not handle {data_type}", field=f"flows.{data_type}"
            )
        for direction, on in chosen.items():
            if on and direction not in supported[data_type]:
                raise ValidationError(
                    f"the integration does not send {data_type} {direction}",
                    field=f"flows.{data_type}.{direction}",
                )
        merged[data_type] = {**merged.get(data_type, {}), **chosen}
    catalog.update_subscription(scope, subscription_id, flows=merged)
    return catalog.subscription(scope, subscription_id)


def set_trigger(
    uow: UnitOfWork,
    scope: TenantScope,
    subscription_id: int,
    data_type: str,
    mode: Literal["webhook", "polling", "off"],
    *,
    interval_seconds: float | None = None,
    cron: str | None = None,
) -> Subscription:
    """Choose how changes of ``data_type`` reach the hub: webhooks, polling on a schedule,
    or neither. Polling schedules are handed to the triggers engine's scheduler."""
    from ipaas.triggers.polling import validate_schedule

    catalog = CatalogRepository(uow.conn)
    subscription = catalog.subscription(scope, subscription_id)
    if Direction.TO_HUB.value not in directions_of(
        catalog.integration(scope, subscription.integration_id)
    ).get(data_type, set()):
        raise ValidationError(
            f"the integration does not send {data_type} to the hub", field="data_type"
        )
    webhooks, polling = dict(subscription.webhooks), dict(subscription.polling)
    triggers = TriggerRepository(uow.conn)
    if mode == "polling":
        validate_schedule(interval_seconds, cron)
        triggers.configure_poll(
            subscription_id,
            data_type,
            interval_seconds=interval_seconds,
            cron=cron,
            next_run_at=utcnow(),
        )
        polling[data_type] = {"interval_seconds": interval_seconds, "cron": cron}
        webhooks.pop(data_type, None)
    else:
        state = triggers.poll_state(subscription_id, data_type)
        if state is not None:
            triggers.configure_poll(
                subscription_id,
                data_type,
                interval_seconds=state.interval_seconds,
                cron=state.cron,
                enabled=False,
            )
        polling.pop(data_type, None)
        if mode == "webhook":
            webhooks[data_type] = {"enabled": True}
        else:
            webhooks.pop(data_type, None)
    catalog.update_subscription(scope, subscription_id, webhooks=webhooks, polling=polling)
    return catalog.subscription(scope, subscription_id)


def update_state(
    uow: UnitOfWork, scope: TenantScope, subscription_id: int, changes: dict[str, Any]
) -> dict[str, Any]:
    """Set keys of the connector's key-value state (``null`` removes a key)."""
    catalog = CatalogRepository(uow.conn)
    state = dict(catalog.subscription(scope, subscription_id).state)
    for key, value in changes.items():
        if value is None:
            state.pop(key, None)
        else:
            state[key] = value
    if len(state) > MAX_STATE_KEYS:
        raise ValidationError(f"the state holds at most {MAX_STATE_KEYS} keys", field="state")
    catalog.update_subscription(scope, subscription_id, state=state)
    return state


def upgrade(
    uow: UnitOfWork,
    scope: TenantScope,
    subscription_id: int,
    version: str,
    *,
    apply: bool,
) -> UpgradeReport:
    """Report what moving the subscription to ``version`` of its integration changes, and
    move it when ``apply``. Its own mappings are kept (the report names changed templates)."""
    catalog = CatalogRepository(uow.conn)
    subscription = catalog.subscription(scope, subscription_id)
    current = catalog.integration(scope, subscription.integration_id)
    target = next(
        (
            v
            for v in catalog.versions(scope, current.key)
            if v.version == version and (v.published or v.company_id in scope.visible)
        ),
        None,
    )
    if target is None:
        raise NotFoundError(f"{current.key} has no published version {version}", field="version")
    report = upgrade_report(uow, current, target, subscription.settings)
    if apply:
        if report.required_settings_missing:
            names = ", ".join(report.required_settings_missing)
            raise ValidationError(
                f"fill the new required settings first: {names}",
                field=report.required_settings_missing[0],
            )
        catalog.update_subscription(scope, subscription_id, integration_id=target.id)
    return report
