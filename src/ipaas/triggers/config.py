"""How to read a foreign webhook: the ``webhook`` key of an integration's definition.

Example (a Shopify-like shop)::

    {"scope": {"header": "x-shopify-topic"},
     "external_id": {"json": "id"},
     "event_id": {"header": "x-shopify-webhook-id"},
     "topics": {"products/create": "product/created", "products/update": "product/updated"},
     "complete_record": false,
     "signature": {"scheme": "hmac_sha256_base64", "header": "x-shopify-hmac-sha256"}}

and a batched ERP notification ``{"value": [{"resource": "items", "changeType": "created",
"key": "7"}]}``::

    {"events": "value",
     "data_type": {"json": "resource"}, "action": {"json": "changeType"},
     "external_id": {"json": "key"},
     "data_types": {"items": "product"},
     "signature": {"scheme": "standard_webhooks"}}
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ipaas.domain import Action, Scope, get_data_type
from ipaas.domain.validation import validate_as
from ipaas.errors import ValidationError as IpaasValidationError

_PATH = re.compile(r"^[^.\[\]]+(\[\d+\])*(\.[^.\[\]]+(\[\d+\])*)*$")


class ValueSource(BaseModel):
    """Where one value comes from: exactly one of a header, a JSON path (in the event),
    a URL segment after the token (0 = the first), a query parameter or a fixed value."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    header: str | None = None
    json_path: str | None = Field(default=None, alias="json")
    url_segment: int | None = Field(default=None, ge=0)
    query: str | None = None
    value: str | None = None

    @field_validator("header")
    @classmethod
    def _lower_header(cls, value: str | None) -> str | None:
        return value.lower() if value else value

    @field_validator("json_path")
    @classmethod
    def _check_path(cls, value: str | None) -> str | None:
        if value is not None:
            value = value.removeprefix("$.")
            if not _PATH.match(value):
                raise ValueError(f"{value!r} is not a path like 'data.items[0].id'")
        return value

    @model_validator(mode="after")
    def _exactly_one(self) -> ValueSource:
        given = [
            name
            for name in ("header", "json_path", "url_segment", "query", "value")
            if getattr(self, name) is not None
        ]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of header, json, url_segment, query, value"
                f" (got {', '.join(given) or 'none'})"
            )
        return self


class SignatureConfig(BaseModel):
    """How deliveries are signed and where the secret comes from."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    scheme: Literal["none", "hmac_sha256_hex", "hmac_sha256_base64", "standard_webhooks"] = "none"
    #: The header carrying the signature (HMAC schemes).
    header: str | None = None
    #: The text before the hex digest, e.g. ``sha256=``.
    prefix: str = "sha256="
    #: ``registration``: the secret stored when webhooks were enabled;
    #: ``setting``: the subscription setting named ``secret_setting``.
    secret_from: Literal["registration", "setting"] = "registration"
    secret_setting: str | None = None
    tolerance_seconds: int = Field(default=300, gt=0)

    @field_validator("header")
    @classmethod
    def _lower_header(cls, value: str | None) -> str | None:
        return value.lower() if value else value

    @model_validator(mode="after")
    def _complete(self) -> SignatureConfig:
        if self.scheme in ("hmac_sha256_hex", "hmac_sha256_base64") and not self.header:
            raise ValueError(f"scheme {self.scheme} needs the signature header")
        if self.secret_from == "setting" and not self.secret_setting:
            raise ValueError("secret_from 'setting' needs secret_setting")
        return self


class WebhookConfig(BaseModel):
    """How the hub reads one integration's webhooks (see the module docstring)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: JSON path to the list of events in a batched body; None: the body is one event.
    events: str | None = None
    #: A JSONata expression applied to the body before anything else.
    preprocess: str | None = None
    #: The whole scope (``product/created`` or a topic in ``topics``)...
    scope: ValueSource | None = None
    #: ...or data type and action separately.
    data_type: ValueSource | None = None
    action: ValueSource | None = None
    external_id: ValueSource
    #: The sender's delivery id, for recognising repeated deliveries.
    event_id: ValueSource | None = None
    #: Foreign topic -> scope, e.g. ``products/update`` -> ``product/updated``.
    topics: dict[str, str] = Field(default_factory=dict)
    #: Foreign type -> data type, e.g. ``items`` -> ``product``.
    data_types: dict[str, str] = Field(default_factory=dict)
    #: Foreign action -> action, e.g. ``update`` -> ``updated``.
    actions: dict[str, str] = Field(default_factory=dict)
    #: Whether the event carries the complete record (else it is read through the API).
    complete_record: bool = False
    #: Path of the record inside the event when complete; None: the event itself.
    record: str | None = None
    signature: SignatureConfig = Field(default_factory=SignatureConfig)

    @field_validator("events", "record")
    @classmethod
    def _check_path(cls, value: str | None) -> str | None:
        if value is not None:
            value = value.removeprefix("$.")
            if not _PATH.match(value):
                raise ValueError(f"{value!r} is not a path like 'data.items'")
        return value

    @field_validator("preprocess")
    @classmethod
    def _check_jsonata(cls, value: str | None) -> str | None:
        if value is not None:
            import jsonata

            try:
                jsonata.Jsonata(value)
            except Exception as error:
                raise ValueError(f"not a valid JSONata expression: {error}") from None
        return value

    @field_validator("topics")
    @classmethod
    def _check_topics(cls, value: dict[str, str]) -> dict[str, str]:
        for topic, scope in value.items():
            try:
                Scope.parse(scope)
            except IpaasValidationError as error:
                raise ValueError(f"topic {topic!r}: {error.message}") from None
        return value

    @field_validator("data_types")
    @classmethod
    def _check_data_types(cls, value: dict[str, str]) -> dict[str, str]:
        for name, data_type in value.items():
            try:
                get_data_type(data_type)
            except IpaasValidationError as error:
                raise ValueError(f"{name!r}: {error.message}") from None
        return value

    @field_validator("actions")
    @classmethod
    def _check_actions(cls, value: dict[str, str]) -> dict[str, str]:
        choices = {a.value for a in Action}
        for name, action in value.items():
            if action not in choices:
                raise ValueError(f"{name!r}: unknown action {action!r}")
        return value

    @model_validator(mode="after")
    def _scope_given(self) -> WebhookConfig:
        if self.scope is None and (self.data_type is None or self.action is None):
            raise ValueError("give scope, or both data_type and action")
        if self.scope is not None and (self.data_type is not None or self.action is not None):
            raise ValueError("give scope or data_type and action, not both")
        return self

    @cached_property
    def compiled_preprocess(self) -> Any:
        """The compiled JSONata expression (None when there is none)."""
        if self.preprocess is None:
            return None
        import jsonata

        return jsonata.Jsonata(self.preprocess)


def parse_webhook_config(data: Any) -> WebhookConfig:
    """Validate a ``webhook`` definition; raises ``ValidationError`` naming the field."""
    return validate_as(WebhookConfig, data, "webhook")
