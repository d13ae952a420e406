"""The api-call log: one row per call the hub made to an external system."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime

import sqlalchemy as sa

from ipaas.store.tables import api_calls


@dataclass(frozen=True, slots=True)
class NewApiCall:
    """One recorded call, as the recording client hands it over (secrets already removed)."""

    at: datetime
    method: str
    url: str
    duration_ms: float
    status: int | None = None
    subscription_id: int | None = None
    queue_item_id: int | None = None
    tracking_id: str | None = None
    data_type: str | None = None
    record_key: str | None = None
    request_bytes: int = 0
    response_bytes: int = 0
    request_excerpt: str | None = None
    response_excerpt: str | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class ApiCall:
    """A stored api-call row."""

    id: int
    at: datetime
    method: str
    url: str
    duration_ms: float
    status: int | None
    subscription_id: int | None
    queue_item_id: int | None
    tracking_id: str | None
    data_type: str | None
    record_key: str | None
    request_bytes: int
    response_bytes: int
    request_excerpt: str | None
    response_excerpt: str | None
    error: str | None


@dataclass(frozen=True, slots=True)
class ApiCallFilter:
    """Which api calls to list; every field left None matches everything.

    ``status`` matches one code; ``status_class`` a class such as 4 (4xx) or 5 (5xx);
    ``failed`` True keeps calls with an error or no status.
    """

    subscription_id: int | None = None
    subscription_ids: Sequence[int] | None = None
    status: int | None = None
    status_class: int | None = None
    failed: bool | None = None
    method: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    tracking_id: str | None = None
    record_key: str | None = None
    data_type: str | None = None
    queue_item_id: int | None = None


@dataclass(frozen=True, slots=True)
class ApiCallPage:
    """One page of api calls, newest first; pass ``next_cursor`` as ``before_id`` for more."""

    items: list[ApiCall]
    next_cursor: int | None


class ApiCallRepository:
    """Writes api-call rows in batches and lists them, newest first."""

    def __init__(self, conn: sa.Connection) -> None:
        self._conn = conn

    def insert_many(self, rows: Sequence[NewApiCall]) -> int:
        """Insert ``rows`` in one statement; returns how many were written."""
        if not rows:
            return 0
        self._conn.execute(sa.insert(api_calls), [asdict(r) for r in rows])
        return len(rows)

    def list(
        self, where: ApiCallFilter | None = None, *, before_id: int | None = None, limit: int = 50
    ) -> ApiCallPage:
        """A page of calls matching ``where`` with id below ``before_id``, by id descending."""
        limit = max(1, min(limit, 1000))
        query = sa.select(api_calls).order_by(api_calls.c.id.desc()).limit(limit + 1)
        for condition in _conditions(where or ApiCallFilter()):
            query = query.where(condition)
        if before_id is not None:
            query = query.where(api_calls.c.id < before_id)
        rows = [ApiCall(**row._asdict()) for row in self._conn.execute(query)]
        more = len(rows) > limit
        items = rows[:limit]
        return ApiCallPage(items=items, next_cursor=items[-1].id if more and items else None)

    def get(self, call_id: int) -> ApiCall | None:
        """One call by id, or None."""
        row = self._conn.execute(sa.select(api_calls).where(api_calls.c.id == call_id)).first()
        return ApiCall(**row._asdict()) if row else None

    def count(self, where: ApiCallFilter | None = None) -> int:
        """How many calls match ``where``."""
        query = sa.select(sa.func.count()).select_from(api_calls)
        for condition in _conditions(where or ApiCallFilter()):
            query = query.where(condition)
        return int(self._conn.execute(query).scalar_one())

    def delete_older_than(self, cutoff: datetime) -> int:
        """Remove calls made before ``cutoff`` (log retention); returns how many."""
        result = self._conn.execute(sa.delete(api_calls).where(api_calls.c.at < cutoff))
        return int(result.rowcount or 0)


def _conditions(f: ApiCallFilter) -> list[sa.ColumnElement[bool]]:
    c = api_calls.c
    out: list[sa.ColumnElement[bool]] = []
    if f.subscription_id is not None:
        out.append(c.subscription_id == f.subscription_id)
    if f.subscription_ids is not None:
        out.append(c.subscription_id.in_(list(f.subscription_ids)))
    if f.status is not None:
        out.append(c.status == f.status)
    if f.status_class is not None:
        out.append(c.status.between(f.status_class * 100, f.status_class * 100 + 99))
    if f.failed is True:
        out.append(sa.or_(c.error.is_not(None), c.status.is_(None)))
    elif f.failed is False:
        out.append(sa.and_(c.error.is_(None), c.status.is_not(None)))
    if f.method is not None:
        out.append(c.method == f.method.upper())
    if f.since is not None:
        out.append(c.at >= f.since)
    if f.until is not None:
        out.append(c.at < f.until)
    if f.tracking_id is not None:
        out.append(c.tracking_id == f.tracking_id)
    if f.record_key is not None:
        out.append(c.record_key == f.record_key)
    if f.data_type is not None:
        out.append(c.data_type == f.data_type)
    if f.queue_item_id is not None:
        out.append(c.queue_item_id == f.queue_item_id)
    return out
