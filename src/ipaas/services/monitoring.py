"""Monitoring figures per subscription over time buckets (records in and out, errors,
latency, throttling) and summaries for a company or, for a MiSP, across its subscribers."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal

from ipaas.domain.accounts import TenantScope
from ipaas.errors import ValidationError
from ipaas.services.queue import subscription_ids
from ipaas.store import monitoring as queries
from ipaas.store.catalog import CatalogRepository
from ipaas.store.unit_of_work import UnitOfWork

Bucket = Literal["minute", "hour", "day"]
_SIZES = {"minute": timedelta(minutes=1), "hour": timedelta(hours=1), "day": timedelta(days=1)}
MAX_BUCKETS = 2000


@dataclass
class Figures:
    """Counts of one bucket (or one whole window)."""

    records_in: int = 0
    records_out: int = 0
    errors: int = 0
    api_calls: int = 0
    api_call_errors: int = 0
    throttled: int = 0
    latency_ms: list[float] = field(default_factory=list, repr=False)
    call_ms: list[float] = field(default_factory=list, repr=False)

    @property
    def error_rate(self) -> float:
        finished = self.records_in + self.records_out + self.errors
        return round(self.errors / finished, 4) if finished else 0.0

    def latency(self, quantile: float, values: list[float] | None = None) -> float | None:
        data = sorted(self.latency_ms if values is None else values)
        if not data:
            return None
        return round(data[min(len(data) - 1, int(quantile * len(data)))], 1)


def _floor(at: datetime, size: timedelta) -> datetime:
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    return epoch + ((at - epoch) // size) * size


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def collect(
    uow: UnitOfWork, subs: list[int], since: datetime, until: datetime
) -> list[tuple[int, datetime, str, float | None]]:
    """(subscription, time, kind, value) events of the window, kind one of records_in,
    records_out, errors, api_calls, api_call_errors, throttled, latency, call_ms."""
    events: list[tuple[int, datetime, str, float | None]] = []
    for item in queries.finished_items(uow.conn, subs, since, until):
        at = _aware(item.finished_at)
        if item.state == "done":
            kind = "records_in" if item.direction == "to_hub" else "records_out"
            events.append((item.subscription_id, at, kind, None))
            latency = (at - _aware(item.created_at)).total_seconds() * 1000
            events.append((item.subscription_id, at, "latency", latency))
        elif item.state == "error":
            events.append((item.subscription_id, at, "errors", None))
    for sub, at, status, duration, error in queries.call_times(uow.conn, subs, since, until):
        at = _aware(at)
        events.append((sub, at, "api_calls", None))
        events.append((sub, at, "call_ms", duration))
        if error or status is None or status >= 400:
            events.append((sub, at, "api_call_errors", None))
        if status == 429:
            events.append((sub, at, "throttled", None))
    for sub, at in queries.wait_notes(uow.conn, subs, since, until):
        events.append((sub, _aware(at), "throttled", None))
    return events


def _add(figures: Figures, kind: str, value: float | None) -> None:
    if kind == "latency":
        figures.latency_ms.append(value or 0.0)
    elif kind == "call_ms":
        figures.call_ms.append(value or 0.0)
    else:
        setattr(figures, kind, getattr(figures, kind) + 1)


def window(
    since: datetime | None, until: datetime | None, default: timedelta
) -> tuple[datetime, datetime]:
    """The window asked for (aware times), ``default`` long and ending now when not given."""
    end = until or datetime.now(UTC)
    start = since or end - default
    if start >= end:
        raise ValidationError("since must be before until", field="since")
    if end - start > timedelta(days=92):
        raise ValidationError("the window may be at most 92 days", field="since")
    return start, end


def timeline(
    uow: UnitOfWork,
    scope: TenantScope,
    subscription_id: int | None,
    since: datetime,
    until: datetime,
    bucket: Bucket,
) -> list[tuple[datetime, Figures]]:
    """Figures per time bucket of the scope's subscriptions (or one)."""
    size = _SIZES[bucket]
    if (until - since) / size > MAX_BUCKETS:
        raise ValidationError(
            f"at most {MAX_BUCKETS} buckets: choose a larger bucket", field="bucket"
        )
    subs = subscription_ids(uow, scope, subscription_id)
    buckets: dict[datetime, Figures] = {}
    start = _floor(since, size)
    at = start
    while at < until:
        buckets[at] = Figures()
        at += size
    for _sub, when, kind, value in collect(uow, subs, since, until):
        _add(buckets.setdefault(_floor(when, size), Figures()), kind, value)
    return sorted(buckets.items())


@dataclass
class SubscriptionSummary:
    subscription_id: int
    company_id: int
    name: str
    paused: bool
    figures: Figures
    pending: int = 0
    in_error: int = 0
    oldest_pending_at: datetime | None = None


def summary(
    uow: UnitOfWork, scope: TenantScope, since: datetime, until: datetime
) -> list[SubscriptionSummary]:
    """Figures of the window and the queue now, per subscription of the scope's companies
    (a MiSP in its own company sees every subscriber it manages)."""
    catalog = CatalogRepository(uow.conn)
    subs = catalog.subscriptions(scope, 0, 100_000)
    by_id = {
        s.id: SubscriptionSummary(s.id, s.company_id, s.name, s.paused, Figures()) for s in subs
    }
    figures: dict[int, Figures] = defaultdict(Figures)
    for sub, _when, kind, value in collect(uow, list(by_id), since, until):
        _add(figures[sub], kind, value)
    for sub, found in figures.items():
        by_id[sub].figures = found
    for depth in queries.queue_depth(uow.conn, list(by_id)):
        entry = by_id[depth.subscription_id]
        entry.pending += depth.pending
        entry.in_error += depth.error
        if depth.oldest_pending_at and (
            entry.oldest_pending_at is None or depth.oldest_pending_at < entry.oldest_pending_at
        ):
            entry.oldest_pending_at = depth.oldest_pending_at
    return list(by_id.values())
