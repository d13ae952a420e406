"""Chaos and admin endpoints of both demo systems."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

pytestmark = pytest.mark.anyio


async def test_rate_limit_answers_429_with_retry_after(shop: httpx.AsyncClient) -> None:
    await shop.post("/_admin/chaos", json={"rate_limit_per_s": 2})
    statuses = [(await shop.get("/api/products")).status_code for _ in range(5)]
    assert statuses[:2] == [200, 200]
    assert 429 in statuses
    limited = await shop.get("/api/products")
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) >= 1
    assert "errors" in limited.json()
    await shop.post("/_admin/chaos", json={"rate_limit_per_s": None})
    assert (await shop.get("/api/products")).status_code == 200


async def test_fail_rate_answers_500_without_side_effects(
    erp: httpx.AsyncClient, erp_app: FastAPI
) -> None:
    await erp.post("/_admin/chaos", json={"fail_rate": 1.0})
    failed = await erp.post("/v1/customers", json={"Name": "Ann"})
    assert failed.status_code == 500
    assert failed.json()["error"]["code"] == "InternalServerError"
    await erp.post("/_admin/chaos", json={"fail_rate": 0.5})
    statuses = {(await erp.get("/v1/items")).status_code for _ in range(30)}
    assert statuses == {200, 500}
    await erp.post("/_admin/chaos", json={"fail_rate": 0})
    stats = (await erp.get("/_admin/stats")).json()
    assert "customers" not in stats["resources"]
    assert stats["requests"]["failed"] >= 2


async def test_bad_chaos_setting_is_refused(shop: httpx.AsyncClient) -> None:
    response = await shop.post("/_admin/chaos", json={"fail_rate": 2})
    assert response.status_code == 422


async def test_admin_generate_stats_and_reset(shop: httpx.AsyncClient) -> None:
    generated = await shop.post("/_admin/generate", json={"kind": "customers", "count": 3})
    assert len(generated.json()["keys"]) == 3
    stats = (await shop.get("/_admin/stats")).json()
    assert stats["resources"]["customers"] == {"live": 3, "deleted": 0}
    unknown = await shop.post("/_admin/generate", json={"kind": "unicorns", "count": 1})
    assert unknown.status_code == 422
    assert (await shop.post("/_admin/reset")).status_code == 204
    assert (await shop.get("/api/customers")).json()["customers"] == []
