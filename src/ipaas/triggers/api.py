"""HTTP endpoints of webhook intake.

- ``POST /hooks/v1/notifications``: the generic hook, ``Authorization: Bearer <key>``.
- ``POST /hooks/{token}[/{segments...}]``: a foreign format, read by the integration's
  ``webhook`` definition.

Both answer 202 with the tracking ids once the queue items are committed. Refusals are
recorded and answered ``{"error": {"code", "message", "field"}}``.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

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

_INTAKE_KEY = "webhook_intake"


def webhook_intake(hub: Hub) -> WebhookIntake:
    """The hub's webhook intake, built once and kept in ``hub.extras``."""
    intake = hub.extras.get(_INTAKE_KEY)
    if not isinstance(intake, WebhookIntake):
        intake = WebhookIntake(hub)
        hub.extras[_INTAKE_KEY] = intake
    return intake


def _status(error: IpaasError) -> int:
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


def _json(status: int, content: dict[str, Any]) -> Response:
    # json.dumps + Response is measurably cheaper than JSONResponse's validation path.
    return Response(
        json.dumps(content, separators=(",", ":")),
        status_code=status,
        media_type="application/json",
    )


def error_response(error: IpaasError, status: int) -> Response:
    """The shared error shape, ``{"error": {"code", "message", "field"}}``."""
    return _json(
        status,
        {
            "error": {
                "code": error.code.split("_")[0],
                "message": error.message,
                "field": error.field,
            }
        },
    )


def _accepted(outcomes: list[Outcome]) -> Response:
    return _json(
        202,
        {
            "tracking_ids": [o.tracking_id for o in outcomes],
            "duplicates": sum(1 for o in outcomes if o.duplicate),
        },
    )


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLargeError(f"the body is larger than {limit} bytes", field="body")
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLargeError(f"the body is larger than {limit} bytes", field="body")
        chunks.append(chunk)
    return b"".join(chunks)


def webhook_router(hub: Hub) -> APIRouter:
    """The router of ``/hooks``; mount it on the hub's app."""
    router = APIRouter(tags=["webhooks"])
    intake = webhook_intake(hub)

    async def refuse(
        error: IpaasError, request: Request, path: str, subscription_id: int | None
    ) -> Response:
        status = _status(error)
        await intake.record_rejection(
            error,
            status,
            path=path,
            subscription_id=subscription_id,
            remote_addr=request.client.host if request.client else None,
            body_bytes=int(request.headers.get("content-length") or 0),
        )
        return error_response(error, status)

    @router.post("/hooks/v1/notifications", status_code=202)
    async def notifications(request: Request) -> Response:
        """Announce changes: ``{"notifications": [{"scope", "external_id"}]}``."""
        subscription_id: int | None = None
        path = "/hooks/v1/notifications"
        try:
            authorization = request.headers.get("authorization") or ""
            scheme, _, key = authorization.partition(" ")
            if scheme.lower() != "bearer" or not key.strip():
                raise AuthenticationError("send the subscription's webhook key as a Bearer token")
            subscription_id = await intake.subscription_for_key(key.strip())
            body = await _read_body(request, intake.max_bytes)
            return _accepted(await intake.notifications_of(subscription_id, body))
        except IpaasError as error:
            return await refuse(error, request, path, subscription_id)

    @router.post("/hooks/{token}", status_code=202)
    async def configured(token: str, request: Request) -> Response:
        """A foreign webhook, read as the integration's ``webhook`` definition says."""
        return await _configured(token, "", request)

    @router.post("/hooks/{token}/{rest:path}", status_code=202)
    async def configured_segments(token: str, rest: str, request: Request) -> Response:
        """A foreign webhook with extra URL segments the definition may read."""
        return await _configured(token, rest, request)

    async def _configured(token: str, rest: str, request: Request) -> Response:
        subscription_id: int | None = None
        # The token is a credential: only its first characters go into the record.
        path = f"/hooks/{token[:4]}…" + (f"/{rest}" if rest else "")
        try:
            subscription_id = await intake.subscription_for_token(token)
            body = await _read_body(request, intake.max_bytes)
            webhook = WebhookRequest(
                method=request.method,
                path=request.url.path,
                headers={k.lower(): v for k, v in request.headers.items()},
                query=dict(request.query_params),
                body=body,
            )
            segments = [s for s in rest.split("/") if s]
            return _accepted(await intake.receive_configured(subscription_id, webhook, segments))
        except IpaasError as error:
            return await refuse(error, request, path, subscription_id)

    return router
