"""``SubscriptionThrottle``: calls per second/minute, concurrency and 429 pauses.

Why the state lives in the database: every worker process (one ``ipaas serve`` on SQLite,
or any number of ``ipaas worker`` processes on PostgreSQL) must share one budget per
subscription, and the hub's database is the only thing they all share; no extra server
(Redis) is needed. Costs are kept off the hot path: a subscription without a rate or
concurrency limit never touches these rows. A rate reserves the next call slot with one
locked row update; concurrency takes one of ``N`` slot rows that expire, so a killed
worker never holds a slot for long. A 429 writes ``paused_until``; claims skip paused
subscriptions, and each process re-reads the pause once per claim batch (and at once in
the process that saw the 429).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import sqlalchemy as sa

from ipaas.errors import RateLimitedError, RetriableError
from ipaas.store.transfer import SubscriptionInfo, TransferStore

T = TypeVar("T")


class WaitForRateLimit(RetriableError):
    """The external system asked for a pause longer than a worker waits in place."""

    code = "INTL_RATE_LIMITED_WAIT"


class SubscriptionThrottle:
    """Shared per-subscription throttle; one instance per worker process."""

    def __init__(
        self,
        engine: sa.Engine,
        holder: str,
        *,
        max_inline_wait: float = 30.0,
        max_rate_limited: int = 5,
        slot_hold_seconds: float = 120.0,
    ) -> None:
        self._engine = engine
        self._holder = holder
        self.max_inline_wait = max_inline_wait
        self.max_rate_limited = max_rate_limited
        self.slot_hold_seconds = slot_hold_seconds
        self._paused: dict[int, float] = {}

    def refresh(self, conn: sa.Connection, subscription_ids: list[int]) -> None:
        """Learn the pauses other processes set (called once per claim batch)."""
        if subscription_ids:
            self._paused.update(TransferStore(conn).paused_until(subscription_ids))

    def paused_until(self, subscription_id: int) -> float:
        """Epoch seconds until which calls of the subscription wait (0 if none)."""
        return self._paused.get(subscription_id, 0.0)

    def pause(self, subscription_id: int, seconds: float) -> float:
        """Hold the subscription's calls for ``seconds`` in every process; returns until."""
        until = time.time() + seconds
        self._paused[subscription_id] = max(self._paused.get(subscription_id, 0.0), until)
        with self._engine.begin() as conn:
            TransferStore(conn).pause_subscription_calls(subscription_id, until)
        return until

    async def call(self, sub: SubscriptionInfo, make_call: Callable[[], Awaitable[T]]) -> T:
        """Run one api call within the subscription's limits; waits out 429s in place.

        A 429 pauses the whole subscription for its ``Retry-After`` (1 s when absent). When
        the pause is longer than ``max_inline_wait`` (or 429s repeat ``max_rate_limited``
        times) ``WaitForRateLimit`` tells the worker to put the item back without
        counting an attempt.
        """
        rate_limited = 0
        while True:
            wait = self.paused_until(sub.id) - time.time()
            if wait > self.max_inline_wait:
                raise WaitForRateLimit(
                    f"calls of {sub.name} are paused for {wait:.1f} s", retry_after=wait
                )
            if wait > 0:
                await asyncio.sleep(wait)
            if sub.throttle_rate:
                await self._rate_slot(sub)
            slot = await self._concurrency_slot(sub) if sub.throttle_concurrency else None
            try:
                return await make_call()
            except RateLimitedError as exc:
                rate_limited += 1
                delay = exc.retry_after if exc.retry_after is not None else 1.0
                self.pause(sub.id, delay)
                if delay > self.max_inline_wait or rate_limited >= self.max_rate_limited:
                    raise WaitForRateLimit(str(exc), retry_after=delay) from exc
            finally:
                if slot is not None:
                    with self._engine.begin() as conn:
                        TransferStore(conn).release_slot(sub.id, slot, self._holder)

    async def _rate_slot(self, sub: SubscriptionInfo) -> None:
        period = 60.0 if sub.throttle_period == "minute" else 1.0
        interval = period / float(sub.throttle_rate or 1.0)
        with self._engine.begin() as conn:
            start = TransferStore(conn).reserve_calls(sub.id, interval, 1, time.time())
        wait = start - time.time()
        if wait > 0:
            await asyncio.sleep(wait)

    async def _concurrency_slot(self, sub: SubscriptionInfo) -> int:
        limit = int(sub.throttle_concurrency or 1)
        delay = 0.01
        while True:
            with self._engine.begin() as conn:
                slot = TransferStore(conn).acquire_slot(
                    sub.id, limit, self._holder, time.time(), self.slot_hold_seconds
                )
            if slot is not None:
                return slot
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.2)
