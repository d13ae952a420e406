"""``ipaas demo --duration 20 --no-browser`` end to end in a subprocess: orders placed in
the storefront reach the ERP and ERP stock reaches the storefront, read from the demo
systems' own APIs while the demo runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from ipaas.demo.systems.settings import DemoSettings

pytestmark = [pytest.mark.slow, pytest.mark.timeout(90)]

IPAAS = Path(sys.executable).with_name("ipaas")


def _erp_token(client: httpx.Client, erp: str, demo: DemoSettings) -> str:
    answer = client.post(
        f"{erp}/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": demo.erp_client_id,
            "client_secret": demo.erp_client_secret,
        },
    )
    answer.raise_for_status()
    return str(answer.json()["access_token"])


def _read_systems(urls: dict[str, str]) -> dict[str, Any]:
    demo = DemoSettings()
    with httpx.Client(timeout=10) as client:
        token = _erp_token(client, urls["erp"], demo)
        erp = {"Authorization": f"Bearer {token}"}
        orders = client.get(f"{urls['erp']}/v1/salesOrders?$top=200", headers=erp).json()
        stock = client.get(f"{urls['erp']}/v1/stock?$top=200", headers=erp).json()
        shop = {"X-Shop-Token": demo.shop_api_token}
        levels = client.get(
            f"{urls['shop']}/api/inventory_levels?limit=250&location=main", headers=shop
        ).json()
    return {
        "orders": orders["value"],
        "stock": {s["ItemNo"]: s["Inventory"] for s in stock["value"]},
        "levels": {lv["sku"]: lv["available"] for lv in levels["inventory_levels"]},
    }


def test_the_demo_moves_orders_to_the_erp_and_stock_to_the_shop(tmp_path: Path) -> None:
    env = {**os.environ, "IPAAS_DATA_DIR": str(tmp_path / "demo"), "NO_COLOR": "1"}
    env.pop("IPAAS_DATABASE_URL", None)
    process = subprocess.Popen(
        [str(IPAAS), "demo", "--duration", "20", "--no-browser", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    assert process.stdout is not None
    urls: dict[str, str] = {}
    seen: dict[str, Any] = {}
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 80
        for line in process.stdout:
            lines.append(line)
            if line.startswith("DEMO_SYSTEMS "):
                urls = json.loads(line.removeprefix("DEMO_SYSTEMS "))
            if line.startswith("SUMMARY ") and urls and not seen.get("done"):
                seen = _read_systems(urls)
                delivered = [o for o in seen["orders"] if o["ExternalDocumentNo"].startswith("#")]
                synced = [s for s, q in seen["stock"].items() if seen["levels"].get(s) == q]
                seen["done"] = len(delivered) >= 5 and len(synced) >= 5
            if time.monotonic() > deadline:
                break
        code = process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
        process.stdout.close()
    output = "".join(lines)
    assert code == 0, output[-3000:]
    assert urls, output[-3000:]
    assert seen.get("done"), f"{seen}\n{output[-3000:]}"
    # Orders came with their customers (prerequisites) and their lines.
    order = seen["orders"][0]
    assert order["CustomerNo"].startswith("C")
    assert order["Lines"]
    assert "stopped cleanly" in output
