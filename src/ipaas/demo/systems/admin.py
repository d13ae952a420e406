"""The demo-only admin endpoints of both systems (no authentication, never in production).

- ``POST /_admin/chaos`` ``{"rate_limit_per_s": float|null, "fail_rate": 0..1,
  "latency_ms": int}`` -> the chaos now in force
- ``GET /_admin/stats`` -> ``{"resources": {name: {"live", "deleted"}}, "requests": {...},
  "webhooks": {"delivered", "retried", "failed", "dropped", "pending"}, "chaos": {...}}``
- ``POST /_admin/reset`` -> 204; empties the data and the request counts
- ``POST /_admin/generate`` ``{"kind", "count"}`` -> ``{"kind", "keys": [...]}``
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from ipaas.demo.systems.base import DemoSystem
from ipaas.demo.systems.chaos import ChaosSettings


class GenerateRequest(BaseModel):
    """Body of ``POST /_admin/generate``."""

    kind: str
    count: int = Field(default=10, ge=1, le=100_000)


def admin_router(system: DemoSystem) -> APIRouter:
    """The ``/_admin`` routes of ``system``."""
    router = APIRouter(prefix="/_admin", tags=["demo admin"])

    @router.post("/chaos")
    async def set_chaos(chaos: ChaosSettings) -> dict[str, Any]:
        system.chaos.configure(chaos)
        return system.chaos.settings.model_dump()

    @router.get("/stats")
    async def stats() -> dict[str, Any]:
        return system.stats()

    @router.post("/reset", status_code=204)
    async def reset() -> Response:
        system.reset()
        return Response(status_code=204)

    @router.post("/generate")
    async def generate(request: GenerateRequest) -> dict[str, Any]:
        return {"kind": request.kind, "keys": system.generate(request.kind, request.count)}

    return router
