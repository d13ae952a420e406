"""Reading events out of webhook bodies: the generic hook's notifications and foreign
formats described by a ``WebhookConfig``. Pure: no database, no HTTP."""

from __future__ import annotations

import json
import re
from typing import Any

from ipaas.connectors.base import WebhookRequest
from ipaas.domain import Action, Scope, get_data_type
from ipaas.errors import ValidationError
from ipaas.store.triggers import SubscriptionInfo
from ipaas.triggers.config import ValueSource, WebhookConfig
from ipaas.triggers.intake import InboundEvent

_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
MAX_EXTERNAL_ID = 255
_MISSING = object()


def get_path(document: Any, path: str) -> Any:
    """The value at a dotted path (``data.items[0].id``), or a missing marker."""
    value = document
    for name, index in _STEP.findall(path):
        if name:
            if not isinstance(value, dict) or name not in value:
                return _MISSING
            value = value[name]
        else:
            position = int(index)
            if not isinstance(value, list) or position >= len(value):
                return _MISSING
            value = value[position]
    return value


def load_json(body: bytes) -> Any:
    """Parse a JSON body; ``ValidationError`` (field ``body``) when it is not JSON."""
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise ValidationError(f"the body is not valid JSON: {error}", field="body") from None


def _event(
    info: SubscriptionInfo,
    scope: Scope,
    external_id: Any,
    field: str,
    *,
    payload: dict[str, Any] | None = None,
    dedupe_key: str | None = None,
) -> InboundEvent:
    if isinstance(external_id, bool) or not isinstance(external_id, str | int):
        raise ValidationError(f"{field}: the external id must be a string or number", field=field)
    external = str(external_id)
    if not external or len(external) > MAX_EXTERNAL_ID:
        raise ValidationError(f"{field}: the external id must be 1-255 characters", field=field)
    if not info.receives(scope.data_type):
        raise ValidationError(
            f"{field}: this subscription does not send {scope.data_type} to the hub", field=field
        )
    # Without a payload the to_hub worker reads the record through the external API.
    return InboundEvent(
        subscription_id=info.id,
        data_type=scope.data_type,
        external_id=external,
        method=scope.method,
        scope=str(scope),
        payload=payload,
        dedupe_key=dedupe_key,
    )


def parse_notifications(info: SubscriptionInfo, document: Any) -> list[InboundEvent]:
    """The events of a generic ``{"notifications": [{"scope", "external_id"}]}`` body."""
    notifications = document.get("notifications") if isinstance(document, dict) else None
    if not isinstance(notifications, list) or not notifications:
        raise ValidationError(
            "the body needs a non-empty list 'notifications'", field="notifications"
        )
    events = []
    for index, item in enumerate(notifications):
        where = f"notifications[{index}]"
        if not isinstance(item, dict):
            raise ValidationError(f"{where} must be an object", field=where)
        scope_text = item.get("scope")
        if not isinstance(scope_text, str):
            raise ValidationError(f"{where}.scope is missing", field=f"{where}.scope")
        try:
            scope = Scope.parse(scope_text)
        except ValidationError as error:
            raise ValidationError(
                f"{where}.scope: {error.message}", field=f"{where}.scope"
            ) from None
        event_id = item.get("event_id")
        events.append(
            _event(
                info,
                scope,
                item.get("external_id"),
                f"{where}.external_id",
                dedupe_key=f"id:{event_id}" if isinstance(event_id, str | int) else None,
            )
        )
    return events


def _read(source: ValueSource, event: Any, request: WebhookRequest, segments: list[str]) -> Any:
    if source.value is not None:
        return source.value
    if source.header is not None:
        return request.headers.get(source.header, _MISSING)
    if source.query is not None:
        return request.query.get(source.query, _MISSING)
    if source.url_segment is not None:
        return segments[source.url_segment] if source.url_segment < len(segments) else _MISSING
    assert source.json_path is not None
    return get_path(event, source.json_path)


def _scope(
    config: WebhookConfig, event: Any, request: WebhookRequest, segments: list[str], where: str
) -> Scope:
    if config.scope is not None:
        raw = _read(config.scope, event, request, segments)
        if not isinstance(raw, str):
            raise ValidationError(f"{where}: the scope is missing", field=f"{where}.scope")
    else:
        assert config.data_type is not None
        assert config.action is not None
        data_type = _read(config.data_type, event, request, segments)
        action = _read(config.action, event, request, segments)
        if not isinstance(data_type, str) or not isinstance(action, str):
            raise ValidationError(
                f"{where}: the data type or action is missing", field=f"{where}.scope"
            )
        raw = f"{config.data_types.get(data_type, data_type)}/{config.actions.get(action, action)}"
    text = config.topics.get(raw, raw)
    if config.scope is not None and text == raw and "/" in raw:
        data_type, _, action = raw.partition("/")
        text = f"{config.data_types.get(data_type, data_type)}/{config.actions.get(action, action)}"
    try:
        get_data_type(text.partition("/")[0])
        return Scope.parse(text)
    except ValidationError:
        raise ValidationError(
            f"{where}: unknown scope or data type {raw!r}", field=f"{where}.scope"
        ) from None


def parse_configured(
    config: WebhookConfig,
    info: SubscriptionInfo,
    request: WebhookRequest,
    segments: list[str],
    document: Any,
) -> list[InboundEvent]:
    """The events of a foreign webhook body, read as ``config`` says."""
    if config.compiled_preprocess is not None:
        try:
            document = config.compiled_preprocess.evaluate(document)
        except Exception as error:
            raise ValidationError(f"preprocessing failed: {error}", field="body") from None
    if config.events is not None:
        items = get_path(document, config.events)
        if not isinstance(items, list):
            raise ValidationError(f"the body has no event list at {config.events!r}", field="body")
    else:
        items = document if isinstance(document, list) else [document]
    events = []
    for index, item in enumerate(items):
        where = f"events[{index}]" if config.events is not None or len(items) > 1 else "event"
        scope = _scope(config, item, request, segments, where)
        external_id = _read(config.external_id, item, request, segments)
        if external_id is _MISSING:
            raise ValidationError(
                f"{where}: the external id is missing", field=f"{where}.external_id"
            )
        payload = None
        if config.complete_record and scope.action is not Action.DELETED:
            record = item if config.record is None else get_path(item, config.record)
            if not isinstance(record, dict):
                raise ValidationError(f"{where}: the record is missing", field=f"{where}.record")
            payload = record
        event_id = None
        if config.event_id is not None:
            raw_id = _read(config.event_id, item, request, segments)
            if isinstance(raw_id, str | int) and not isinstance(raw_id, bool):
                # A batched delivery shares one id: tell its events apart by position.
                event_id = f"id:{raw_id}" if len(items) == 1 else f"id:{raw_id}#{index}"
        events.append(
            _event(
                info,
                scope,
                external_id,
                f"{where}.external_id",
                payload=payload,
                dedupe_key=event_id,
            )
        )
    if not events:
        raise ValidationError("the webhook announces no events", field="body")
    return events
