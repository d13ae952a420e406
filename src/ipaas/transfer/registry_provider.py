"""``RegistryConnectorProvider``: the hub's real ``ConnectorProvider``.

Each subscription's connector is built from its integration's definition (the connector
named there, found in the connector registry), the subscription's settings with its
secrets decrypted by the hub's secret box, the shared ``ApiCallRecorder`` and its stored
webhook registrations (signing secrets decrypted). Connectors are cached per subscription
and rebuilt when the subscription, its integration or its registrations change; the check
costs one small query at most every ``recheck_seconds`` per subscription.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

from ipaas.bootstrap import Hub
from ipaas.connectors.base import Connector
from ipaas.connectors.definition import IntegrationDefinition, build_connector
from ipaas.connectors.recorder import ApiCallRecorder, ApiCallSink
from ipaas.connectors.registry import ConnectorRegistry, default_registry
from ipaas.errors import ConfigurationError
from ipaas.security.secret_box import secret_box_for
from ipaas.services.oauth import bind_oauth_tokens
from ipaas.store.definitions import ConnectorSource, DefinitionStore
from ipaas.triggers.secrets_box import reveal

log = logging.getLogger(__name__)

_DEFINITION_FIELDS = frozenset(IntegrationDefinition.model_fields)


@dataclass(slots=True)
class _Cached:
    connector: Connector
    fingerprint: str
    checked_at: float


def definition_of(document: dict[str, Any], registry: ConnectorRegistry) -> IntegrationDefinition:
    """The ``IntegrationDefinition`` of a stored integration document.

    Keys other areas keep beside the definition (``oauth``, ``webhook``) are not part of
    the connector's definition and are left out.
    """
    known = {k: v for k, v in document.items() if k in _DEFINITION_FIELDS}
    return IntegrationDefinition.from_dict(known, registry=registry)


def registration_of(hub: Hub, rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Every enabled scope's registration merged into the one a connector expects, with the
    signing secret of each scope put back beside its registrations."""
    if not rows:
        return None
    merged: dict[str, Any] = {"callback_url": rows[-1]["callback_url"], "registrations": []}
    for row in rows:
        registration = dict(row["registration"] or {})
        secret = reveal(hub, row["secret"]) if row["secret"] else None
        for entry in registration.get("registrations", []):
            kept = dict(entry)
            if secret is not None:
                kept.setdefault("secret", secret)
            merged["registrations"].append(kept)
    return merged


class RegistryConnectorProvider:
    """Builds, caches and closes the connectors of a hub's subscriptions."""

    def __init__(
        self,
        hub: Hub,
        *,
        registry: ConnectorRegistry | None = None,
        recorder: ApiCallSink | None = None,
        recheck_seconds: float = 2.0,
    ) -> None:
        self.hub = hub
        self.registry = registry or default_registry()
        self._own_recorder = recorder is None
        self.recorder: ApiCallSink = recorder or ApiCallRecorder(hub.engine).start()
        self.recheck_seconds = recheck_seconds
        self._cache: dict[int, _Cached] = {}
        self._retired: list[Connector] = []
        self._lock = threading.Lock()

    def get(self, subscription_id: int) -> Connector:
        """The subscription's connector; ``ConfigurationError`` if it cannot be built."""
        now = time.monotonic()
        cached = self._cache.get(subscription_id)
        if cached is not None and now - cached.checked_at < self.recheck_seconds:
            return cached.connector
        with self._lock:
            with self.hub.unit_of_work() as uow:
                store = DefinitionStore(uow.conn)
                fingerprint = store.fingerprint(subscription_id)
                if fingerprint is None:
                    raise ConfigurationError(
                        f"subscription {subscription_id} not found", field="subscription_id"
                    )
                cached = self._cache.get(subscription_id)
                if cached is not None and cached.fingerprint == fingerprint:
                    cached.checked_at = now
                    return cached.connector
                source = store.connector_source(subscription_id)
            assert source is not None
            connector = self._build(source)
            if cached is not None:
                # Calls in flight may still hold the old one: close it with the rest.
                self._retired.append(cached.connector)
            self._cache[subscription_id] = _Cached(connector, fingerprint, now)
            return connector

    def _build(self, source: ConnectorSource) -> Connector:
        definition = definition_of(source.integration, self.registry)
        settings = dict(source.settings)
        if source.secrets:
            settings.update(secret_box_for(self.hub).decrypt(source.secrets))
        registration = registration_of(self.hub, source.registrations)
        connector = build_connector(
            definition,
            settings,
            recorder=self.recorder,
            subscription_id=source.subscription_id,
            registry=self.registry,
            webhook_registration=registration,
        )
        # oauth2_authorization_code auth reads the subscription's stored, refreshed tokens.
        bind_oauth_tokens(self.hub, connector, source.subscription_id)
        return connector

    def forget(self, subscription_id: int | None = None) -> None:
        """Rebuild on next use (one subscription, or all)."""
        with self._lock:
            ids = list(self._cache) if subscription_id is None else [subscription_id]
            for sub_id in ids:
                cached = self._cache.pop(sub_id, None)
                if cached is not None:
                    self._retired.append(cached.connector)

    async def close(self) -> None:
        """Close every connector handed out, and the recorder if it is ours."""
        with self._lock:
            connectors = [c.connector for c in self._cache.values()] + self._retired
            self._cache.clear()
            self._retired = []
        results = await asyncio.gather(*(c.close() for c in connectors), return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                log.warning("closing a connector failed: %s", type(result).__name__)
        if self._own_recorder and isinstance(self.recorder, ApiCallRecorder):
            await asyncio.to_thread(self.recorder.close)


def hub_connector_provider(hub: Hub) -> RegistryConnectorProvider:
    """The provider ``ipaas serve`` and ``ipaas worker`` use (also a ``--provider`` factory)."""
    return RegistryConnectorProvider(hub)
