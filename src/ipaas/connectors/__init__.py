"""Connectors: the interface, the recording client, the registry and the built-ins."""

from ipaas.connectors.base import (
    CallContext,
    Capability,
    Connector,
    ExternalRecord,
    PollPage,
    SettingField,
    Throttle,
    WebhookEvent,
    WebhookRequest,
    WriteResult,
    call_context,
)
from ipaas.connectors.definition import (
    IntegrationDefinition,
    build_connector,
    load_integration_definition,
)
from ipaas.connectors.http import RecordingHttpClient
from ipaas.connectors.recorder import ApiCallRecorder, ApiCallSink, ListRecorder
from ipaas.connectors.registry import ConnectorRegistry, default_registry

__all__ = [
    "ApiCallRecorder",
    "ApiCallSink",
    "CallContext",
    "Capability",
    "Connector",
    "ConnectorRegistry",
    "ExternalRecord",
    "IntegrationDefinition",
    "ListRecorder",
    "PollPage",
    "RecordingHttpClient",
    "SettingField",
    "Throttle",
    "WebhookEvent",
    "WebhookRequest",
    "WriteResult",
    "build_connector",
    "call_context",
    "default_registry",
    "load_integration_definition",
]
