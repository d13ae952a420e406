"""Names unique among an owner's rows of a table (subscriptions, presets, lookup tables)."""

from __future__ import annotations

import sqlalchemy as sa

from ipaas.errors import ConflictError


def ensure_unique_name(
    conn: sa.Connection,
    table: sa.Table,
    owner: sa.ColumnElement[bool],
    name: str,
    exclude_id: int | None,
    noun: str,
) -> None:
    """``ConflictError`` on ``name`` when another row of ``table`` matching ``owner`` has that
    name (the row ``exclude_id``, the one being renamed, does not count)."""
    query = sa.select(table.c.id).where(owner, table.c.name == name)
    if exclude_id is not None:
        query = query.where(table.c.id != exclude_id)
    if conn.execute(query).first():
        raise ConflictError(f"a {noun} named {name!r} exists", field="name")
