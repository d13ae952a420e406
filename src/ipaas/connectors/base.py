"""The connector interface: what an integrator implements to connect an external system.

A connector is declared, not scripted: class attributes say what it supports and which
settings it needs; small async methods do the work. Every HTTP call goes through the
recording client it is given, so the hub can show each call it made.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Literal

from pydantic import BaseModel

from ipaas.domain import Direction, Method

SettingType = Literal[
    "string", "number", "boolean", "guid", "enum", "date", "datetime", "encrypted", "password"
]


@dataclass(frozen=True, slots=True)
class SettingField:
    """One preset field a connector needs; ``encrypted`` and ``password`` are secret."""

    name: str
    type: SettingType = "string"
    required: bool = False
    default: Any = None
    choices: tuple[str, ...] = ()
    description: str = ""
    sort_order: int = 0

    @property
    def secret(self) -> bool:
        return self.type in ("encrypted", "password")


@dataclass(frozen=True, slots=True)
class Capability:
    """A data type a connector handles, and in which directions."""

    data_type: str
    directions: frozenset[Direction] = frozenset({Direction.TO_HUB, Direction.FROM_HUB})


@dataclass(frozen=True, slots=True)
class Throttle:
    """A rate (calls per ``period``) and a concurrency limit; None means unlimited."""

    rate: float | None = None
    period: Literal["second", "minute"] = "second"
    concurrency: int | None = None


@dataclass(frozen=True, slots=True)
class ExternalRecord:
    """A record as the external system returns it."""

    external_id: str
    body: dict[str, Any]
    updated_at: datetime | None = None
    deleted: bool = False


@dataclass(frozen=True, slots=True)
class PollPage:
    """One page of changed records, and the watermark to resume after it."""

    records: list[ExternalRecord]
    watermark: str | None


@dataclass(frozen=True, slots=True)
class WriteResult:
    """What a create or update returned: the record's id and any extra ids (e.g. lines)."""

    external_id: str
    body: dict[str, Any] | None = None
    extra_ids: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class WebhookRequest:
    """An incoming webhook as received: headers are lower-cased, ``body`` is raw."""

    method: str
    path: str
    headers: Mapping[str, str]
    query: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body)


@dataclass(frozen=True, slots=True)
class WebhookEvent:
    """One change a webhook announces; ``payload`` is set when it carries the full record."""

    data_type: str
    external_id: str
    method: Method
    payload: dict[str, Any] | None = None
    event_id: str | None = None


@dataclass(frozen=True, slots=True)
class CallContext:
    """Who a call is made for; the recording client writes it onto every api-call row."""

    subscription_id: int | None = None
    queue_item_id: int | None = None
    tracking_id: str | None = None
    data_type: str | None = None
    record_key: str | None = None
    debug: bool = False


#: Set by the transfer engine around each piece of work; read by the recording client.
# CallContext is frozen, so sharing one default instance is safe.
call_context: ContextVar[CallContext] = ContextVar(
    "ipaas_call_context",
    default=CallContext(),  # noqa: B039
)


class Connector(ABC):
    """Base of every connector. Subclasses set the class attributes and the methods.

    ``settings`` holds the subscription's preset values, secrets decrypted; ``http`` is
    the recording client to make every outbound call with.
    """

    name: ClassVar[str]
    title: ClassVar[str] = ""
    settings_fields: ClassVar[tuple[SettingField, ...]] = ()
    capabilities: ClassVar[tuple[Capability, ...]] = ()
    default_throttle: ClassVar[Throttle] = Throttle()
    #: Mapping collections (as dicts in the YAML form of ``ipaas.mapping``) to start from.
    default_mappings: ClassVar[tuple[dict[str, Any], ...]] = ()
    #: Whether ``create`` honours an idempotency key (safe to repeat after a crash).
    idempotent_create: ClassVar[bool] = False
    #: A pydantic model of the ``config`` section of integration definitions using this
    #: connector; when set, the connector's ``__init__`` takes ``config=`` (see
    #: ``ipaas.connectors.definition.build_connector``).
    config_model: ClassVar[type[BaseModel] | None] = None

    def __init__(self, settings: Mapping[str, Any], http: Any) -> None:
        self.settings = dict(settings)
        self.http = http

    @abstractmethod
    async def read(self, data_type: str, external_id: str) -> ExternalRecord:
        """Fetch one record; ``NotFoundError`` when it does not exist."""

    @abstractmethod
    async def create(
        self, data_type: str, record: dict[str, Any], *, idempotency_key: str | None = None
    ) -> WriteResult:
        """Create a record and return its new external id."""

    @abstractmethod
    async def update(self, data_type: str, external_id: str, record: dict[str, Any]) -> WriteResult:
        """Update a record (only the fields given)."""

    @abstractmethod
    async def delete(self, data_type: str, external_id: str) -> None:
        """Delete a record; deleting one that is gone is not an error."""

    async def find(self, data_type: str, match: dict[str, Any]) -> ExternalRecord | None:
        """Find an existing record by its match-key fields (for collision handling)."""
        return None

    def poll(self, data_type: str, since: str | None) -> AsyncIterator[PollPage]:
        """Stream pages of records changed after watermark ``since`` (None: from the start)."""
        raise NotImplementedError(f"{self.name} does not support polling")

    async def enable_webhooks(self, callback_url: str, scopes: list[str]) -> dict[str, Any]:
        """Register ``callback_url`` in the external system; returns what to keep."""
        raise NotImplementedError(f"{self.name} cannot register webhooks")

    async def disable_webhooks(self, registration: dict[str, Any]) -> None:
        """Remove a registration made by ``enable_webhooks``."""
        raise NotImplementedError(f"{self.name} cannot register webhooks")

    def verify_webhook(self, request: WebhookRequest) -> None:
        """Raise ``AuthenticationError`` unless the request is genuine."""
        return None

    def parse_webhook(self, request: WebhookRequest) -> list[WebhookEvent]:
        """The changes a webhook announces."""
        raise NotImplementedError(f"{self.name} does not receive webhooks")

    async def test_connection(self) -> None:
        """Raise a typed error unless the system can be reached with these settings."""
        return None

    async def close(self) -> None:
        """Release connections."""
        return None

    @classmethod
    def supports(cls, data_type: str, direction: Direction) -> bool:
        """Whether this connector handles ``data_type`` in ``direction``."""
        return any(c.data_type == data_type and direction in c.directions for c in cls.capabilities)

    @classmethod
    def secret_fields(cls) -> frozenset[str]:
        """Names of the settings that are secret."""
        return frozenset(f.name for f in cls.settings_fields if f.secret)
