"""``WorkSignal``: wakes this process's idle worker lanes when new work is committed.

Idle lanes poll the queue with a growing pause (up to ``max_poll_interval``), which other
processes' work still needs. Work enqueued in this process (a webhook, a fan-out, a
manual transfer) wakes them at once instead: ``QueueRepository.enqueue_many`` marks its
connection, and a commit of a marked connection sets an asyncio event in the workers'
loop (thread-safe, since the API may enqueue from a thread pool).
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

from ipaas.store.queue import ENQUEUED_MARK


class WorkSignal:
    """An event set when a transaction that enqueued work commits on ``engine``."""

    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine
        self._loop = asyncio.get_running_loop()
        self.event = asyncio.Event()
        event.listen(engine, "commit", self._on_commit)
        event.listen(engine, "rollback", self._on_rollback)

    def close(self) -> None:
        """Stop listening to the engine."""
        event.remove(self._engine, "commit", self._on_commit)
        event.remove(self._engine, "rollback", self._on_rollback)

    def _on_commit(self, conn: sa.Connection) -> None:
        if conn.info.pop(ENQUEUED_MARK, False):
            self.notify()

    def _on_rollback(self, conn: sa.Connection) -> None:
        conn.info.pop(ENQUEUED_MARK, None)

    def notify(self) -> None:
        """Wake the lanes (from any thread)."""
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self._loop:
            self.event.set()
        elif not self._loop.is_closed():
            with contextlib.suppress(RuntimeError):
                self._loop.call_soon_threadsafe(self.event.set)

    async def wait(self, seconds: float) -> bool:
        """Wait until notified or ``seconds`` pass; True if notified. Clears the event."""
        try:
            await asyncio.wait_for(self.event.wait(), timeout=seconds)
            return True
        except TimeoutError:
            return False
        finally:
            self.event.clear()

    async def follow(self, stop_event: asyncio.Event) -> Any:
        """Wake the lanes when ``stop_event`` is set, so they notice at once."""
        await stop_event.wait()
        self.event.set()
