"""Authentication strategies: small objects that put credentials on a request.

``apply`` adds headers or query parameters; ``refresh`` is called once after a 401 and
says whether a retry may help (an OAuth2 token may have been revoked early). Every value
a strategy sends is registered with the client as a secret, so the log masks it.
"""

from __future__ import annotations

import asyncio
import base64
import time
from collections.abc import Callable
from typing import Any, Protocol

from ipaas.errors import FatalError

#: Refresh a token this many seconds before the server says it expires.
TOKEN_EXPIRY_MARGIN = 30.0


class SecretAwareClient(Protocol):
    """What a strategy needs of the recording client."""

    def add_secret(self, value: object) -> None: ...

    async def request(self, method: str, url: str, **kwargs: Any) -> Any: ...


class AuthStrategy(Protocol):
    """Puts credentials on outgoing requests."""

    async def apply(
        self, http: SecretAwareClient, headers: dict[str, str], params: dict[str, Any]
    ) -> None:
        """Add credentials to ``headers`` or ``params``."""

    async def refresh(self, http: SecretAwareClient) -> bool:
        """Called after a 401; True when retrying the call may succeed."""


class NoAuth:
    """No credentials."""

    async def apply(
        self, http: SecretAwareClient, headers: dict[str, str], params: dict[str, Any]
    ) -> None:
        return None

    async def refresh(self, http: SecretAwareClient) -> bool:
        return False


class ApiKeyAuth:
    """An API key in a header (``X-Shop-Token: <key>``) or a query parameter."""

    def __init__(
        self, name: str, value: str, *, location: str = "header", prefix: str = ""
    ) -> None:
        self.name = name
        self.value = value
        self.location = location
        self.prefix = prefix

    async def apply(
        self, http: SecretAwareClient, headers: dict[str, str], params: dict[str, Any]
    ) -> None:
        http.add_secret(self.value)
        if self.location == "query":
            params[self.name] = self.value
        else:
            headers[self.name] = f"{self.prefix}{self.value}"

    async def refresh(self, http: SecretAwareClient) -> bool:
        return False


class BasicAuth:
    """HTTP basic authentication."""

    def __init__(self, username: str, password: str) -> None:
        self.username = username
        self.password = password

    async def apply(
        self, http: SecretAwareClient, headers: dict[str, str], params: dict[str, Any]
    ) -> None:
        http.add_secret(self.password)
        token = base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
        http.add_secret(token)
        headers["Authorization"] = f"Basic {token}"

    async def refresh(self, http: SecretAwareClient) -> bool:
        return False


class BearerAuth:
    """A fixed bearer token."""

    def __init__(self, token: str) -> None:
        self.token = token

    async def apply(
        self, http: SecretAwareClient, headers: dict[str, str], params: dict[str, Any]
    ) -> None:
        http.add_secret(self.token)
        headers["Authorization"] = f"Bearer {self.token}"

    async def refresh(self, http: SecretAwareClient) -> bool:
        return False


class OAuth2ClientCredentials:
    """OAuth2 client credentials: fetch a token, cache it until shortly before it expires.

    ``client_auth`` ``body`` sends the client id and secret as form fields, ``basic`` as
    an HTTP basic header. A 401 on a call drops the cached token so the retry fetches anew.
    """

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: str,
        *,
        scope: str | None = None,
        audience: str | None = None,
        client_auth: str = "body",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.token_url = token_url
        self.client_id = client_id
        self.client_secret = client_secret
        self.scope = scope
        self.audience = audience
        self.client_auth = client_auth
        self._clock = clock
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = asyncio.Lock()
        #: How many tokens were fetched (shows caching works).
        self.fetches = 0

    async def apply(
        self, http: SecretAwareClient, headers: dict[str, str], params: dict[str, Any]
    ) -> None:
        token = await self.token(http)
        headers["Authorization"] = f"Bearer {token}"

    async def refresh(self, http: SecretAwareClient) -> bool:
        self._token = None
        return True

    async def token(self, http: SecretAwareClient) -> str:
        """A valid access token, fetched when none is cached or it is about to expire."""
        async with self._lock:
            if self._token is not None and self._clock() < self._expires_at:
                return self._token
            http.add_secret(self.client_secret)
            form = {"grant_type": "client_credentials"}
            headers: dict[str, str] = {"Accept": "application/json"}
            if self.client_auth == "basic":
                basic = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode())
                http.add_secret(basic.decode())
                headers["Authorization"] = f"Basic {basic.decode()}"
            else:
                form["client_id"] = self.client_id
                form["client_secret"] = self.client_secret
            if self.scope:
                form["scope"] = self.scope
            if self.audience:
                form["audience"] = self.audience
            response = await http.request("POST", self.token_url, data=form, headers=headers)
            try:
                body = response.json()
                token = str(body["access_token"])
            except (ValueError, KeyError, TypeError):
                raise FatalError("the token endpoint answered without an access_token") from None
            http.add_secret(token)
            self.fetches += 1
            expires_in = float(body.get("expires_in") or 3600)
            self._token = token
            self._expires_at = self._clock() + max(0.0, expires_in - TOKEN_EXPIRY_MARGIN)
            return token


class TokenSource(Protocol):
    """Where an authorization-code strategy gets its tokens (the hub's stored, refreshed
    token set of the subscription). Returns the access token and seconds until it expires
    (None: unknown); ``force_refresh`` after a 401 uses the refresh grant first."""

    async def __call__(self, force_refresh: bool) -> tuple[str, float | None]: ...


class OAuth2AuthorizationCode:
    """OAuth2 authorization code: the access token the subscription got through the hub's
    authorize flow, read from the hub (which refreshes it before it expires).

    The token is cached for at most ``recheck_seconds`` (and never past its expiry), so a
    re-authorization is picked up soon. A 401 forces a refresh on the retry.
    """

    def __init__(
        self,
        *,
        recheck_seconds: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.source: TokenSource | None = None
        self.recheck_seconds = recheck_seconds
        self._clock = clock
        self._token: str | None = None
        self._until = 0.0
        self._force = False
        self._lock = asyncio.Lock()

    async def apply(
        self, http: SecretAwareClient, headers: dict[str, str], params: dict[str, Any]
    ) -> None:
        token = await self.token()
        http.add_secret(token)
        headers["Authorization"] = f"Bearer {token}"

    async def refresh(self, http: SecretAwareClient) -> bool:
        self._token = None
        self._force = True
        return self.source is not None

    async def token(self) -> str:
        """A valid access token from the source, cached briefly."""
        if self.source is None:
            raise FatalError(
                "this connector uses oauth2_authorization_code but was built without the "
                "hub's token store"
            )
        async with self._lock:
            if self._token is not None and self._clock() < self._until:
                return self._token
            token, expires_in = await self.source(self._force)
            self._force = False
            keep = self.recheck_seconds
            if expires_in is not None:
                keep = min(keep, max(0.0, expires_in - TOKEN_EXPIRY_MARGIN))
            self._token = token
            self._until = self._clock() + keep
            return token


def bind_token_source(connector: object, source: TokenSource) -> bool:
    """Give ``connector``'s authorization-code strategy (if it has one) its token source;
    returns whether it has one."""
    strategy = getattr(connector, "auth", None)
    if isinstance(strategy, OAuth2AuthorizationCode):
        strategy.source = source
        return True
    return False
