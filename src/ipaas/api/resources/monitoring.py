"""``/api/v1/monitoring``: figures per subscription over time (records in and out, errors,
latency, throttling) and a summary for your company or, for a MiSP, its subscribers."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import Query
from pydantic import BaseModel

from ipaas.api.context import Ctx
from ipaas.api.routing import MAX_ID, feature_router
from ipaas.domain.roles import Feature
from ipaas.errors import ValidationError
from ipaas.services import monitoring as service

router = feature_router(Feature.MONITORING, "/monitoring", tags=["monitoring"])


class FiguresOut(BaseModel):
    records_in: int
    records_out: int
    errors: int
    error_rate: float
    api_calls: int
    api_call_errors: int
    throttled: int
    latency_p50_ms: float | None
    latency_p95_ms: float | None
    api_call_p50_ms: float | None

    @classmethod
    def of(cls, f: service.Figures) -> FiguresOut:
        return cls(
            records_in=f.records_in,
            records_out=f.records_out,
            errors=f.errors,
            error_rate=f.error_rate,
            api_calls=f.api_calls,
            api_call_errors=f.api_call_errors,
            throttled=f.throttled,
            latency_p50_ms=f.latency(0.5),
            latency_p95_ms=f.latency(0.95),
            api_call_p50_ms=f.latency(0.5, f.call_ms),
        )


class BucketOut(FiguresOut):
    start: datetime


class TimelineOut(BaseModel):
    since: datetime
    until: datetime
    bucket: str
    buckets: list[BucketOut]


class SubscriptionSummaryOut(BaseModel):
    subscription_id: int
    company_id: int
    name: str
    paused: bool
    pending: int
    in_error: int
    oldest_pending_at: datetime | None
    figures: FiguresOut


class CompanySummaryOut(BaseModel):
    company_id: int
    figures: FiguresOut
    subscriptions: list[SubscriptionSummaryOut]


class SummaryOut(BaseModel):
    since: datetime
    until: datetime
    companies: list[CompanySummaryOut]


def _aware(name: str, value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise ValidationError(f"{name} needs a time zone, e.g. 2026-01-31T12:00:00Z", field=name)
    return value


@router.get("/timeline", response_model=TimelineOut)
def timeline(
    ctx: Ctx,
    subscription_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    since: datetime | None = None,
    until: datetime | None = None,
    bucket: service.Bucket = "hour",
) -> TimelineOut:
    """Figures per bucket (minute, hour, day) of one subscription or all of yours; the last
    24 hours unless ``since``/``until`` say otherwise."""
    start, end = service.window(_aware("since", since), _aware("until", until), timedelta(hours=24))
    rows = service.timeline(ctx.uow, ctx.tenant, subscription_id, start, end, bucket)
    return TimelineOut(
        since=start,
        until=end,
        bucket=bucket,
        buckets=[BucketOut(start=at, **FiguresOut.of(f).model_dump()) for at, f in rows],
    )


@router.get("/summary", response_model=SummaryOut)
def summary(ctx: Ctx, since: datetime | None = None, until: datetime | None = None) -> SummaryOut:
    """Per company and subscription: records in and out, errors, throttling, and the queue
    now. A MiSP acting in its own company gets every subscriber it manages."""
    start, end = service.window(_aware("since", since), _aware("until", until), timedelta(hours=24))
    rows = service.summary(ctx.uow, ctx.tenant, start, end)
    companies: dict[int, list[service.SubscriptionSummary]] = {}
    for row in rows:
        companies.setdefault(row.company_id, []).append(row)
    out = []
    for company_id, subs in sorted(companies.items()):
        total = service.Figures()
        for s in subs:
            for name in (
                "records_in",
                "records_out",
                "errors",
                "api_calls",
                "api_call_errors",
                "throttled",
            ):
                setattr(total, name, getattr(total, name) + getattr(s.figures, name))
            total.latency_ms.extend(s.figures.latency_ms)
            total.call_ms.extend(s.figures.call_ms)
        out.append(
            CompanySummaryOut(
                company_id=company_id,
                figures=FiguresOut.of(total),
                subscriptions=[
                    SubscriptionSummaryOut(
                        subscription_id=s.subscription_id,
                        company_id=s.company_id,
                        name=s.name,
                        paused=s.paused,
                        pending=s.pending,
                        in_error=s.in_error,
                        oldest_pending_at=s.oldest_pending_at,
                        figures=FiguresOut.of(s.figures),
                    )
                    for s in subs
                ],
            )
        )
    return SummaryOut(since=start, until=end, companies=out)
