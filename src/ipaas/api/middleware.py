"""Request ids, the request size limit, the access log and the last-resort 500 answer.

A pure ASGI middleware (no ``BaseHTTPMiddleware``), outermost on the app.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from contextvars import ContextVar
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ipaas.api.errors import error_body, internal_error_body

log = logging.getLogger("ipaas.api")

#: The id of the request being served; log lines of the request carry it.
request_id_var: ContextVar[str | None] = ContextVar("ipaas_request_id", default=None)

_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
REQUEST_ID_HEADER = "x-request-id"


class RequestIdFilter(logging.Filter):
    """Adds ``record.request_id`` so a log format can show ``%(request_id)s``."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get() or "-"
        return True


_HANDLER_NAME = "ipaas.api.requests"


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg,unused-ignore]
    """Writes to whatever ``sys.stderr`` is at the time (test runners swap it)."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


def install_request_logging(level: str = "info") -> None:
    """Send the API's log lines, each with its request id, to stderr (once per process)."""
    logger = logging.getLogger("ipaas.api")
    if any(h.get_name() == _HANDLER_NAME for h in logger.handlers):
        return
    handler = _StderrHandler()
    handler.set_name(_HANDLER_NAME)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
    )
    logger.addHandler(handler)
    logger.setLevel(level.upper())


class _TooLarge(Exception):
    pass


class RequestMiddleware:
    """Gives each request an id (``X-Request-Id``, taken from the caller when well-formed),
    refuses bodies over ``max_bytes`` with 413, logs one line per request, and answers
    INTL_ERROR 500 for anything unexpected without showing what went wrong."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, path_prefix: str = "/") -> None:
        self.app = app
        self.max_bytes = max_bytes
        # Other areas (webhook intake) answer their own paths; this one keeps to the API's.
        self.path_prefix = path_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.path_prefix):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        given = headers.get(REQUEST_ID_HEADER, "")
        request_id = given if _VALID_ID.match(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = {"code": 0, "sent": False}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                status["sent"] = True
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-request-id", request_id.encode()),
                ]
            await send(message)

        try:
            declared = headers.get("content-length")
            if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
                await self._too_large(send_with_id)
                return
            try:
                body_receive = await self._buffered(receive)
            except _TooLarge:
                await self._too_large(send_with_id)
                return
            await self.app(scope, body_receive, send_with_id)
        except Exception:
            log.exception("request %s: unexpected error", request_id)
            if not status["sent"]:
                await self._json(send_with_id, 500, internal_error_body(request_id))
        finally:
            log.info(
                "%s %s -> %s in %.1f ms [request_id=%s]",
                scope.get("method"),
                scope.get("path"),
                status["code"],
                (time.perf_counter() - started) * 1000,
                request_id,
            )
            request_id_var.reset(token)

    async def _buffered(self, receive: Receive) -> Receive:
        """Read the body up to the limit, then replay it to the app."""
        chunks: list[bytes] = []
        size = 0
        more = True
        first: Message | None = None
        while more:
            message = await receive()
            if message["type"] != "http.request":
                first = message
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                raise _TooLarge
            chunks.append(chunk)
            more = message.get("more_body", False)
        replay: list[Message] = [{"type": "http.request", "body": b"".join(chunks)}]
        if first is not None:
            replay = [first]

        async def replaying() -> Message:
            if replay:
                return replay.pop()
            return await receive()

        return replaying

    async def _too_large(self, send: Send) -> None:
        body = error_body(
            "VALD_TOO_LARGE", f"the request body is larger than {self.max_bytes} bytes"
        )
        await self._json(send, 413, body)

    @staticmethod
    async def _json(send: Send, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(data)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": data})
