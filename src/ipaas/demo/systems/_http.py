"""HTTP helpers both demo apps share: JSON bodies, idempotent creates, cursors, lifespan."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from ipaas.demo.systems.base import DemoSystem
from ipaas.errors import ValidationError

IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"


async def json_object(request: Request, wrapper: str | None = None) -> dict[str, Any]:
    """The request's JSON object (unwrapped from ``{wrapper: {...}}`` if given)."""
    try:
        body = json.loads(await request.body() or b"null")
    except ValueError:
        raise ValidationError("the body is not valid JSON", field="body") from None
    if wrapper is not None:
        if not isinstance(body, dict) or not isinstance(body.get(wrapper), dict):
            raise ValidationError(f'the body must be {{"{wrapper}": {{...}}}}', field=wrapper)
        body = body[wrapper]
    if not isinstance(body, dict):
        raise ValidationError("the body must be a JSON object", field="body")
    return body


def idempotent_create(
    system: DemoSystem, request: Request, create: Callable[[], Any], status: int = 201
) -> JSONResponse:
    """Run ``create`` once per ``Idempotency-Key``: a repeated key gets the first answer.

    The record and the remembered answer commit together, so a repeat after any crash
    either finds both or neither.
    """
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if not key:
        return JSONResponse(create(), status_code=status)
    scope = f"{request.method} {request.url.path}"
    with system.store.transaction():
        earlier = system.store.idempotent_result(scope, key)
        if earlier is not None:
            return JSONResponse(
                earlier[1], status_code=earlier[0], headers={REPLAYED_HEADER: "true"}
            )
        body = create()
        system.store.remember_result(scope, key, status, body)
    return JSONResponse(body, status_code=status)


def encode_cursor(state: dict[str, Any]) -> str:
    """An opaque cursor carrying ``state``."""
    return base64.urlsafe_b64encode(json.dumps(state).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, field: str) -> dict[str, Any]:
    """The state inside a cursor made by :func:`encode_cursor`."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        state = json.loads(base64.urlsafe_b64decode(padded))
    except ValueError:
        raise ValidationError(f"{field} is not a valid cursor", field=field) from None
    if not isinstance(state, dict):
        raise ValidationError(f"{field} is not a valid cursor", field=field)
    return state


def page_size(value: int | None, system: DemoSystem, field: str) -> int:
    """The requested page size, checked against the system's maximum."""
    if value is None:
        return system.settings.default_page_size
    if not 1 <= value <= system.settings.max_page_size:
        limit = system.settings.max_page_size
        raise ValidationError(f"{field} must be between 1 and {limit}", field=field)
    return value


def lifespan_closing(system: DemoSystem) -> Callable[[FastAPI], Any]:
    """A lifespan that closes ``system`` when the server stops."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            system.close()

    return lifespan
