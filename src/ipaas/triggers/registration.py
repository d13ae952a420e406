"""Enabling and disabling webhooks in external systems, per subscription and scope.

``enable`` asks the connector to register the hub's callback URL (``settings.public_url``
+ ``/hooks/{token}``) for one scope and stores what came back; a signing secret in the
answer is stored encrypted, apart from the rest. ``disable`` unregisters it again.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from ipaas.bootstrap import Hub
from ipaas.domain import Scope
from ipaas.store.triggers import PollState, Registration, TriggerRepository
from ipaas.triggers.polling import ConnectorSource, connector_source
from ipaas.triggers.secrets_box import conceal

#: Keys under which connectors return a signing secret (anywhere in the answer).
SECRET_KEYS = frozenset({"secret", "signing_secret", "webhook_secret", "signingSecret"})


@dataclass(frozen=True, slots=True)
class WebhookStatus:
    """Everything about a subscription's triggers, secrets left out."""

    subscription_id: int
    callback_url: str
    generic_url: str
    keys: list[dict[str, Any]]
    registrations: list[Registration]
    polls: list[PollState]


def callback_url(hub: Hub, subscription_id: int) -> str:
    """The address external systems post this subscription's webhooks to."""
    with hub.unit_of_work() as uow:
        token = TriggerRepository(uow.conn).token(subscription_id)
        uow.commit()
    return f"{hub.settings.public_url.rstrip('/')}/hooks/{token}"


def split_secrets(answer: Any) -> tuple[Any, list[str]]:
    """``answer`` without its signing secrets, and the secrets found in it."""
    found: list[str] = []

    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            kept = {}
            for key, item in value.items():
                if key in SECRET_KEYS and isinstance(item, str):
                    found.append(item)
                else:
                    kept[key] = strip(item)
            return kept
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return strip(answer), found


def _save(
    hub: Hub,
    subscription_id: int,
    scope: str,
    *,
    state: str,
    url: str,
    registration: dict[str, Any],
    secret: str | None,
    error: str | None = None,
) -> None:
    with hub.unit_of_work() as uow:
        TriggerRepository(uow.conn).save_registration(
            subscription_id,
            scope,
            state=state,
            callback_url=url,
            registration=registration,
            secret=secret,
            last_error=error,
        )
        uow.commit()


def _forget_cache(hub: Hub) -> None:
    intake = hub.extras.get("webhook_intake")
    forget = getattr(intake, "forget", None)
    if callable(forget):
        forget()


async def enable_webhooks(
    hub: Hub, subscription_id: int, scopes: list[str], *, provider: ConnectorSource | None = None
) -> list[Registration]:
    """Register the hub for each of ``scopes`` in the external system; returns the states.

    A scope whose registration fails is stored as ``failed`` with the reason; the others
    still get registered.
    """
    parsed = [str(Scope.parse(s)) for s in scopes]
    connector = connector_source(hub, provider).get(subscription_id)
    url = await asyncio.to_thread(callback_url, hub, subscription_id)
    for scope in parsed:
        try:
            answer = await connector.enable_webhooks(url, [scope])
        except Exception as error:
            await asyncio.to_thread(
                _save,
                hub,
                subscription_id,
                scope,
                state="failed",
                url=url,
                registration={},
                secret=None,
                error=f"{type(error).__name__}: {error}"[:1000],
            )
            continue
        registration, secrets = split_secrets(dict(answer or {}))
        secret = conceal(hub, secrets[0]) if secrets else None
        await asyncio.to_thread(
            _save,
            hub,
            subscription_id,
            scope,
            state="enabled",
            url=url,
            registration=registration,
            secret=secret,
        )
    _forget_cache(hub)
    return await asyncio.to_thread(_registrations, hub, subscription_id)


async def disable_webhooks(
    hub: Hub,
    subscription_id: int,
    scopes: list[str] | None = None,
    *,
    provider: ConnectorSource | None = None,
) -> list[Registration]:
    """Unregister ``scopes`` (all enabled ones when None) in the external system."""
    current = await asyncio.to_thread(_registrations, hub, subscription_id)
    wanted = None if not scopes else {str(Scope.parse(s)) for s in scopes}
    connector = connector_source(hub, provider).get(subscription_id)
    for registration in current:
        if registration.state != "enabled" or (
            wanted is not None and registration.scope not in wanted
        ):
            continue
        error = None
        try:
            await connector.disable_webhooks(registration.registration)
        except Exception as failure:
            error = f"{type(failure).__name__}: {failure}"[:1000]
        await asyncio.to_thread(
            _save,
            hub,
            subscription_id,
            registration.scope,
            state="failed" if error else "disabled",
            url=registration.callback_url,
            registration=registration.registration if error else {},
            secret=registration.secret if error else None,
            error=error,
        )
    _forget_cache(hub)
    return await asyncio.to_thread(_registrations, hub, subscription_id)


def _registrations(hub: Hub, subscription_id: int) -> list[Registration]:
    with hub.unit_of_work() as uow:
        return TriggerRepository(uow.conn).registrations(subscription_id)


def webhook_status(hub: Hub, subscription_id: int) -> WebhookStatus:
    """Keys, hook addresses, registrations per scope and polling of a subscription."""
    with hub.unit_of_work() as uow:
        repo = TriggerRepository(uow.conn)
        repo.subscription_info(subscription_id)
        token = repo.token(subscription_id)
        uow.commit()
        base = hub.settings.public_url.rstrip("/")
        return WebhookStatus(
            subscription_id=subscription_id,
            callback_url=f"{base}/hooks/{token}",
            generic_url=f"{base}/hooks/v1/notifications",
            keys=repo.keys(subscription_id),
            registrations=repo.registrations(subscription_id),
            polls=repo.poll_states(subscription_id),
        )
