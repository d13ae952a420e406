"""Polling: ask a connector what changed since the stored watermark and enqueue it.

Each page's records and the watermark after them are committed in one transaction, so a
crash between pages resumes exactly after the last committed page: no gap, no repeat.
A lease row per (subscription, data type) keeps two processes from polling the same
thing at once (it works on SQLite and PostgreSQL alike).
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

import sqlalchemy as sa
from croniter import croniter

from ipaas.bootstrap import Hub
from ipaas.connectors.base import Connector, ExternalRecord
from ipaas.domain import Method, get_data_type
from ipaas.errors import ConfigurationError, ConflictError, ValidationError
from ipaas.store.triggers import PollState, TriggerRepository
from ipaas.store.types import utcnow
from ipaas.triggers.intake import InboundEvent, commit_events

log = logging.getLogger(__name__)

POLL_LEASE_TTL = timedelta(minutes=2)


class ConnectorSource(Protocol):
    """Anything that gives a subscription's connector (the hub's ``ConnectorProvider``)."""

    def get(self, subscription_id: int) -> Connector:
        """The connector of ``subscription_id``."""
        ...


@dataclass(frozen=True, slots=True)
class PollResult:
    """What one poll did."""

    pages: int
    records: int
    enqueued: int
    watermark: str | None


def process_id() -> str:
    """A name for this process in lease rows: host, pid and a random part."""
    return f"{socket.gethostname()}:{os.getpid()}:{os.urandom(3).hex()}"


def connector_source(hub: Hub, provider: ConnectorSource | None = None) -> ConnectorSource:
    """``provider``, else the hub's connector provider."""
    found = provider or getattr(hub, "connectors", None) or hub.extras.get("connector_provider")
    if found is None:
        raise ConfigurationError("the hub has no connector provider", field="connectors")
    return found  # type: ignore[return-value]


def next_run(state_interval: float | None, cron: str | None, after: datetime) -> datetime | None:
    """When a schedule (interval seconds or cron expression) is due next after ``after``."""
    if cron:
        result: datetime = croniter(cron, after).get_next(datetime)
        return result
    if state_interval:
        return after + timedelta(seconds=state_interval)
    return None


def validate_schedule(interval_seconds: float | None, cron: str | None) -> None:
    """Exactly one of an interval (> 0) or a valid cron expression."""
    if (interval_seconds is None) == (cron is None):
        raise ValidationError("give an interval or a cron expression", field="schedule")
    if interval_seconds is not None and interval_seconds <= 0:
        raise ValidationError("the interval must be positive", field="interval_seconds")
    if cron is not None and not croniter.is_valid(cron):
        raise ValidationError(f"{cron!r} is not a cron expression", field="cron")


def configure_polling(
    hub: Hub,
    subscription_id: int,
    data_type: str,
    *,
    interval_seconds: float | None = None,
    cron: str | None = None,
    lookback_seconds: float = 0.0,
    enabled: bool = True,
) -> PollState:
    """Set the polling schedule of one (subscription, data type); the watermark is kept."""
    get_data_type(data_type)
    validate_schedule(interval_seconds, cron)
    with hub.unit_of_work() as uow:
        state = TriggerRepository(uow.conn).configure_poll(
            subscription_id,
            data_type,
            interval_seconds=interval_seconds,
            cron=cron,
            lookback_seconds=lookback_seconds,
            enabled=enabled,
            next_run_at=utcnow(),
        )
        uow.commit()
    return state


def _first_since(state: PollState | None, now: datetime) -> str | None:
    if state is not None and state.watermark is not None:
        return state.watermark
    if state is not None and state.lookback_seconds > 0:
        # First poll: only what changed in the look-back window (an ISO timestamp).
        return (now - timedelta(seconds=state.lookback_seconds)).isoformat()
    return None


def _events(
    subscription_id: int, data_type: str, records: list[ExternalRecord]
) -> list[InboundEvent]:
    return [
        InboundEvent(
            subscription_id=subscription_id,
            data_type=data_type,
            external_id=r.external_id,
            method=Method.DELETE if r.deleted else Method.UPDATE,
            scope=f"{data_type}/{'deleted' if r.deleted else 'poll'}",
            payload=None if r.deleted else r.body,
            trigger="poll",
        )
        for r in records
    ]


def take_lease(hub: Hub, name: str, holder: str, ttl: timedelta) -> bool:
    """Take or renew lease ``name`` for ``holder`` in its own transaction."""
    try:
        with hub.unit_of_work() as uow:
            taken = TriggerRepository(uow.conn).try_lease(name, holder, ttl)
            uow.commit()
            return taken
    except sa.exc.IntegrityError:
        return False


def release_lease(hub: Hub, name: str, holder: str) -> None:
    """Give lease ``name`` up if ``holder`` holds it."""
    with hub.unit_of_work() as uow:
        TriggerRepository(uow.conn).release_lease(name, holder)
        uow.commit()


def _commit_page(
    hub: Hub,
    state_id: int,
    subscription_id: int,
    data_type: str,
    records: list[ExternalRecord],
    watermark: str | None,
    lease: str,
    holder: str,
) -> int:
    with hub.unit_of_work() as uow:
        repo = TriggerRepository(uow.conn)
        # Renewing the lease in the page's transaction: if another process took it over
        # (we stalled past the TTL), nothing of this page is committed.
        if not repo.try_lease(lease, holder, POLL_LEASE_TTL):
            raise ConflictError(f"another process took over polling {data_type}")
        outcomes = commit_events(uow, _events(subscription_id, data_type, records))
        repo.advance_watermark(state_id, watermark, len(records))
        uow.commit()
    return sum(1 for o in outcomes if not o.duplicate)


def _ensure_state(hub: Hub, subscription_id: int, data_type: str) -> PollState:
    with hub.unit_of_work() as uow:
        repo = TriggerRepository(uow.conn)
        state = repo.poll_state(subscription_id, data_type)
        if state is None:
            state = repo.configure_poll(subscription_id, data_type, enabled=False)
            uow.commit()
        return state


async def poll_once(
    hub: Hub,
    subscription_id: int,
    data_type: str,
    *,
    provider: ConnectorSource | None = None,
    holder: str | None = None,
    max_pages: int | None = None,
) -> PollResult | None:
    """Poll one (subscription, data type) from its watermark to the end (or ``max_pages``).

    Returns None when another process is polling it right now.
    """
    get_data_type(data_type)
    connector = connector_source(hub, provider).get(subscription_id)
    holder = holder or process_id()
    lease = f"poll:{subscription_id}:{data_type}"
    if not await asyncio.to_thread(take_lease, hub, lease, holder, POLL_LEASE_TTL):
        return None
    try:
        state = await asyncio.to_thread(_ensure_state, hub, subscription_id, data_type)
        since = _first_since(state, utcnow())
        pages = records = enqueued = 0
        watermark = since
        async for page in connector.poll(data_type, since):
            # A page without a watermark keeps the last one (never rewinds to the start).
            if page.watermark is not None:
                watermark = page.watermark
            enqueued += await asyncio.to_thread(
                _commit_page,
                hub,
                state.id,
                subscription_id,
                data_type,
                page.records,
                watermark,
                lease,
                holder,
            )
            pages += 1
            records += len(page.records)
            if max_pages is not None and pages >= max_pages:
                break
        return PollResult(pages, records, enqueued, watermark)
    finally:
        await asyncio.to_thread(release_lease, hub, lease, holder)
