"""``TransferEngine``: claims a batch of queue items and carries each one through.

One batch is three steps, so database work is shared by the whole batch and no
transaction is ever open while a call to an external system is awaited:

1. claim (one transaction): lease items, fold pending updates into them (coalesce),
   plan every from_hub delivery (filters, mapping, prerequisites);
2. call (no transaction): read to_hub records, write from_hub records, concurrently,
   each within its subscription's throttle and with ``call_context`` set;
3. store (one transaction): to_hub records into the hub with fan-out, from_hub links,
   item states and log lines, with a few multi-row statements for the whole batch
   (``batch_store``). A group whose writes fail is stored again item by item, each in a
   savepoint, so one bad record never undoes the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from ipaas.bootstrap import Hub
from ipaas.connectors.base import CallContext, call_context
from ipaas.domain import Direction, Method, RetryPolicy
from ipaas.errors import IpaasError, RetriableError
from ipaas.store import UnitOfWork
from ipaas.store.queue import QueueItem
from ipaas.store.records import HubRecord
from ipaas.store.transfer import TransferStore
from ipaas.store.types import utcnow
from ipaas.transfer.batch_store import store_batch
from ipaas.transfer.directory import SubscriptionDirectory
from ipaas.transfer.from_hub import Delivered, Delivery, plan_delivery, send, store_delivery
from ipaas.transfer.logs import LogBuffer
from ipaas.transfer.outcome import Outcome, failed, wait
from ipaas.transfer.provider import ConnectorProvider
from ipaas.transfer.throttle import SubscriptionThrottle, WaitForRateLimit
from ipaas.transfer.to_hub import BatchWrites, handle_to_hub

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class WorkerOptions:
    """How workers claim and retry. ``batch_size`` items are claimed at once per task.

    ``retry_policy`` None means the hub's settings (``retry_max_attempts``,
    ``retry_base_delay``). While a batch's calls run, its leases are renewed every
    ``lease_seconds / 3`` so a slow external system does not hand the items to another
    worker.
    """

    batch_size: int = 50
    lease_seconds: float = 120.0
    retry_policy: RetryPolicy | None = None
    poll_interval: float = 0.005
    max_poll_interval: float = 0.2
    prerequisite_delay: float = 0.05
    maintenance_interval: float = 5.0


def new_worker_id() -> str:
    """A name for this worker process, shown as ``leased_by``."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


@dataclass
class _Work:
    item: QueueItem
    outcome: Outcome | None = None
    body: dict[str, Any] | None = None
    delivery: Delivery | None = None
    answer: Delivered | None = None


class TransferEngine:
    """Carries queue items through; one per worker process, shared by its tasks."""

    def __init__(
        self,
        hub: Hub,
        provider: ConnectorProvider,
        options: WorkerOptions | None = None,
        *,
        worker_id: str | None = None,
    ) -> None:
        self.hub = hub
        self.provider = provider
        self.options = options or WorkerOptions()
        self.retry_policy = self.options.retry_policy or RetryPolicy(
            max_attempts=hub.settings.retry_max_attempts,
            base_delay=hub.settings.retry_base_delay,
        )
        self.worker_id = worker_id or new_worker_id()
        self.directory = SubscriptionDirectory()
        self.throttle = SubscriptionThrottle(
            hub.engine, self.worker_id, slot_hold_seconds=self.options.lease_seconds
        )

    # --- one batch ----------------------------------------------------------------------

    async def run_once(self) -> int:
        """Claim and process one batch; returns how many items it held."""
        works = self._claim()
        if not works:
            return 0
        calls = [self._call(w) for w in works if w.outcome is None]
        if calls:
            heartbeat = asyncio.create_task(self._heartbeat([w.item.id for w in works]))
            try:
                await asyncio.gather(*calls)
            finally:
                heartbeat.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await heartbeat
        self._store(works)
        return len(works)

    async def _heartbeat(self, ids: list[int]) -> None:
        """Renew the batch's leases while its calls run (only long calls see a beat)."""
        lease = self.options.lease_seconds
        while True:
            await asyncio.sleep(lease / 3)
            try:
                with self.hub.unit_of_work() as uow:
                    uow.queue.extend_leases(
                        ids, self.worker_id, utcnow() + timedelta(seconds=lease)
                    )
                    uow.commit()
            except sa.exc.DBAPIError as exc:
                log.warning("could not renew leases (%s)", type(exc).__name__)

    def _claim(self) -> list[_Work]:
        opts = self.options
        with self.hub.unit_of_work() as uow:
            items = uow.queue.claim(self.worker_id, opts.batch_size, opts.lease_seconds)
            if not items:
                uow.commit()
                return []
            followers = uow.queue.coalesce(items)
            self.throttle.refresh(uow.conn, sorted({i.subscription_id for i in items}))
            works = [_Work(i) for i in items]
            logs = LogBuffer()
            for work in works:
                newer = followers.get(work.item.id)
                if newer:
                    logs.note(work.item, "coalesced", {"items": [f.id for f in newer]})
                    payload = newer[-1].payload
                    work.item = _with_payload(work.item, payload)
            self._plan(uow, works, logs)
            logs.flush(TransferStore(uow.conn))
            uow.commit()
        return works

    def _plan(self, uow: UnitOfWork, works: list[_Work], logs: LogBuffer) -> None:
        from_hub = [w for w in works if w.item.direction is Direction.FROM_HUB]
        if not from_hub:
            return
        store = TransferStore(uow.conn)
        records: dict[int, HubRecord] = store.hub_records_by_id(
            [int(w.item.record_key) for w in from_hub if w.item.record_key.isdigit()]
        )
        links: dict[tuple[int, str], dict[int, tuple[str, str | None]]] = {}
        for sub_id, data_type in {(w.item.subscription_id, w.item.data_type) for w in from_hub}:
            ids = [
                int(w.item.record_key)
                for w in from_hub
                if (w.item.subscription_id, w.item.data_type) == (sub_id, data_type)
                and w.item.record_key.isdigit()
            ]
            links[(sub_id, data_type)] = store.links_by_hub_id(sub_id, data_type, ids)
        for work in from_hub:
            try:
                planned = plan_delivery(
                    uow,
                    self.directory,
                    logs,
                    work.item,
                    records,
                    links,
                    self.options.prerequisite_delay,
                )
            except IpaasError as exc:
                planned = failed(exc)
            if isinstance(planned, Delivery):
                work.delivery = planned
            else:
                work.outcome = planned

    async def _call(self, work: _Work) -> None:
        item = work.item
        token = call_context.set(
            CallContext(
                subscription_id=item.subscription_id,
                queue_item_id=item.id,
                tracking_id=item.tracking_id,
                data_type=item.data_type,
                record_key=item.record_key,
                debug=item.debug,
            )
        )
        try:
            connector = self.provider.get(item.subscription_id)
            if work.delivery is not None:
                work.answer = await send(work.delivery, connector, self.throttle)
            elif item.method is not Method.DELETE and item.payload is None:
                sub = self.directory.info_cached(item.subscription_id)
                if sub is None:
                    with self.hub.engine.connect() as conn:
                        sub = self.directory.info(conn, item.subscription_id)
                found = await self.throttle.call(
                    sub, lambda: connector.read(item.data_type, item.record_key)
                )
                work.body = found.body
            else:
                work.body = item.payload
        except WaitForRateLimit as exc:
            work.outcome = wait(f"rate limited: {exc}", exc.retry_after or 1.0)
        except (sa.exc.OperationalError, sa.exc.InterfaceError, sa.exc.PendingRollbackError) as exc:
            # A lost database connection (the throttle's, or a connector's own; the
            # pool reports one cut mid-transaction as PendingRollbackError) is transient:
            # try again rather than give up on the record.
            work.outcome = failed(RetriableError(f"database unavailable: {type(exc).__name__}"))
        except Exception as exc:
            work.outcome = failed(exc)
        finally:
            call_context.reset(token)

    def _store(self, works: list[_Work]) -> None:
        try:
            with self.hub.unit_of_work() as uow:
                self._store_in(uow, works)
                uow.commit()
        except sa.exc.DBAPIError as exc:
            if getattr(exc, "connection_invalidated", False):
                raise
            # A deadlock or conflict between batches: store item by item instead.
            log.warning("storing a batch failed (%s); storing its items one by one", exc)
            for work in works:
                with self.hub.unit_of_work() as uow:
                    self._store_in(uow, [work])
                    uow.commit()

    def _store_in(self, uow: UnitOfWork, works: list[_Work]) -> None:
        store = TransferStore(uow.conn)
        writes = BatchWrites(uow, store, self.directory, LogBuffer())
        done_ids: list[int] = []
        pending = [w for w in works if w.outcome is None]
        stored = store_batch(writes, pending, lambda work: self._store_one(writes, work))
        for work in works:
            outcome = work.outcome or stored[work.item.id]
            self._apply(writes, work.item, outcome, done_ids)
            if work.item.debug:
                writes.logs.note(
                    work.item,
                    "debug",
                    {
                        "source": work.body,
                        "sent": work.delivery.output if work.delivery else None,
                        "answer_id": work.answer.external_id if work.answer else None,
                    },
                )
        uow.queue.complete(done_ids, self.worker_id)
        if writes.fan_out:
            uow.queue.append_many(writes.fan_out)  # no ids needed: one executemany
        writes.logs.flush(store)

    def _store_one(self, writes: BatchWrites, work: _Work) -> Outcome:
        savepoint = writes.uow.conn.begin_nested()
        fan_out_mark = len(writes.fan_out)
        try:
            if work.item.direction is Direction.TO_HUB:
                outcome = handle_to_hub(writes, work.item, work.body)
            else:
                assert work.delivery is not None
                assert work.answer is not None
                outcome = store_delivery(writes, work.delivery, work.answer)
        except sa.exc.IntegrityError as exc:
            savepoint.rollback()
            del writes.fan_out[fan_out_mark:]
            # Usually two workers storing the same new record at once: try again.
            return failed(RetriableError(f"conflict while storing: {exc.orig}"))
        except sa.exc.OperationalError:
            raise
        except Exception as exc:
            savepoint.rollback()
            del writes.fan_out[fan_out_mark:]
            return failed(exc)
        if outcome.kind == "done":
            savepoint.commit()
        else:
            savepoint.rollback()
            del writes.fan_out[fan_out_mark:]
        return outcome

    def _apply(
        self, writes: BatchWrites, item: QueueItem, outcome: Outcome, done_ids: list[int]
    ) -> None:
        queue = writes.uow.queue
        now = utcnow()
        if outcome.kind == "done":
            done_ids.append(item.id)
            writes.logs.say(item, outcome.message, hub_record_id=outcome.hub_record_id)
            return
        if outcome.kind == "wait":
            queue.reschedule(
                item.id,
                self.worker_id,
                now + timedelta(seconds=outcome.delay),
                outcome.message,
                count_attempt=False,
            )
            writes.logs.note(item, "wait", {"reason": outcome.message, "delay": outcome.delay})
            return
        error = outcome.error or RuntimeError(outcome.message)
        policy = self.retry_policy
        decision = policy.decide(error, item.attempts)
        text = _describe(error)
        if decision.retry:
            queue.reschedule(
                item.id,
                self.worker_id,
                now + timedelta(seconds=decision.delay),
                f"attempt {item.attempts} of {policy.max_attempts} failed: {text}; "
                f"next try in {decision.delay:.1f} s",
            )
            writes.logs.note(
                item,
                "retry",
                {"attempt": item.attempts, "error": text, "delay": decision.delay},
                level="warning",
            )
            return
        kind = "permanent" if not isinstance(error, RetriableError) else "gave up"
        reason = (
            f"{kind} after {item.attempts} attempt(s): {text} "
            f"(api calls are recorded under queue item {item.id})"
        )
        queue.fail(item.id, self.worker_id, reason, now=now)
        writes.logs.say(
            item,
            f"{item.data_type.replace('_', ' ')} {item.record_key} failed: {text}",
            level="error",
            hub_record_id=outcome.hub_record_id,
        )
        writes.logs.note(item, "error", {"reason": reason}, level="error")

    # --- upkeep -------------------------------------------------------------------------

    def maintain(self) -> None:
        """Recover expired leases and prune one batch of old items and log lines."""
        settings = self.hub.settings
        with self.hub.unit_of_work() as uow:
            recovered = uow.queue.recover_expired()
            uow.queue.prune_finished(utcnow() - timedelta(hours=settings.done_retention_hours))
            TransferStore(uow.conn).prune_logs(
                utcnow() - timedelta(days=settings.log_retention_days)
            )
            uow.commit()
        if recovered:
            log.warning("%d queue items whose worker stopped are queued again", recovered)


def _with_payload(item: QueueItem, payload: dict[str, Any] | None) -> QueueItem:
    from dataclasses import replace

    return replace(item, payload=payload)


def _describe(error: BaseException) -> str:
    text = f"{type(error).__name__}: {error}"
    field_name = getattr(error, "field", None)
    if field_name:
        text += f" (field {field_name})"
    return text
