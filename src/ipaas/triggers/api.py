"""HTTP endpoints of webhook intake, mounted at ``/hooks``.

- ``POST /hooks/v1/notifications``: the generic hook, ``Authorization: Bearer <key>``,
  body ``{"notifications": [{"scope": "product/created", "external_id": "123"}]}``.
- ``POST /hooks/{token}[/{segments...}]``: a foreign format, read by the integration's
  ``webhook`` definition (or by its connector when there is none).

Both answer ``202 {"tracking_ids": [...], "duplicates": n}`` once the queue items are
committed. Refusals are recorded and answered ``{"error": {"code", "message", "field"}}``:
401 (key or signature), 404 (unknown token), 413 (too large), 400 (anything else bad).

This is a plain ASGI app rather than FastAPI routes: webhooks are the hub's hottest path,
and FastAPI's per-request machinery (dependency solving, request objects, route
matching) cost more CPU than everything else a webhook needs together (see
bench/bench_ingest.py). ``install_webhooks(app, hub)`` puts it in front of the app's
router as a pure ASGI middleware; everything not under ``/hooks/`` passes through.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl

from ipaas.bootstrap import Hub
from ipaas.connectors.base import WebhookRequest
from ipaas.errors import (
    AuthenticationError,
    IpaasError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from ipaas.triggers.intake import Outcome
from ipaas.triggers.service import PayloadTooLargeError, WebhookIntake

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

_INTAKE_KEY = "webhook_intake"
#: Where webhooks are received.
PREFIX = "/hooks"
_JSON_HEADERS = [(b"content-type", b"application/json")]


def webhook_intake(hub: Hub) -> WebhookIntake:
    """The hub's webhook intake, built once and kept in ``hub.extras``."""
    intake = hub.extras.get(_INTAKE_KEY)
    if not isinstance(intake, WebhookIntake):
        intake = WebhookIntake(hub)
        hub.extras[_INTAKE_KEY] = intake
    return intake


def status_of(error: IpaasError) -> int:
    """The HTTP status a refused webhook gets."""
    if isinstance(error, PayloadTooLargeError):
        return 413
    if isinstance(error, AuthenticationError):
        return 401
    if isinstance(error, PermissionDeniedError):
        return 403
    if isinstance(error, NotFoundError):
        return 404
    if isinstance(error, ValidationError):
        return 400
    return 500


def error_body(error: IpaasError) -> dict[str, Any]:
    """The shared error shape, ``{"error": {"code", "message", "field"}}``; the code's
    prefix (AUTH, VALD, NFND, ...) is its category, as in the API's error table."""
    return {"error": {"code": error.code, "message": error.message, "field": error.field}}


def accepted_body(outcomes: list[Outcome]) -> dict[str, Any]:
    """The 202 answer: one tracking id per event, and how many were repeats."""
    return {
        "tracking_ids": [o.tracking_id for o in outcomes],
        "duplicates": sum(1 for o in outcomes if o.duplicate),
    }


async def _respond(send: Send, status: int, content: dict[str, Any], extra: list[Any]) -> None:
    body = json.dumps(content, separators=(",", ":")).encode()
    headers = [*_JSON_HEADERS, (b"content-length", str(len(body)).encode()), *extra]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _read_body(receive: Receive, headers: dict[str, str], limit: int) -> bytes:
    declared = headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLargeError(f"the body is larger than {limit} bytes", field="body")
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ValidationError("the sender disconnected", field="body")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise PayloadTooLargeError(f"the body is larger than {limit} bytes", field="body")
        chunks.append(chunk)
        if not message.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def webhook_app(hub: Hub) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    """The ASGI app of ``/hooks`` for ``hub``."""
    intake = webhook_intake(hub)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        segments = [s for s in scope["path"].removeprefix(PREFIX).split("/") if s]
        if scope["method"] != "POST" or not segments:
            await _respond(
                send,
                405 if segments else 404,
                error_body(ValidationError("webhooks are POSTed", field="method")),
                [(b"allow", b"POST")],
            )
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        generic = segments == ["v1", "notifications"]
        # The token is a credential: only its first characters go into the record.
        shown = "/hooks/v1/notifications" if generic else f"/hooks/{segments[0][:4]}…"
        subscription_id: int | None = None
        try:
            if generic:
                scheme, _, key = headers.get("authorization", "").partition(" ")
                if scheme.lower() != "bearer" or not key.strip():
                    raise AuthenticationError(
                        "send the subscription's webhook key as a Bearer token"
                    )
                subscription_id = await intake.subscription_for_key(key.strip())
                body = await _read_body(receive, headers, intake.max_bytes)
                outcomes = await intake.notifications_of(subscription_id, body)
            else:
                subscription_id = await intake.subscription_for_token(segments[0])
                body = await _read_body(receive, headers, intake.max_bytes)
                request = WebhookRequest(
                    method="POST",
                    path=scope["path"],
                    headers=headers,
                    query=dict(parse_qsl(scope.get("query_string", b"").decode("latin-1"))),
                    body=body,
                )
                outcomes = await intake.receive_configured(subscription_id, request, segments[1:])
        except IpaasError as error:
            status = status_of(error)
            client = scope.get("client")
            await intake.record_rejection(
                error,
                status,
                path=shown,
                subscription_id=subscription_id,
                remote_addr=client[0] if client else None,
                body_bytes=int(headers.get("content-length", "0") or 0),
            )
            await _respond(send, status, error_body(error), [])
            return
        await _respond(send, 202, accepted_body(outcomes), [])

    return app


class WebhookDispatch:
    """Sends ``/hooks/...`` requests straight to the webhook app, the rest to ``app``."""

    def __init__(self, app: Any, hooks: Callable[[Scope, Receive, Send], Awaitable[None]]) -> None:
        self.app = app
        self.hooks = hooks

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(PREFIX + "/"):
            await self.hooks(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def install_webhooks(app: Any, hub: Hub) -> None:
    """Receive ``hub``'s webhooks on ``app`` (a FastAPI or Starlette app) at ``/hooks/``."""
    app.add_middleware(WebhookDispatch, hooks=webhook_app(hub))
