"""Webhook intake: authenticate, parse, verify, and hand events to the group-commit writer.

HTTP-free: ``ipaas.triggers.api`` turns requests into calls here and errors into answers.
Lookups (key -> subscription, subscription -> config and secrets) are cached for a few
seconds, so a burst costs one database round trip per batch, not several per request.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

from ipaas.bootstrap import Hub
from ipaas.connectors.base import WebhookRequest
from ipaas.connectors.signatures import verify_signature
from ipaas.errors import (
    AuthenticationError,
    ConfigurationError,
    IpaasError,
    NotFoundError,
    ValidationError,
)
from ipaas.store.triggers import SubscriptionInfo, TriggerRepository, hash_key
from ipaas.store.types import utcnow
from ipaas.triggers.config import WebhookConfig, parse_webhook_config
from ipaas.triggers.intake import InboundEvent, Outcome
from ipaas.triggers.parsing import load_json, parse_configured, parse_notifications
from ipaas.triggers.polling import connector_source
from ipaas.triggers.secrets_box import reveal
from ipaas.triggers.writer import IntakeWriter

CACHE_SECONDS = 5.0


class PayloadTooLargeError(ValidationError):
    """The webhook body is larger than the hub accepts."""

    code = "VALD_TOO_LARGE"


@dataclass(frozen=True, slots=True)
class _Receiver:
    info: SubscriptionInfo
    config: WebhookConfig | None
    secrets: tuple[str, ...]


class _TtlCache:
    """A small dict whose entries expire; enough for hot-path lookups."""

    def __init__(self, seconds: float) -> None:
        self._seconds = seconds
        self._entries: dict[Any, tuple[float, Any]] = {}

    def get(self, key: Any) -> Any:
        entry = self._entries.get(key)
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1]

    def put(self, key: Any, value: Any, *, until: float | None = None) -> None:
        if len(self._entries) > 10_000:
            self._entries.clear()
        expiry = time.monotonic() + self._seconds
        self._entries[key] = (min(expiry, until) if until is not None else expiry, value)

    def clear(self) -> None:
        self._entries.clear()


class WebhookIntake:
    """Receives webhooks for one hub."""

    def __init__(self, hub: Hub, *, cache_seconds: float = CACHE_SECONDS) -> None:
        self.hub = hub
        self.writer = IntakeWriter(hub)
        self.max_bytes = hub.settings.max_request_bytes
        self._keys = _TtlCache(cache_seconds)
        self._tokens = _TtlCache(cache_seconds)
        self._receivers = _TtlCache(cache_seconds)

    def forget(self) -> None:
        """Drop cached lookups (after a key rotation or a configuration change)."""
        self._keys.clear()
        self._tokens.clear()
        self._receivers.clear()

    # -- lookups -------------------------------------------------------------------------

    async def subscription_for_key(self, key: str) -> int:
        """The subscription of a valid bearer key; ``AuthenticationError`` otherwise."""
        digest = hash_key(key)
        cached = self._keys.get(digest)
        if cached is None:
            found = await asyncio.to_thread(self._lookup_key, key)
            cached = found[0] if found else 0
            # A key about to expire is not cached past its expiry.
            until = None
            if found and found[1] is not None:
                until = time.monotonic() + (found[1] - utcnow()).total_seconds()
            self._keys.put(digest, cached, until=until)
        if not cached:
            raise AuthenticationError("the webhook key is not valid")
        return int(cached)

    def _lookup_key(self, key: str) -> Any:
        with self.hub.unit_of_work() as uow:
            return TriggerRepository(uow.conn).subscription_for_key(key)

    async def subscription_for_token(self, token: str) -> int:
        """The subscription of a hook path token; ``NotFoundError`` otherwise."""
        cached = self._tokens.get(token)
        if cached is None:
            found = await asyncio.to_thread(self._lookup_token, token)
            cached = found or 0
            self._tokens.put(token, cached)
        if not cached:
            raise NotFoundError("no webhook receiver at this address")
        return int(cached)

    def _lookup_token(self, token: str) -> int | None:
        with self.hub.unit_of_work() as uow:
            return TriggerRepository(uow.conn).subscription_for_token(token)

    async def receiver(self, subscription_id: int) -> _Receiver:
        """A subscription's flows, webhook config and signing secrets (cached)."""
        cached = self._receivers.get(subscription_id)
        if cached is None:
            cached = await asyncio.to_thread(self._load_receiver, subscription_id)
            self._receivers.put(subscription_id, cached)
        assert isinstance(cached, _Receiver)
        return cached

    def _load_receiver(self, subscription_id: int) -> _Receiver:
        with self.hub.unit_of_work() as uow:
            repo = TriggerRepository(uow.conn)
            info = repo.subscription_info(subscription_id)
            registrations = repo.registrations(subscription_id)
        config = None if info.webhook_config is None else parse_webhook_config(info.webhook_config)
        secrets: list[str] = []
        if config is not None and config.signature.scheme != "none":
            if config.signature.secret_from == "setting":
                value = info.settings.get(config.signature.secret_setting or "")
                if isinstance(value, str) and value:
                    secrets.append(value)
            else:
                # Every registration's secret is valid: rotation overlaps old and new.
                for registration in registrations:
                    if registration.secret and registration.state == "enabled":
                        secrets.append(reveal(self.hub, registration.secret))
        return _Receiver(info, config, tuple(dict.fromkeys(secrets)))

    # -- intake --------------------------------------------------------------------------

    async def receive_notifications(self, authorization: str | None, body: bytes) -> list[Outcome]:
        """The generic hook: ``Authorization: Bearer <key>`` and a notifications body."""
        scheme, _, key = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            raise AuthenticationError("send the subscription's webhook key as a Bearer token")
        return await self.notifications_of(await self.subscription_for_key(key.strip()), body)

    async def notifications_of(self, subscription_id: int, body: bytes) -> list[Outcome]:
        """Enqueue a generic notifications body for an authenticated subscription."""
        receiver = await self.receiver(subscription_id)
        events = parse_notifications(receiver.info, load_json(body))
        return await self.writer.submit(events)

    async def receive_configured(
        self, subscription_id: int, request: WebhookRequest, segments: list[str]
    ) -> list[Outcome]:
        """A foreign webhook at ``/hooks/{token}/{segments...}``, read by the integration's
        config (``subscription_id`` from ``subscription_for_token``)."""
        receiver = await self.receiver(subscription_id)
        config = receiver.config
        if config is None:
            return await self._connector_parsed(receiver.info, request)
        if config.signature.scheme != "none":
            verify_signature(
                config.signature.scheme,
                receiver.secrets,
                request.headers,
                request.body,
                header=config.signature.header,
                prefix=config.signature.prefix,
                tolerance=config.signature.tolerance_seconds,
            )
        events = parse_configured(config, receiver.info, request, segments, load_json(request.body))
        return await self.writer.submit(events)

    async def _connector_parsed(
        self, info: SubscriptionInfo, request: WebhookRequest
    ) -> list[Outcome]:
        """No ``webhook`` definition: the connector verifies and parses the delivery."""
        try:
            connector = connector_source(self.hub).get(info.id)
        except IpaasError:
            raise ConfigurationError("the integration declares no webhook format") from None
        connector.verify_webhook(request)
        try:
            announced = connector.parse_webhook(request)
        except IpaasError:
            raise
        except Exception as error:
            raise ValidationError(f"the webhook cannot be read: {error}", field="body") from None
        events = []
        for index, event in enumerate(announced):
            where = f"events[{index}]"
            if not info.receives(event.data_type):
                raise ValidationError(
                    f"{where}: this subscription does not send {event.data_type} to the hub",
                    field=f"{where}.scope",
                )
            events.append(
                InboundEvent(
                    subscription_id=info.id,
                    data_type=event.data_type,
                    external_id=event.external_id,
                    method=event.method,
                    scope=f"{event.data_type}/{event.method.value}",
                    payload=event.payload,
                    dedupe_key=f"id:{event.event_id}" if event.event_id else None,
                )
            )
        return await self.writer.submit(events)

    async def record_rejection(
        self,
        error: IpaasError,
        status: int,
        *,
        path: str,
        subscription_id: int | None,
        remote_addr: str | None,
        body_bytes: int,
    ) -> None:
        """Record why a webhook was refused (never its secret or body)."""
        await self.writer.reject(
            {
                "subscription_id": subscription_id,
                "at": utcnow(),
                "path": path[:300],
                "status": status,
                "code": error.code[:40],
                "reason": error.message[:1000],
                "remote_addr": remote_addr,
                "body_bytes": body_bytes,
            }
        )
