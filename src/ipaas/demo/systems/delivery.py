"""Asynchronous webhook delivery of a demo system.

Deliveries run on a private event loop in one background thread, started on first use,
so API calls (and in-process generators outside any event loop) never wait for a
receiver. Each delivery is retried a bounded number of times with doubling backoff;
at most ``webhook_concurrency`` run at once and at most ``webhook_max_pending`` wait
(beyond that new deliveries are dropped and counted). A retry sends the same bytes and
headers, so receivers can recognise it by its message id.

Batches: :meth:`WebhookDispatcher.add_to_batch` collects items per group for
``webhook_batch_window_s`` and then turns them into one delivery (ERP notifications).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from ipaas.demo.systems.settings import DemoSettings


@dataclass(frozen=True)
class Delivery:
    """One webhook POST: where, what and with which headers."""

    url: str
    body: bytes
    headers: dict[str, str]


BatchBuilder = Callable[[list[Any]], Delivery]
"""Turn the items collected for one group into one delivery."""


class WebhookDispatcher:
    """Send webhook deliveries in the background with bounded retries."""

    def __init__(self, settings: DemoSettings, name: str) -> None:
        self._settings = settings
        self._name = name
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._client: httpx.AsyncClient | None = None
        self._semaphore: asyncio.Semaphore | None = None
        self._tasks: set[asyncio.Future[None]] = set()
        self._batches: dict[str, tuple[list[Any], BatchBuilder]] = {}
        self._pending = 0
        self.stats: Counter[str] = Counter()

    def _started_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                thread = threading.Thread(
                    target=loop.run_forever, name=f"{self._name}-webhooks", daemon=True
                )
                thread.start()
                self._loop, self._thread = loop, thread
            return self._loop

    def send(self, delivery: Delivery) -> None:
        """Queue ``delivery``; returns at once."""
        with self._lock:
            if self._pending >= self._settings.webhook_max_pending:
                self.stats["dropped"] += 1
                return
            self._pending += 1
        self._started_loop().call_soon_threadsafe(self._spawn, delivery)

    def add_to_batch(self, group: str, item: Any, build: BatchBuilder) -> None:
        """Add ``item`` to the open batch of ``group``; the batch is sent when its window ends."""
        with self._lock:
            batch = self._batches.get(group)
            if batch is not None:
                batch[0].append(item)
                return
            self._batches[group] = ([item], build)
            self._pending += 1  # the batch counts as pending until it is handed on
        loop = self._started_loop()
        window = self._settings.webhook_batch_window_s
        loop.call_soon_threadsafe(loop.call_later, window, self._flush, group)

    def _flush(self, group: str) -> None:
        with self._lock:
            items, build = self._batches.pop(group)
        self._spawn(build(items))

    def _spawn(self, delivery: Delivery) -> None:
        assert self._loop is not None
        task = asyncio.ensure_future(self._deliver(delivery), loop=self._loop)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _deliver(self, delivery: Delivery) -> None:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self._settings.webhook_timeout_s)
            self._semaphore = asyncio.Semaphore(self._settings.webhook_concurrency)
        assert self._semaphore is not None
        attempts = self._settings.webhook_max_attempts
        try:
            for attempt in range(attempts):
                async with self._semaphore:
                    try:
                        response = await self._client.post(
                            delivery.url, content=delivery.body, headers=delivery.headers
                        )
                        if response.is_success:
                            self.stats["delivered"] += 1
                            return
                    except httpx.HTTPError:
                        pass
                if attempt + 1 < attempts:
                    self.stats["retried"] += 1
                    await asyncio.sleep(self._settings.webhook_backoff_s * 2**attempt)
            self.stats["failed"] += 1
        finally:
            with self._lock:
                self._pending -= 1

    @property
    def pending(self) -> int:
        """Deliveries (and open batches) not yet delivered or given up."""
        with self._lock:
            return self._pending

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Block until nothing is pending (for tests and benchmarks); False on timeout."""
        deadline = time.monotonic() + timeout
        while self.pending and time.monotonic() < deadline:
            time.sleep(0.01)
        return not self.pending

    def close(self) -> None:
        """Cancel what is pending, close the HTTP client and stop the thread."""
        with self._lock:
            loop, thread = self._loop, self._thread
            self._loop = self._thread = None
        if loop is None or thread is None:
            return
        asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()

    async def _shutdown(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._client is not None:
            await self._client.aclose()
            self._client = None
