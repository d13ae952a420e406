"""Webhooks of the ``rest`` connector: registering, verifying and parsing deliveries."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from ipaas.connectors.base import WebhookEvent, WebhookRequest
from ipaas.connectors.paths import fill_structure, fill_template, get_path
from ipaas.connectors.rest.config import WebhooksConfig
from ipaas.connectors.signatures import verify_signature
from ipaas.domain import Scope
from ipaas.errors import AuthenticationError, ConfigurationError, ValidationError

if TYPE_CHECKING:
    from ipaas.connectors.rest.connector import RestConnector


def _field_of(event: Any) -> Callable[[str], Any]:
    return lambda name: get_path(event, name, "")


def scope_matches(scope: str, wanted: list[str]) -> bool:
    """Whether ``scope`` (``product/updated``) is asked for by ``wanted`` (``product/all``)."""
    data_type, _, _action = scope.partition("/")
    return scope in wanted or f"{data_type}/all" in wanted


class WebhookHandler:
    """Does the webhook part of one ``RestConnector``."""

    def __init__(
        self,
        connector: RestConnector,
        config: WebhooksConfig | None,
        registration: Mapping[str, Any],
    ) -> None:
        self._connector = connector
        self._config = config
        self.registration = dict(registration)
        for secret in self._registration_secrets(self.registration):
            connector.http.add_secret(secret)

    def _need_config(self) -> WebhooksConfig:
        if self._config is None:
            raise ConfigurationError(
                "this integration has no webhooks configured", field="webhooks"
            )
        return self._config

    async def enable(self, callback_url: str, scopes: list[str]) -> dict[str, Any]:
        """Register ``callback_url`` for the topics of ``scopes``; returns what to keep."""
        config = self._need_config()
        if config.registration is None:
            raise ConfigurationError("no webhook register call is configured", field="register")
        call = config.registration
        topics = [t for t, scope in config.topics.items() if scope_matches(scope, scopes)]
        if not topics:
            raise ValidationError(f"no webhook topic serves {', '.join(scopes)}", field="scopes")
        groups: dict[str, list[str]] = {}
        for topic in topics:
            unit = {"topic": topic, "resource": topic.rpartition("/")[0] or topic}.get(call.per)
            groups.setdefault(unit or "all", []).append(topic)
        registrations: list[dict[str, Any]] = []
        for group in groups.values():
            values = {
                "callback_url": callback_url,
                "topic": group[0],
                "resource": group[0].rpartition("/")[0] or group[0],
                "topics": group,
            }
            body = fill_structure(call.body, values.__getitem__) if call.body is not None else None
            response = await self._connector._send(
                call.method,
                self._connector._url(fill_structure(call.path, values.__getitem__)),
                params=dict(call.params) or None,
                json=body,
            )
            answer = response.json() if response.content else {}
            kept: dict[str, Any] = {"topics": group}
            if call.id_path:
                kept["id"] = get_path(answer, call.id_path)
            if call.secret_path:
                secret = get_path(answer, call.secret_path)
                if secret:
                    self._connector.http.add_secret(secret)
                    kept["secret"] = secret
            registrations.append(kept)
        result = {"callback_url": callback_url, "registrations": registrations}
        self.registration = result
        return result

    async def disable(self, registration: Mapping[str, Any]) -> None:
        """Remove every registration ``enable`` made; ones already gone are fine."""
        config = self._need_config()
        if config.unregister is None:
            raise ConfigurationError("no webhook unregister call is configured", field="unregister")
        for kept in registration.get("registrations", []):
            if kept.get("id") is None:
                continue
            await self._connector._call(config.unregister, {"id": kept["id"]}, expected=(404, 410))
        self.registration = {}

    def verify(self, request: WebhookRequest) -> None:
        """Raise ``AuthenticationError`` unless the configured scheme accepts ``request``."""
        config = self._need_config()
        signature = config.signature
        if signature.scheme == "none":
            return
        secrets = [s for s in [signature.secret] if s]
        secrets += self._registration_secrets(self.registration)
        if not secrets:
            raise AuthenticationError("no webhook signing secret is known for this subscription")
        verify_signature(
            signature.scheme,
            secrets,
            {k.lower(): v for k, v in request.headers.items()},
            request.body,
            header=signature.header,
            prefix=signature.prefix,
            tolerance=signature.tolerance_s,
        )

    def parse(self, request: WebhookRequest) -> list[WebhookEvent]:
        """The events of one delivery; topics the integration does not map are ignored."""
        config = self._need_config()
        payload = config.payload
        try:
            body = request.json()
        except ValueError:
            raise ValidationError("the webhook body is not JSON", field="body") from None
        headers = {k.lower(): v for k, v in request.headers.items()}
        events = get_path(body, payload.events_path) if payload.events_path else [body]
        if not isinstance(events, list):
            raise ValidationError(f"{payload.events_path!r} is not a list", field="events_path")
        out: list[WebhookEvent] = []
        for index, event in enumerate(events):
            topic: Any
            if payload.topic_header:
                topic = headers.get(payload.topic_header.lower())
            elif payload.topic_template:
                topic = fill_template(payload.topic_template, _field_of(event))
            else:
                topic = get_path(event, payload.topic_path)
            scope_text = config.topics.get(str(topic)) if topic is not None else None
            if scope_text is None:
                continue
            scope = Scope.parse(scope_text)
            external_id = get_path(event, payload.id_path)
            if external_id is None:
                raise ValidationError(
                    f"the webhook event has no id at {payload.id_path!r}", field="id_path"
                )
            record = get_path(event, payload.record_path) if payload.record_path else None
            event_id = None
            if payload.event_id_path:
                event_id = get_path(event, payload.event_id_path)
            elif payload.event_id_header:
                event_id = headers.get(payload.event_id_header.lower())
                # One delivery may carry several events: each needs its own id for dedupe.
                if event_id is not None and len(events) > 1:
                    event_id = f"{event_id}:{index}"
            out.append(
                WebhookEvent(
                    data_type=scope.data_type,
                    external_id=str(external_id),
                    method=scope.method,
                    payload=record if isinstance(record, dict) else None,
                    event_id=str(event_id) if event_id is not None else None,
                )
            )
        return out

    @staticmethod
    def _registration_secrets(registration: Mapping[str, Any]) -> list[str]:
        return [str(r["secret"]) for r in registration.get("registrations", []) if r.get("secret")]
