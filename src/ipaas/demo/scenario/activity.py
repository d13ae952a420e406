"""Realistic activity in the demo systems, one step a second, through their own APIs:
orders in the shop, stock and price changes in the ERP, a burst of orders, a period of
HTTP 429 from the ERP (chaos), and one shop product without SKU that fails mapping."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import httpx

from ipaas.demo.systems.settings import DemoSettings

#: The cycle repeats every ``CYCLE`` seconds.
CYCLE = 30
BURST_AT = 8
CHAOS_FROM, CHAOS_TO = 12, 17
BAD_RECORD_AT = 5


@dataclass
class ActivityLog:
    """What the activity did so far (shown as the last event in the live view)."""

    last: str = "starting"
    orders: int = 0
    stock_changes: int = 0
    price_changes: int = 0


class DemoActivity:
    """Calls ``step(second)`` once a second; each second does a little."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        shop_url: str,
        erp_url: str,
        settings: DemoSettings,
        note: Callable[[str], None] | None = None,
    ) -> None:
        self.client = client
        self.shop_url = shop_url
        self.erp_url = erp_url
        self.settings = settings
        self.log = ActivityLog()
        self._note = note

    def _say(self, text: str) -> None:
        self.log.last = text
        if self._note is not None:
            self._note(text)

    async def _generate(self, url: str, kind: str, count: int) -> int:
        answer = await self.client.post(
            f"{url}/_admin/generate", json={"kind": kind, "count": count}
        )
        answer.raise_for_status()
        return len(answer.json().get("keys", []))

    async def _chaos(self, rate_limit_per_s: float | None) -> None:
        body = {"rate_limit_per_s": rate_limit_per_s, "fail_rate": 0.0, "latency_ms": 0}
        (await self.client.post(f"{self.erp_url}/_admin/chaos", json=body)).raise_for_status()

    async def step(self, second: int) -> None:
        """The activity of second ``second`` since the live phase began."""
        phase = second % CYCLE
        if phase == BAD_RECORD_AT and second < CYCLE:
            await self._bad_record()
        if phase == BURST_AT:
            self.log.orders += await self._generate(self.shop_url, "orders", 25)
            self._say("burst: 25 orders placed in the shop at once")
        elif phase == CHAOS_FROM:
            await self._chaos(2.0)
            self._say("chaos: the ERP answers 429 beyond 2 requests/s")
        elif phase == CHAOS_TO:
            await self._chaos(None)
            self._say("chaos over: the ERP is back to normal")
        self.log.orders += await self._generate(self.shop_url, "orders", 1)
        if second % 2 == 0:
            self.log.stock_changes += await self._generate(self.erp_url, "stock", 2)
        if second % 5 == 3:
            self.log.price_changes += await self._generate(self.erp_url, "price_changes", 1)
            self._say("a price changed in the ERP")

    async def _bad_record(self) -> None:
        # A product without SKU: the hub cannot map it (sku is required) and shows an error.
        body = {"product": {"title": "Mystery item (no SKU)", "variants": [{"price": "9.99"}]}}
        await self.client.post(
            f"{self.shop_url}/api/products",
            json=body,
            headers={"X-Shop-Token": self.settings.shop_api_token},
        )
        self._say("a shop product without SKU: it fails mapping and shows as an error")

    async def calm(self) -> None:
        """Switch chaos off (on exit)."""
        try:
            await self._chaos(None)
        except httpx.HTTPError:
            pass
