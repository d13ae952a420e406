"""The scheduler: one leader among all processes runs due polls and scheduled events.

Leadership is a lease row (``leases.name = 'scheduler'``) renewed every tick; it works on
SQLite and PostgreSQL, and a crashed leader is replaced once its lease expires. Each poll
also holds its own lease, so even a manual ``ipaas poll`` never overlaps the scheduler.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import timedelta

from ipaas.bootstrap import Hub
from ipaas.notifications import evaluate_rules
from ipaas.store.triggers import PollState, ScheduledEvent, TriggerRepository
from ipaas.store.types import utcnow
from ipaas.triggers.polling import (
    ConnectorSource,
    next_run,
    poll_once,
    process_id,
    release_lease,
    take_lease,
)
from ipaas.triggers.scheduled import run_scheduled_event

log = logging.getLogger(__name__)

LEADER_LEASE = "scheduler"


async def _run_poll(
    hub: Hub, state: PollState, provider: ConnectorSource | None, holder: str
) -> None:
    error = None
    try:
        await poll_once(
            hub, state.subscription_id, state.data_type, provider=provider, holder=holder
        )
    except Exception as failure:
        log.warning(
            "poll of %s for subscription %s failed: %s",
            state.data_type,
            state.subscription_id,
            failure,
        )
        error = f"{type(failure).__name__}: {failure}"[:1000]
    now = utcnow()

    def finish() -> None:
        with hub.unit_of_work() as uow:
            TriggerRepository(uow.conn).finish_poll(
                state.id,
                at=now,
                next_run_at=next_run(state.interval_seconds, state.cron, now),
                error=error,
            )
            uow.commit()

    await asyncio.to_thread(finish)


def _due(hub: Hub) -> tuple[list[PollState], list[ScheduledEvent]]:
    now = utcnow()
    with hub.unit_of_work() as uow:
        repo = TriggerRepository(uow.conn)
        return repo.due_polls(now), repo.scheduled_events(due_at=now)


async def scheduler_tick(
    hub: Hub, *, provider: ConnectorSource | None = None, holder: str, lease_ttl: timedelta
) -> bool:
    """One round: if this process leads, run everything due. Returns whether it leads."""
    if not await asyncio.to_thread(take_lease, hub, LEADER_LEASE, holder, lease_ttl):
        return False
    polls, events = await asyncio.to_thread(_due, hub)
    for state in polls:
        await _run_poll(hub, state, provider, holder)
    for event in events:
        await run_scheduled_event(hub, event, provider)
    return True


async def evaluate_alerts(hub: Hub) -> None:
    """Check the alert rules (``ipaas.notifications.evaluate_rules``); a failure is logged,
    never raised, so a broken rule or sink cannot stop polling."""
    try:
        fired = await asyncio.to_thread(evaluate_rules, hub)
    except Exception:
        log.exception("alert rule evaluation failed")
        return
    for firing in fired:
        if not firing.delivered:
            log.warning(
                "alert rule %s fired but was not delivered: %s", firing.rule_id, firing.error
            )


async def run_scheduler(
    hub: Hub,
    stop_event: asyncio.Event,
    *,
    provider: ConnectorSource | None = None,
    tick_seconds: float = 1.0,
    lease_ttl: timedelta = timedelta(seconds=30),
    holder: str | None = None,
    alert_seconds: float = 30.0,
) -> None:
    """Run due polls and scheduled events until ``stop_event`` is set (for ``ipaas serve``);
    the leader also checks the alert rules every ``alert_seconds``."""
    holder = holder or process_id()
    alerts_due = time.monotonic() + alert_seconds
    try:
        while not stop_event.is_set():
            leads = False
            try:
                leads = await scheduler_tick(
                    hub, provider=provider, holder=holder, lease_ttl=lease_ttl
                )
            except Exception:
                log.exception("scheduler round failed")
            # Only the leader evaluates, so one breach sends one alert across processes.
            if leads and time.monotonic() >= alerts_due:
                alerts_due = time.monotonic() + alert_seconds
                await evaluate_alerts(hub)
            try:
                await asyncio.wait_for(stop_event.wait(), timeout=tick_seconds)
            except TimeoutError:
                pass
    finally:
        await asyncio.to_thread(release_lease, hub, LEADER_LEASE, holder)
