"""A group-commit writer: concurrent requests hand their events to one writer task,
which commits them in one transaction per batch and wakes every waiter.

One commit per batch instead of one per request is what lets SQLite (one writer at a
time) accept thousands of webhooks a second. The task runs only while there is work: it
ends when its list is empty and the next submit starts a new one, so nothing lingers
after an event loop closes.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from ipaas.bootstrap import Hub
from ipaas.store.triggers import TriggerRepository
from ipaas.triggers.intake import InboundEvent, Outcome, commit_events

log = logging.getLogger(__name__)

MAX_BATCH_EVENTS = 2_000


@dataclass(slots=True)
class _Job:
    events: list[InboundEvent]
    rejections: list[dict[str, Any]]
    done: asyncio.Future[list[Outcome]] = field(repr=False)


class IntakeWriter:
    """Commits webhook events and rejections of many requests in shared transactions."""

    def __init__(self, hub: Hub, *, max_batch: int = MAX_BATCH_EVENTS) -> None:
        self._hub = hub
        self._max_batch = max_batch
        self._jobs: deque[_Job] = deque()
        self._task: asyncio.Task[None] | None = None
        self.batches = 0
        self.committed = 0

    async def submit(self, events: list[InboundEvent]) -> list[Outcome]:
        """Enqueue ``events``; returns once they are committed (or raises why not)."""
        return await self._add(events, [])

    async def reject(self, rejection: dict[str, Any]) -> None:
        """Record a refused webhook (committed with the next batch)."""
        await self._add([], [rejection])

    async def _add(
        self, events: list[InboundEvent], rejections: list[dict[str, Any]]
    ) -> list[Outcome]:
        loop = asyncio.get_running_loop()
        job = _Job(events, rejections, loop.create_future())
        self._jobs.append(job)
        if self._task is None or self._task.done():
            self._task = loop.create_task(self._run())
        return await job.done

    async def _run(self) -> None:
        while self._jobs:
            batch: list[_Job] = []
            size = 0
            while self._jobs and (not batch or size + len(self._jobs[0].events) <= self._max_batch):
                job = self._jobs.popleft()
                batch.append(job)
                size += len(job.events) + len(job.rejections)
            results: list[list[Outcome] | BaseException]
            try:
                results = list(await asyncio.to_thread(self._commit, batch))
            except Exception:
                log.exception("webhook batch failed; committing its requests one by one")
                results = [await self._commit_alone(job) for job in batch]
            for job, result in zip(batch, results, strict=True):
                if job.done.done():
                    continue
                if isinstance(result, BaseException):
                    job.done.set_exception(result)
                else:
                    job.done.set_result(result)

    async def _commit_alone(self, job: _Job) -> list[Outcome] | BaseException:
        try:
            return (await asyncio.to_thread(self._commit, [job]))[0]
        except Exception as error:
            return error

    def _commit(self, batch: list[_Job]) -> list[list[Outcome]]:
        events = [e for job in batch for e in job.events]
        rejections = [r for job in batch for r in job.rejections]
        # A concurrent process may insert the same event id between our check and
        # insert; the unique key refuses it, and the second try sees it as a repeat.
        for attempt in range(2):
            try:
                with self._hub.unit_of_work() as uow:
                    outcomes = commit_events(uow, events)
                    TriggerRepository(uow.conn).add_rejections(rejections)
                    uow.commit()
                break
            except sa.exc.IntegrityError:
                if attempt:
                    raise
        self.batches += 1
        self.committed += len(events)
        results: list[list[Outcome]] = []
        start = 0
        for job in batch:
            results.append(outcomes[start : start + len(job.events)])
            start += len(job.events)
        return results
