"""Hub-data queries for people: search by data type and JSON fields, unmatched records.

Both page by id over ``ix_hub_records_company_type_id``. Field filters compare the text of
a JSON value; on PostgreSQL they are written as containment (``body @> ...``), which the
GIN index ``ix_hub_records_body_gin`` answers.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from ipaas.store.records import HubRecord, _row_to_record
from ipaas.store.tables import external_ids, hub_records


def _nest(path: list[str], value: Any) -> dict[str, Any]:
    out: Any = value
    for part in reversed(path):
        out = {part: out}
    result: dict[str, Any] = out
    return result


def _alternatives(text: str) -> list[Any]:
    """The JSON values a query-string value may stand for: the string, and a number,
    boolean or null when it reads as one."""
    found: list[Any] = [text]
    try:
        parsed = json.loads(text)
    except ValueError:
        return found
    if isinstance(parsed, bool | int | float) or parsed is None:
        found.append(parsed)
    return found


def _field_condition(dialect: str, path: list[str], text: str) -> sa.ColumnElement[bool]:
    body = hub_records.c.body
    if dialect == "postgresql":
        return sa.or_(
            *(
                sa.cast(body, JSONB).contains(
                    sa.cast(sa.literal(json.dumps(_nest(path, v))), JSONB)
                )
                for v in _alternatives(text)
            )
        )
    json_path = "$" + "".join(f'."{p}"' for p in path)
    extracted = sa.func.json_extract(body, json_path)
    return sa.cast(extracted, sa.Text) == text


def search(
    conn: sa.Connection,
    company_ids: Collection[int],
    data_type: str,
    fields: Mapping[str, str],
    *,
    deleted: bool | None,
    after_id: int,
    limit: int,
    match_key: str | None = None,
) -> list[HubRecord]:
    """Records of ``data_type`` whose fields (dotted paths) have the given values, by id.

    ``match_key``, when the filters name every match-key field, narrows the search through
    the unique (company, data type, match key) index first."""
    hr = hub_records
    query = (
        sa.select(hr)
        .where(hr.c.company_id.in_(list(company_ids)), hr.c.data_type == data_type)
        .where(hr.c.id > after_id)
        .order_by(hr.c.id)
        .limit(limit)
    )
    if deleted is not None:
        query = query.where(hr.c.deleted.is_(deleted))
    if match_key is not None:
        query = query.where(hr.c.match_key == match_key)
    for path, value in fields.items():
        query = query.where(_field_condition(conn.dialect.name, path.split("."), value))
    return [_row_to_record(r) for r in conn.execute(query)]


def unmatched(
    conn: sa.Connection,
    company_id: int,
    subscription_id: int,
    data_type: str,
    *,
    after_id: int,
    limit: int,
) -> list[HubRecord]:
    """Live records of ``data_type`` with no external id in ``subscription_id``, by id."""
    hr, x = hub_records, external_ids
    linked = sa.exists().where(
        x.c.subscription_id == subscription_id,
        x.c.data_type == data_type,
        x.c.hub_record_id == hr.c.id,
    )
    rows = conn.execute(
        sa.select(hr)
        .where(
            hr.c.company_id == company_id,
            hr.c.data_type == data_type,
            hr.c.deleted.is_(False),
            hr.c.id > after_id,
            ~linked,
        )
        .order_by(hr.c.id)
        .limit(limit)
    )
    return [_row_to_record(r) for r in rows]
