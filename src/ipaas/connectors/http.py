"""The recording HTTP client every connector makes its outbound calls with.

Each call becomes one api-call row (who for, from ``call_context``; what, with secrets
masked; how long; what came back) handed to a recorder that writes in batches. Statuses
become errors that say what the caller should do: 429 -> ``RateLimitedError``, 408/5xx,
timeouts and lost connections -> ``RetriableError``, other 4xx -> ``FatalError`` (404 ->
``NotFoundError`` when asked). Cloud metadata addresses are refused.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import AsyncIterator, Collection, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from ipaas.connectors.base import call_context
from ipaas.connectors.recorder import ApiCallSink
from ipaas.connectors.redaction import Redactor
from ipaas.errors import (
    FatalError,
    IpaasError,
    NotFoundError,
    RateLimitedError,
    RetriableError,
)
from ipaas.store.api_calls import NewApiCall

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0, pool=10.0)
#: Request and response bodies kept in the log, unless the call context asks for debug.
EXCERPT_BYTES = 2048
#: Hosts that serve cloud instance credentials; a connector has no business calling them.
METADATA_HOSTS = frozenset(
    {"169.254.169.254", "fd00:ec2::254", "metadata.google.internal", "100.100.100.200"}
)
_METADATA_IPS = frozenset(
    ipaddress.ip_address(h) for h in METADATA_HOSTS if h[0].isdigit() or ":" in h
)


class BlockedHostError(FatalError):
    """The URL points at a cloud metadata address, which connectors may not call."""

    code = "VALD_BLOCKED_HOST"


@dataclass(slots=True)
class _Outcome:
    status: int | None = None
    response_body: bytes = b""
    error: str | None = None


class RecordingHttpClient:
    """An ``httpx.AsyncClient`` wrapper that records every call and maps failures to errors.

    ``subscription_id`` is used when the call context names none (e.g. registering
    webhooks outside a transfer). ``secrets`` are values to mask everywhere;
    ``secret_params`` names extra query parameters whose values are masked.
    """

    def __init__(
        self,
        recorder: ApiCallSink,
        *,
        subscription_id: int | None = None,
        secrets: Collection[str] = (),
        secret_params: Collection[str] = (),
        timeout: httpx.Timeout | float | None = None,
        headers: Mapping[str, str] | None = None,
        allow_metadata_hosts: bool = False,
        transport: httpx.AsyncBaseTransport | None = None,
        excerpt_bytes: int = EXCERPT_BYTES,
    ) -> None:
        self.recorder = recorder
        self.subscription_id = subscription_id
        self.redactor = Redactor(secrets, secret_params)
        self.allow_metadata_hosts = allow_metadata_hosts
        self.excerpt_bytes = excerpt_bytes
        self._client = httpx.AsyncClient(
            timeout=timeout if timeout is not None else DEFAULT_TIMEOUT,
            headers=dict(headers or {}),
            transport=transport,
            follow_redirects=False,  # a redirect could lead to a blocked host unchecked
        )

    def add_secret(self, value: object) -> None:
        """Mask ``value`` in every later row and error (e.g. a token just obtained)."""
        self.redactor.add_secret(value)

    async def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        json: Any = None,
        content: bytes | str | None = None,
        data: Mapping[str, Any] | None = None,
        timeout: float | None = None,
        not_found: bool = False,
        expected: Collection[int] = (),
    ) -> httpx.Response:
        """Make one call and record it; raise a typed error unless the status is 2xx/3xx.

        ``not_found`` maps 404 to ``NotFoundError``; statuses in ``expected`` are returned
        as they are.
        """
        request = self._client.build_request(
            method,
            url,
            params=params,
            headers=headers,
            json=json,
            content=content,
            data=data,
            timeout=timeout if timeout is not None else httpx.USE_CLIENT_DEFAULT,
        )
        self._check_host(request.url)
        outcome = _Outcome()
        error: IpaasError | None = None
        started = time.perf_counter()
        try:
            response = await self._client.send(request)
            outcome.status = response.status_code
            outcome.response_body = response.content
            error = self._error_for(response, not_found, expected)
        except httpx.TimeoutException as exc:
            error = RetriableError(self._describe(request, f"timeout ({type(exc).__name__})"))
        except httpx.TransportError as exc:
            error = RetriableError(self._describe(request, f"connection failed ({exc})"))
        except BaseException as exc:  # cancelled: still show the call, then let it go
            outcome.error = f"interrupted: {type(exc).__name__}"
            self._record(request, outcome, (time.perf_counter() - started) * 1000.0)
            raise
        if error is not None:
            outcome.error = error.message
        self._record(request, outcome, (time.perf_counter() - started) * 1000.0)
        if error is not None:
            raise error
        return response

    async def get(self, url: str, **kwargs: Any) -> httpx.Response:
        """``request("GET", url, ...)``."""
        return await self.request("GET", url, **kwargs)

    async def post(self, url: str, **kwargs: Any) -> httpx.Response:
        """``request("POST", url, ...)``."""
        return await self.request("POST", url, **kwargs)

    async def put(self, url: str, **kwargs: Any) -> httpx.Response:
        """``request("PUT", url, ...)``."""
        return await self.request("PUT", url, **kwargs)

    async def patch(self, url: str, **kwargs: Any) -> httpx.Response:
        """``request("PATCH", url, ...)``."""
        return await self.request("PATCH", url, **kwargs)

    async def delete(self, url: str, **kwargs: Any) -> httpx.Response:
        """``request("DELETE", url, ...)``."""
        return await self.request("DELETE", url, **kwargs)

    @asynccontextmanager
    async def track(
        self, method: str, target: str, *, request_body: bytes = b""
    ) -> AsyncIterator[TrackedCall]:
        """Record a call that is not HTTP (an SQL statement, a file read) the same way.

        ``target`` is shown like a URL (masked); set ``call.status``/``call.response_body``
        inside the block. An exception escaping the block is recorded as the error.
        """
        call = TrackedCall()
        started = time.perf_counter()
        try:
            yield call
        except Exception as exc:
            call.error = call.error or f"{type(exc).__name__}: {exc}"
            raise
        finally:
            duration_ms = (time.perf_counter() - started) * 1000.0
            self._emit(
                method,
                target,
                request_body,
                _Outcome(call.status, call.response_body, call.error),
                duration_ms,
            )

    async def close(self) -> None:
        """Close the connection pool."""
        await self._client.aclose()

    async def __aenter__(self) -> RecordingHttpClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- internals ------------------------------------------------------------------------

    def _check_host(self, url: httpx.URL) -> None:
        if self.allow_metadata_hosts:
            return
        if is_metadata_host(url.host):
            raise BlockedHostError(f"calls to the cloud metadata address {url.host} are refused")

    def _error_for(
        self, response: httpx.Response, not_found: bool, expected: Collection[int]
    ) -> IpaasError | None:
        status = response.status_code
        if status < 400 or status in expected:
            return None
        detail = self._describe(response.request, f"HTTP {status}", response.content)
        if status == 429:
            return RateLimitedError(detail, retry_after=retry_after_seconds(response))
        if status == 408 or status >= 500:
            return RetriableError(detail, retry_after=retry_after_seconds(response))
        if status == 404 and not_found:
            return NotFoundError(detail)
        return FatalError(detail)

    def _describe(self, request: httpx.Request, what: str, body: bytes = b"") -> str:
        text = f"{request.method} {self.redactor.url(str(request.url))}: {self.redactor.text(what)}"
        excerpt = self.redactor.excerpt(body, 300)
        return f"{text}: {excerpt}" if excerpt else text

    def _record(self, request: httpx.Request, outcome: _Outcome, duration_ms: float) -> None:
        body = request.content if isinstance(request.stream, httpx.ByteStream) else b""
        self._emit(request.method, str(request.url), body, outcome, duration_ms)

    def _emit(
        self, method: str, url: str, request_body: bytes, outcome: _Outcome, duration_ms: float
    ) -> None:
        ctx = call_context.get()
        limit = None if ctx.debug else self.excerpt_bytes
        redact = self.redactor
        try:
            self.recorder.record(
                NewApiCall(
                    at=datetime.now(UTC),
                    method=method.upper()[:10],
                    url=redact.url(url),
                    duration_ms=round(duration_ms, 3),
                    status=outcome.status,
                    subscription_id=ctx.subscription_id
                    if ctx.subscription_id is not None
                    else self.subscription_id,
                    queue_item_id=ctx.queue_item_id,
                    tracking_id=ctx.tracking_id,
                    data_type=ctx.data_type,
                    record_key=ctx.record_key,
                    request_bytes=len(request_body),
                    response_bytes=len(outcome.response_body),
                    request_excerpt=redact.excerpt(request_body, limit),
                    response_excerpt=redact.excerpt(outcome.response_body, limit),
                    error=redact.text(outcome.error) if outcome.error else None,
                )
            )
        except Exception:  # pragma: no cover - recording must never fail a call
            return


@dataclass(slots=True)
class TrackedCall:
    """What a non-HTTP call reports back to ``RecordingHttpClient.track``."""

    status: int | None = None
    response_body: bytes = b""
    error: str | None = None


def is_metadata_host(host: str) -> bool:
    """Whether ``host`` names a cloud metadata service (also in the shorthand, decimal,
    octal and hex IPv4 forms the system resolver accepts, e.g. ``2852039166``)."""
    name = host.strip("[]").rstrip(".").lower()
    if name in METADATA_HOSTS:
        return True
    try:
        address: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.ip_address(name)
    except ValueError:
        if ":" in name or not name or not name[0].isdigit():
            return False
        try:
            address = ipaddress.IPv4Address(socket.inet_aton(name))
        except OSError:
            return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address in _METADATA_IPS


def refuse_metadata_url(url: str) -> None:
    """Raise ``BlockedHostError`` when ``url`` points at a cloud metadata service. For
    outbound calls made outside ``RecordingHttpClient`` (alert webhooks, OAuth tokens)."""
    try:
        host = httpx.URL(url).host
    except (httpx.InvalidURL, TypeError):
        return  # not a URL the client could call either; its own error says so
    if is_metadata_host(host):
        raise BlockedHostError(f"calls to the cloud metadata address {host} are refused")


def retry_after_seconds(response: httpx.Response) -> float | None:
    """The ``Retry-After`` header as seconds (delta or HTTP date), or None."""
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
