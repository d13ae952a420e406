"""The one error table: ``ipaas.errors`` classes -> HTTP status, and the JSON error shape.

Every error answer is ``{"error": {"code": ..., "message": ..., "field": ...}}``. Codes are
stable and start with a group: AUTH (who you are), AUTZ (what you may do), VALD (bad input),
BIZL (a business rule), NFND (not found, or not yours), INTL (our fault; no details leak).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ipaas.domain.accounts import LoginLockedError
from ipaas.errors import (
    AuthenticationError,
    ConflictError,
    FatalError,
    IpaasError,
    NotFoundError,
    PermissionDeniedError,
    RetriableError,
    SkippedRecord,
    ValidationError,
)

log = logging.getLogger("ipaas.api")

#: Most specific first: the first class an error is an instance of decides its status.
ERROR_TABLE: tuple[tuple[type[IpaasError], int], ...] = (
    (LoginLockedError, 429),
    (AuthenticationError, 401),
    (PermissionDeniedError, 403),
    (NotFoundError, 404),
    (ConflictError, 409),
    (ValidationError, 422),
    (SkippedRecord, 422),
    (FatalError, 422),
    (RetriableError, 503),
    (IpaasError, 500),
)

_HTTP_CODES = {
    400: "VALD_BAD_REQUEST",
    401: "AUTH_REQUIRED",
    403: "AUTZ_DENIED",
    404: "NFND_NOT_FOUND",
    405: "VALD_METHOD_NOT_ALLOWED",
    413: "VALD_TOO_LARGE",
    415: "VALD_MEDIA_TYPE",
}

_PYDANTIC_CODES = {
    "extra_forbidden": "VALD_UNKNOWN_FIELD",
    "missing": "VALD_MISSING",
    "json_invalid": "VALD_JSON",
}


def status_for(error: IpaasError) -> int:
    """The HTTP status of an ipaas error, from ``ERROR_TABLE``."""
    for cls, status in ERROR_TABLE:
        if isinstance(error, cls):
            return status
    return 500


def error_body(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    """The JSON every error answer carries."""
    return {"error": {"code": code, "message": message, "field": field}}


def internal_error_body(request_id: str | None) -> dict[str, Any]:
    """What a 500 says: nothing about the cause, only how to find it in the logs."""
    return error_body("INTL_ERROR", f"internal error; quote request id {request_id}")


def error_response(
    status: int, code: str, message: str, field: str | None = None, **headers: str
) -> JSONResponse:
    return JSONResponse(error_body(code, message, field), status_code=status, headers=headers)


def _request_id(request: Request) -> str | None:
    return getattr(request.state, "request_id", None)


async def _ipaas_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, IpaasError)
    status = status_for(exc)
    if status >= 500:
        log.error("request %s failed: %s", _request_id(request), type(exc).__name__, exc_info=exc)
        return JSONResponse(internal_error_body(_request_id(request)), status_code=status)
    headers = {}
    retry_after = getattr(exc, "retry_after", None)
    if retry_after:
        headers["Retry-After"] = str(int(retry_after) + 1)
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return error_response(status, exc.code, exc.message, exc.field, **headers)


def _field_of(loc: tuple[Any, ...]) -> str | None:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "cookie")]
    return ".".join(parts) or None


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    first = errors[0] if errors else {"loc": (), "msg": "invalid request", "type": ""}
    field = _field_of(tuple(first.get("loc", ())))
    code = _PYDANTIC_CODES.get(str(first.get("type")), "VALD_INVALID")
    # Only pydantic's message, never the input: the input may be a password.
    message = f"{field}: {first.get('msg')}" if field else str(first.get("msg"))
    if code == "VALD_UNKNOWN_FIELD":
        message = f"{field} may not be set here"
    return error_response(422, code, message, field)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, f"VALD_HTTP_{exc.status_code}")
    if exc.status_code >= 500:
        return JSONResponse(internal_error_body(_request_id(request)), status_code=exc.status_code)
    message = exc.detail if isinstance(exc.detail, str) else "request rejected"
    return error_response(exc.status_code, code, message, **(exc.headers or {}))


def install_error_handlers(app: FastAPI) -> None:
    """Answer every error in the one shape. Unexpected exceptions are caught by the
    request middleware (``ipaas.api.middleware``) and become INTL_ERROR 500s."""
    app.add_exception_handler(IpaasError, _ipaas_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
