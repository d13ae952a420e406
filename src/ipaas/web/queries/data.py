"""Hub records: keyset pages by data type, search by match key or id."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from ipaas.store.tables import hub_records


def records_page(
    conn: sa.Connection,
    company_id: int,
    data_type: str,
    search: str | None,
    *,
    before_id: int | None = None,
    limit: int = 50,
) -> tuple[list[dict[str, Any]], int | None]:
    """Records of one data type, newest first; ``search`` is an id or a match-key prefix.

    Walks ``ix_hub_records_company_type_id`` (or the match-key unique index for a search)."""
    h = hub_records
    query = sa.select(
        h.c.id, h.c.match_key, h.c.body, h.c.version, h.c.deleted, h.c.updated_at
    ).where(h.c.company_id == company_id, h.c.data_type == data_type)
    if search:
        if search.isdigit() and len(search) < 19:
            query = query.where(sa.or_(h.c.id == int(search), h.c.match_key == search))
        else:
            # A prefix range instead of LIKE, so the (company, type, match_key) index serves it.
            query = query.where(h.c.match_key >= search, h.c.match_key < search + "\uffff")
    if before_id is not None:
        query = query.where(h.c.id < before_id)
    rows = [dict(r._mapping) for r in conn.execute(query.order_by(h.c.id.desc()).limit(limit + 1))]
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1]["id"] if more and rows else None)


def data_type_counts(conn: sa.Connection, company_id: int) -> dict[str, int]:
    """Which data types hold records (capped counts, so a huge hub stays fast)."""
    h = hub_records
    found = {}
    for (data_type,) in conn.execute(
        sa.select(h.c.data_type).where(h.c.company_id == company_id).distinct()
    ):
        capped = (
            sa.select(h.c.id)
            .where(h.c.company_id == company_id, h.c.data_type == data_type)
            .limit(10_001)
            .subquery()
        )
        found[data_type] = int(
            conn.execute(sa.select(sa.func.count()).select_from(capped)).scalar_one()
        )
    return found
