"""Sample records for the mapping editor's preview: recent hub records of a data type (what a
``from_hub`` collection reads) and recent payloads a subscription sent in (``to_hub``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from ipaas.store.tables import hub_records, queue_items

LIMIT = 10


@dataclass(frozen=True, slots=True)
class Sample:
    """One pickable sample: ``key`` is stable (``hub:5``, ``queue:12``), ``label`` readable."""

    key: str
    label: str
    body: dict[str, Any]


def hub_samples(conn: sa.Connection, company_id: int, data_type: str) -> list[Sample]:
    """The newest hub records of ``data_type`` (walks ``ix_hub_records_company_type_id``)."""
    h = hub_records
    rows = conn.execute(
        sa.select(h.c.id, h.c.match_key, h.c.body)
        .where(h.c.company_id == company_id, h.c.data_type == data_type, h.c.deleted.is_(False))
        .order_by(h.c.id.desc())
        .limit(LIMIT)
    )
    return [
        Sample(f"hub:{r.id}", f"Hub record #{r.id} · {r.match_key or 'no key'}", dict(r.body))
        for r in rows
        if isinstance(r.body, dict)
    ]


def queue_samples(conn: sa.Connection, subscription_id: int, data_type: str) -> list[Sample]:
    """The newest payloads this subscription sent to the hub for ``data_type``."""
    q = queue_items
    rows = conn.execute(
        sa.select(q.c.id, q.c.record_key, q.c.payload)
        .where(
            q.c.subscription_id == subscription_id,
            q.c.data_type == data_type,
            q.c.direction == "to_hub",
            q.c.payload.is_not(None),
        )
        .order_by(q.c.id.desc())
        .limit(LIMIT)
    )
    return [
        Sample(f"queue:{r.id}", f"Queue item #{r.id} · {r.record_key}", dict(r.payload))
        for r in rows
        if isinstance(r.payload, dict)
    ]
