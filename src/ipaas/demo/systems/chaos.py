"""Chaos for the demo systems: a rate limit, random failures and latency, plus request stats.

Changed at runtime through ``POST /_admin/chaos``. Only the system's API paths are
affected; ``/_admin`` never is. Beyond the rate limit a call answers 429 with a
``Retry-After`` in whole seconds; a ``fail_rate`` fraction of calls answers 500. Neither
touches data: the refused call had no effect.
"""

from __future__ import annotations

import asyncio
import math
import random
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

ErrorBody = Callable[[int, str], dict[str, Any]]
"""Build a system's JSON error body from an HTTP status and a message."""


class ChaosSettings(BaseModel):
    """The chaos in force; every field optional in a change request."""

    model_config = ConfigDict(extra="forbid")

    rate_limit_per_s: float | None = Field(default=None, gt=0)
    fail_rate: float = Field(default=0.0, ge=0, le=1)
    latency_ms: int = Field(default=0, ge=0, le=60_000)


class TokenBucket:
    """``rate`` calls per second on average, bursts of up to ``max(1, rate)`` calls."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.capacity = max(1.0, rate)
        self._tokens = self.capacity
        self._at = time.monotonic()
        self._lock = threading.Lock()

    def take(self) -> float:
        """Take one call; 0 if allowed, else the seconds until one is available."""
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self.capacity, self._tokens + (now - self._at) * self.rate)
            self._at = now
            if self._tokens >= 1:
                self._tokens -= 1
                return 0.0
            return (1 - self._tokens) / self.rate


class Chaos:
    """The chaos settings in force and what they did, shared by all requests of one system."""

    def __init__(self, seed: int) -> None:
        self.settings = ChaosSettings()
        self._bucket: TokenBucket | None = None
        self._random = random.Random(seed)
        self.requests: Counter[str] = Counter()

    def configure(self, settings: ChaosSettings) -> None:
        """Put ``settings`` in force; the rate limit starts with a full bucket."""
        self.settings = settings
        rate = settings.rate_limit_per_s
        self._bucket = TokenBucket(rate) if rate else None

    def retry_after(self) -> float:
        """0 if the call may go ahead, else the seconds to wait (rate limit)."""
        return self._bucket.take() if self._bucket else 0.0

    def should_fail(self) -> bool:
        """Whether this call is one of the ``fail_rate`` that answers 500."""
        return self.settings.fail_rate > 0 and self._random.random() < self.settings.fail_rate


def install_chaos(app: FastAPI, chaos: Chaos, error_body: ErrorBody) -> None:
    """Wrap every non-admin request of ``app`` in ``chaos`` and count requests."""

    @app.middleware("http")
    async def apply_chaos(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        if request.url.path.startswith("/_admin"):
            return await call_next(request)
        chaos.requests["total"] += 1
        chaos.requests[request.method] += 1
        if chaos.settings.latency_ms:
            await asyncio.sleep(chaos.settings.latency_ms / 1000)
        wait = chaos.retry_after()
        if wait:
            chaos.requests["rate_limited"] += 1
            rate = chaos.settings.rate_limit_per_s
            return JSONResponse(
                error_body(429, f"Exceeded {rate:g} calls per second. Slow down."),
                status_code=429,
                headers={"Retry-After": str(max(1, math.ceil(wait)))},
            )
        if chaos.should_fail():
            chaos.requests["failed"] += 1
            return JSONResponse(
                error_body(500, "Internal error (injected by chaos)"), status_code=500
            )
        response = await call_next(request)
        chaos.requests[f"status_{response.status_code}"] += 1
        return response
