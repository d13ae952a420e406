"""The OAuth2 authorization-code flow of a subscription.

1. ``authorization_url``: a one-time ``state`` is stored (hashed) and the user is sent to
   the integration's ``oauth.authorize_url`` with ``client_id``, ``redirect_uri``, ``scope``.
2. ``complete_authorization``: the callback brings ``code`` and ``state``; the code is
   exchanged at ``oauth.token_url`` and the token set is stored encrypted.
3. ``refresh_tokens`` / ``access_token``: the refresh grant, before the access token expires.

The integration declares ``oauth`` in its definition; ``${name}`` in its values is replaced
by the subscription's settings, so the client id and secret live in the (encrypted) settings.
"""

from __future__ import annotations

import asyncio
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
from pydantic import BaseModel, ConfigDict, Field

from ipaas.connectors.auth import TokenSource, bind_token_source
from ipaas.connectors.http import refuse_metadata_url
from ipaas.domain.accounts import TenantScope
from ipaas.domain.validation import validate_as
from ipaas.errors import AuthenticationError, ConfigurationError
from ipaas.security.secret_box import SecretBox, secret_box_for
from ipaas.store.catalog import CatalogRepository
from ipaas.store.oauth import OAuthRepository
from ipaas.store.presets import subscription_settings
from ipaas.store.types import utcnow
from ipaas.store.unit_of_work import UnitOfWork

STATE_TTL = timedelta(minutes=15)
#: Refresh when the access token has less than this left.
REFRESH_MARGIN = timedelta(seconds=60)
_PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class OAuthConfig(BaseModel):
    """The ``oauth`` block of an integration definition."""

    model_config = ConfigDict(extra="forbid")

    authorize_url: str = Field(min_length=1, max_length=2000)
    token_url: str = Field(min_length=1, max_length=2000)
    client_id: str = Field(min_length=1, max_length=500)
    client_secret: str | None = Field(None, max_length=500)
    scopes: list[str] = Field(default_factory=list, max_length=50)

    @classmethod
    def check(cls, data: Any) -> OAuthConfig:
        return validate_as(cls, data, "oauth")


class OAuthError(AuthenticationError):
    """The authorization server refused (a wrong code, an expired state or refresh token)."""

    code = "AUTH_OAUTH"


@dataclass(frozen=True, slots=True)
class TokenStatus:
    authorized: bool
    expires_at: datetime | None
    updated_at: datetime | None


def _resolve(text: str, settings: dict[str, Any]) -> str:
    def sub(m: re.Match[str]) -> str:
        value = settings.get(m.group(1))
        if value in (None, ""):
            raise ConfigurationError(f"fill the setting {m.group(1)} first", field=m.group(1))
        return str(value)

    return _PLACEHOLDER.sub(sub, text)


def _config(
    uow: UnitOfWork, box: SecretBox, subscription_id: int
) -> tuple[OAuthConfig, dict[str, Any]]:
    sub = CatalogRepository(uow.conn).subscription(
        _any_scope(uow, subscription_id), subscription_id
    )
    integration = CatalogRepository(uow.conn).integration(
        TenantScope.single(sub.company_id), sub.integration_id
    )
    raw = integration.definition.get("oauth")
    if not raw:
        raise ConfigurationError("this integration does not use OAuth2 authorization")
    config = OAuthConfig.check(raw)
    settings = subscription_settings(uow, box, subscription_id)
    return config, settings


def _any_scope(uow: UnitOfWork, subscription_id: int) -> TenantScope:
    return TenantScope.single(uow.tenants.subscription_company(subscription_id))


def authorization_url(
    uow: UnitOfWork, box: SecretBox, scope: TenantScope, subscription_id: int, redirect_uri: str
) -> str:
    """The URL to send the user to; remembers a one-time state for the callback."""
    CatalogRepository(uow.conn).subscription(scope, subscription_id)
    config, settings = _config(uow, box, subscription_id)
    state = secrets.token_urlsafe(32)
    OAuthRepository(uow.conn).add_state(subscription_id, state, redirect_uri, utcnow() + STATE_TTL)
    query = {
        "response_type": "code",
        "client_id": _resolve(config.client_id, settings),
        "redirect_uri": redirect_uri,
        "state": state,
    }
    if config.scopes:
        query["scope"] = " ".join(config.scopes)
    url = _resolve(config.authorize_url, settings)
    return f"{url}{'&' if '?' in url else '?'}{urlencode(query)}"


def _token_request(
    config: OAuthConfig, settings: dict[str, Any], form: dict[str, str], transport: Any
) -> dict[str, Any]:
    form = {**form, "client_id": _resolve(config.client_id, settings)}
    if config.client_secret:
        form["client_secret"] = _resolve(config.client_secret, settings)
    token_url = _resolve(config.token_url, settings)
    # The URL comes from the definition and the subscription's settings: never let it
    # reach a cloud metadata service (the recording client refuses those for connectors).
    refuse_metadata_url(token_url)
    try:
        with httpx.Client(transport=transport, timeout=15.0) as client:
            answer = client.post(token_url, data=form)
    except httpx.HTTPError as exc:
        raise OAuthError(
            f"the token endpoint could not be reached ({type(exc).__name__})"
        ) from None
    if answer.status_code >= 400:
        raise OAuthError(f"the token endpoint refused with status {answer.status_code}")
    try:
        data = answer.json()
    except ValueError:
        raise OAuthError("the token endpoint answered without JSON") from None
    if not isinstance(data, dict) or not data.get("access_token"):
        raise OAuthError("the token endpoint answered without an access_token")
    return data


def _store(
    uow: UnitOfWork, box: SecretBox, subscription_id: int, data: dict[str, Any], old: dict[str, Any]
) -> TokenStatus:
    tokens = {k: data[k] for k in ("access_token", "refresh_token", "token_type") if data.get(k)}
    if "refresh_token" not in tokens and old.get("refresh_token"):
        tokens["refresh_token"] = old["refresh_token"]
    expires_in = data.get("expires_in")
    expires_at = (
        utcnow() + timedelta(seconds=float(expires_in))
        if isinstance(expires_in, int | float) and not isinstance(expires_in, bool)
        else None
    )
    blob = box.encrypt(tokens)
    assert blob is not None
    OAuthRepository(uow.conn).save_tokens(subscription_id, blob, expires_at)
    return TokenStatus(True, expires_at, utcnow())


def complete_authorization(
    uow: UnitOfWork, box: SecretBox, state: str, code: str, *, transport: Any = None
) -> tuple[int, TokenStatus]:
    """Exchange ``code`` for tokens; returns the subscription id and the token status."""
    pending = OAuthRepository(uow.conn).take_state(state)
    if pending is None:
        raise OAuthError("this authorization expired or was already used; start again")
    config, settings = _config(uow, box, pending.subscription_id)
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": pending.redirect_uri}
    data = _token_request(config, settings, form, transport)
    return pending.subscription_id, _store(uow, box, pending.subscription_id, data, {})


def refresh_tokens(
    uow: UnitOfWork, box: SecretBox, subscription_id: int, *, transport: Any = None
) -> TokenStatus:
    """Use the refresh token to get a new access token."""
    stored = OAuthRepository(uow.conn).tokens(subscription_id)
    old = box.decrypt(stored.blob) if stored else {}
    if not old.get("refresh_token"):
        raise OAuthError("no refresh token stored: authorize the subscription first")
    config, settings = _config(uow, box, subscription_id)
    form = {"grant_type": "refresh_token", "refresh_token": str(old["refresh_token"])}
    data = _token_request(config, settings, form, transport)
    return _store(uow, box, subscription_id, data, old)


def token_status(uow: UnitOfWork, subscription_id: int) -> TokenStatus:
    """Whether tokens are stored and when the access token expires (never the tokens)."""
    stored = OAuthRepository(uow.conn).tokens(subscription_id)
    if stored is None:
        return TokenStatus(False, None, None)
    return TokenStatus(True, stored.expires_at, stored.updated_at)


def access_token(
    uow: UnitOfWork, box: SecretBox, subscription_id: int, *, transport: Any = None
) -> str:
    """A valid access token for connectors, refreshed first when it is about to expire."""
    stored = OAuthRepository(uow.conn).tokens(subscription_id)
    if stored is None:
        raise OAuthError("the subscription is not authorized")
    if stored.expires_at is not None and stored.expires_at - utcnow() < REFRESH_MARGIN:
        refresh_tokens(uow, box, subscription_id, transport=transport)
        stored = OAuthRepository(uow.conn).tokens(subscription_id)
        assert stored is not None
    return str(box.decrypt(stored.blob)["access_token"])


def _token_in(
    hub: Any, uow: UnitOfWork, subscription_id: int, force_refresh: bool
) -> tuple[str, float | None]:
    transport = hub.extras.get("oauth_transport")
    box = secret_box_for(hub)
    if force_refresh:
        refresh_tokens(uow, box, subscription_id, transport=transport)
    token = access_token(uow, box, subscription_id, transport=transport)
    stored = OAuthRepository(uow.conn).tokens(subscription_id)
    expires_at = stored.expires_at if stored is not None else None
    left = (expires_at - utcnow()).total_seconds() if expires_at is not None else None
    return token, left


def _fresh_token(hub: Any, subscription_id: int, force_refresh: bool) -> tuple[str, float | None]:
    with hub.unit_of_work() as uow:
        found = _token_in(hub, uow, subscription_id, force_refresh)
        uow.commit()
    return found


def hub_token_source(hub: Any, subscription_id: int) -> TokenSource:
    """The token source of a connector using ``oauth2_authorization_code``: the stored
    tokens of the subscription, refreshed when about to expire (or after a 401)."""

    async def source(force_refresh: bool) -> tuple[str, float | None]:
        return await asyncio.to_thread(_fresh_token, hub, subscription_id, force_refresh)

    return source


def bind_oauth_tokens(
    hub: Any, connector: object, subscription_id: int, uow: UnitOfWork | None = None
) -> bool:
    """Connect ``connector``'s authorization-code auth (if any) to the hub's token store;
    with ``uow``, tokens are read and refreshed in that (the caller's) transaction, for a
    connector used inside a request. Returns whether the connector uses such auth."""
    if uow is None:
        return bind_token_source(connector, hub_token_source(hub, subscription_id))
    bound = uow

    async def source(force_refresh: bool) -> tuple[str, float | None]:
        # The caller's transaction already holds the connection (and on SQLite the write
        # lock): a second unit of work would wait for it.
        return _token_in(hub, bound, subscription_id, force_refresh)

    return bind_token_source(connector, source)
