"""The configuration of the declarative ``rest`` connector, as the integration YAML holds it.

Strings may name settings as ``${setting}`` (resolved when a subscription's connector is
built); paths and bodies name record fields as ``{field}`` (``{id}`` is the external id).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ipaas.connectors import auth as auth_strategies
from ipaas.connectors import pagination as pagers
from ipaas.connectors.signatures import SignatureScheme


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- authentication ------------------------------------------------------------------------


class NoAuthConfig(_Model):
    type: Literal["none"] = "none"

    def build(self) -> auth_strategies.AuthStrategy:
        return auth_strategies.NoAuth()


class ApiKeyConfig(_Model):
    """An API key in a header or the query string."""

    type: Literal["api_key"]
    name: str = Field(description="header or query parameter name, e.g. X-Shop-Token")
    value: str = Field(description="usually ${api_token}")
    location: Literal["header", "query"] = "header"
    prefix: str = ""

    def build(self) -> auth_strategies.AuthStrategy:
        return auth_strategies.ApiKeyAuth(
            self.name, self.value, location=self.location, prefix=self.prefix
        )


class BasicConfig(_Model):
    type: Literal["basic"]
    username: str
    password: str

    def build(self) -> auth_strategies.AuthStrategy:
        return auth_strategies.BasicAuth(self.username, self.password)


class BearerConfig(_Model):
    type: Literal["bearer"]
    token: str

    def build(self) -> auth_strategies.AuthStrategy:
        return auth_strategies.BearerAuth(self.token)


class OAuth2ClientCredentialsConfig(_Model):
    type: Literal["oauth2_client_credentials"]
    token_url: str = Field(description="absolute, or a path below base_url")
    client_id: str
    client_secret: str
    scope: str | None = None
    audience: str | None = None
    client_auth: Literal["body", "basic"] = "body"

    def build(self) -> auth_strategies.AuthStrategy:
        return auth_strategies.OAuth2ClientCredentials(
            self.token_url,
            self.client_id,
            self.client_secret,
            scope=self.scope,
            audience=self.audience,
            client_auth=self.client_auth,
        )


class OAuth2AuthorizationCodeConfig(_Model):
    """The access token the subscription got through the hub's OAuth2 authorize flow (the
    integration's ``oauth`` block); the hub stores and refreshes it."""

    type: Literal["oauth2_authorization_code"]

    def build(self) -> auth_strategies.AuthStrategy:
        return auth_strategies.OAuth2AuthorizationCode()


AuthConfig = Annotated[
    NoAuthConfig
    | ApiKeyConfig
    | BasicConfig
    | BearerConfig
    | OAuth2ClientCredentialsConfig
    | OAuth2AuthorizationCodeConfig,
    Field(discriminator="type"),
]


# -- pagination ----------------------------------------------------------------------------


class NoPagination(_Model):
    type: Literal["none"] = "none"

    def build(self) -> pagers.Paginator:
        return pagers.SinglePage()


class PagePagination(_Model):
    type: Literal["page"]
    page_param: str = "page"
    size_param: str | None = "per_page"
    page_size: int = Field(50, ge=1, le=10_000)
    start: int = 1

    def build(self) -> pagers.Paginator:
        return pagers.PageNumberPaginator(
            self.page_param, self.size_param, page_size=self.page_size, start=self.start
        )


class OffsetPagination(_Model):
    type: Literal["offset"]
    offset_param: str = "offset"
    limit_param: str = "limit"
    page_size: int = Field(50, ge=1, le=10_000)

    def build(self) -> pagers.Paginator:
        return pagers.OffsetPaginator(self.offset_param, self.limit_param, page_size=self.page_size)


class CursorPagination(_Model):
    type: Literal["cursor"]
    cursor_path: str = "next_cursor"
    cursor_param: str = "cursor"
    limit_param: str | None = "limit"
    page_size: int = Field(50, ge=1, le=10_000)

    def build(self) -> pagers.Paginator:
        return pagers.CursorPaginator(
            self.cursor_path,
            self.cursor_param,
            limit_param=self.limit_param,
            page_size=self.page_size,
        )


class LinkHeaderPagination(_Model):
    type: Literal["link_header"]
    limit_param: str | None = "limit"
    page_size: int = Field(50, ge=1, le=10_000)

    def build(self) -> pagers.Paginator:
        return pagers.LinkHeaderPaginator(limit_param=self.limit_param, page_size=self.page_size)


class NextLinkPagination(_Model):
    type: Literal["next_link"]
    next_path: str = "@odata.nextLink"
    limit_param: str | None = None
    page_size: int = Field(50, ge=1, le=10_000)

    def build(self) -> pagers.Paginator:
        return pagers.NextLinkPaginator(
            self.next_path, limit_param=self.limit_param, page_size=self.page_size
        )


PaginationConfig = Annotated[
    NoPagination
    | PagePagination
    | OffsetPagination
    | CursorPagination
    | LinkHeaderPagination
    | NextLinkPagination,
    Field(discriminator="type"),
]


# -- endpoints and data types --------------------------------------------------------------


class Endpoint(_Model):
    """One call: method, path template, query parameters, where the record is."""

    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"] = "GET"
    path: str = Field(description="below base_url, with {id} or {field} placeholders")
    params: dict[str, Any] = Field(default_factory=dict)
    record_path: str | None = Field(
        None, description="where the record (or list) is in the response, e.g. product"
    )
    body_wrap: str | None = Field(
        None, description="send the record as {body_wrap: record}, e.g. product"
    )


class PollingConfig(_Model):
    """Asking for records changed since the watermark."""

    updated_since_param: str | None = Field(
        None, description="query parameter taking the watermark time, e.g. updated_at_min"
    )
    since_format: Literal["iso", "iso_z", "epoch", "epoch_ms"] = "iso"
    #: Whether the API returns records updated exactly at the parameter's time.
    since_inclusive: bool = True
    #: Whether the list is sorted by updated time ascending (allows a watermark per page).
    sorted_by_updated: bool = False
    params: dict[str, Any] = Field(default_factory=dict)


class DataTypeConfig(_Model):
    """How one data type maps onto the API."""

    id_field: str = "id"
    updated_field: str | None = Field(None, description="e.g. updated_at")
    deleted_field: str | None = None
    read: Endpoint | None = None
    list: Endpoint | None = None
    create: Endpoint | None = None
    update: Endpoint | None = None
    delete: Endpoint | None = None
    find: Endpoint | None = Field(
        None, description="list endpoint whose params hold {match_field} placeholders"
    )
    pagination: PaginationConfig = Field(default_factory=NoPagination)
    polling: PollingConfig = Field(default_factory=PollingConfig)


# -- webhooks ------------------------------------------------------------------------------


class RegistrationCall(Endpoint):
    """A registration request; ``body`` may use {callback_url}, {topic}, {topics}."""

    body: Any = None
    per: Literal["topic", "resource", "all"] = Field(
        "topic",
        description="one registration per topic, per resource (the topic's part before "
        "the last '/') or one for all; the body may use {topic}, {resource}, {topics}",
    )
    id_path: str | None = Field(None, description="where the new registration's id is")
    secret_path: str | None = Field(None, description="where its signing secret is, if any")


class SignatureConfig(_Model):
    scheme: SignatureScheme = "none"
    header: str | None = Field(None, description="signature header for the HMAC schemes")
    prefix: str = "sha256="
    secret: str | None = Field(
        None, description="e.g. ${webhook_secret}; secrets from registrations count too"
    )
    tolerance_s: int = 300

    @model_validator(mode="after")
    def _header_needed(self) -> SignatureConfig:
        if self.scheme in ("hmac_sha256_hex", "hmac_sha256_base64") and not self.header:
            raise ValueError(f"header is required for the {self.scheme} scheme")
        return self


class WebhookPayloadConfig(_Model):
    """Where the events of a delivery are, and what each says."""

    events_path: str | None = Field(None, description="path to a list of events; None: one")
    topic_header: str | None = Field(None, description="e.g. X-Shop-Topic")
    topic_path: str | None = Field(None, description="e.g. type (in each event)")
    topic_template: str | None = Field(
        None, description="topic built from event fields, e.g. {resource}/{changeType}"
    )
    id_path: str = "id"
    event_id_header: str | None = None
    event_id_path: str | None = None
    record_path: str | None = Field(
        None, description="where the full record is in each event ($: the event itself)"
    )


class WebhooksConfig(_Model):
    #: External topic -> scope, e.g. ``products/update: product/updated``.
    topics: dict[str, str] = Field(default_factory=dict)
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    registration: RegistrationCall | None = Field(None, alias="register")
    unregister: Endpoint | None = Field(None, description="path with {id} of the registration")
    payload: WebhookPayloadConfig = Field(default_factory=WebhookPayloadConfig)
    signature: SignatureConfig = Field(default_factory=SignatureConfig)

    @model_validator(mode="after")
    def _scopes(self) -> WebhooksConfig:
        for topic, scope in self.topics.items():
            if "/" not in scope:
                raise ValueError(f"topic {topic!r} must map to a scope like product/updated")
        return self


class RestConfig(_Model):
    """Everything the ``rest`` connector needs to talk to one kind of API."""

    base_url: str = Field(description="e.g. ${shop_url}/api")
    auth: AuthConfig = Field(default_factory=NoAuthConfig)
    headers: dict[str, str] = Field(default_factory=dict)
    timeout_s: float = Field(30.0, gt=0, le=600)
    idempotency_header: str | None = Field(None, description="e.g. Idempotency-Key")
    data_types: dict[str, DataTypeConfig] = Field(min_length=1)
    webhooks: WebhooksConfig | None = None
    test_path: str | None = Field(None, description="a cheap GET to test the connection")
