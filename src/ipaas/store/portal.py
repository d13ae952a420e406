"""Portal content: a MiSP's branding, knowledgebase and training articles, resources for
subscribers, and deal registrations."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ipaas.errors import NotFoundError
from ipaas.store.resources_tables import deals, portal_articles, portal_branding, portal_resources
from ipaas.store.types import utcnow


@dataclass(frozen=True, slots=True)
class Branding:
    company_id: int
    name: str
    logo_url: str | None
    primary_color: str | None
    secondary_color: str | None
    updated_at: datetime


def _rows(conn: sa.Connection, query: Any) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in conn.execute(query)]


class PortalRepository:
    """Rows of the portal tables; ``owners`` are the companies whose content may be used."""

    def __init__(self, conn: sa.Connection) -> None:
        self._conn = conn

    # --- branding -----------------------------------------------------------------------

    def branding(self, company_id: int) -> Branding | None:
        row = self._conn.execute(
            sa.select(portal_branding).where(portal_branding.c.company_id == company_id)
        ).first()
        return None if row is None else Branding(**dict(row._mapping))

    def save_branding(self, company_id: int, values: dict[str, Any]) -> Branding:
        self._conn.execute(
            sa.delete(portal_branding).where(portal_branding.c.company_id == company_id)
        )
        self._conn.execute(
            sa.insert(portal_branding).values(company_id=company_id, updated_at=utcnow(), **values)
        )
        found = self.branding(company_id)
        assert found is not None
        return found

    # --- generic owned rows ---------------------------------------------------------------

    def _one(
        self, table: sa.Table, owners: Collection[int], row_id: int, what: str
    ) -> dict[str, Any]:
        row = self._conn.execute(
            sa.select(table).where(table.c.id == row_id, table.c.company_id.in_(list(owners)))
        ).first()
        if row is None:
            raise NotFoundError(f"{what} {row_id} not found")
        return dict(row._mapping)

    def _add(self, table: sa.Table, company_id: int, values: dict[str, Any]) -> int:
        now = utcnow()
        extra = {"updated_at": now} if "updated_at" in table.c else {}
        return int(
            self._conn.execute(
                sa.insert(table)
                .values(company_id=company_id, created_at=now, **extra, **values)
                .returning(table.c.id)
            ).scalar_one()
        )

    def _change(self, table: sa.Table, row_id: int, values: dict[str, Any]) -> None:
        extra = {"updated_at": utcnow()} if "updated_at" in table.c else {}
        self._conn.execute(sa.update(table).where(table.c.id == row_id).values(**values, **extra))

    def _remove(self, table: sa.Table, row_id: int) -> None:
        self._conn.execute(sa.delete(table).where(table.c.id == row_id))

    # --- articles -------------------------------------------------------------------------

    def articles(
        self,
        owners: Collection[int],
        kind: str,
        *,
        role: str | None,
        text: str | None,
        after_id: int,
        limit: int,
    ) -> list[dict[str, Any]]:
        """Articles of ``kind`` by the owners, by id; only those shown to ``role`` when given;
        ``text`` searches title and body, ignoring case."""
        a = portal_articles
        query = (
            sa.select(a)
            .where(a.c.company_id.in_(list(owners)), a.c.kind == kind, a.c.id > after_id)
            .order_by(a.c.id)
        )
        if text:
            pattern = (
                "%"
                + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
                + "%"
            )
            query = query.where(
                sa.or_(
                    sa.func.lower(a.c.title).like(pattern, escape="\\"),
                    sa.func.lower(a.c.body).like(pattern, escape="\\"),
                )
            )
        found = []
        # Roles live in a JSON list; filtered here so SQLite and PostgreSQL agree.
        for row in _rows(self._conn, query.limit(limit * 4 if role else limit)):
            if role is None or role in (row["roles"] or []):
                found.append(row)
            if len(found) == limit:
                break
        return found

    def article(self, owners: Collection[int], article_id: int, kind: str) -> dict[str, Any]:
        row = self._one(portal_articles, owners, article_id, "article")
        if row["kind"] != kind:
            raise NotFoundError(f"article {article_id} not found")
        return row

    def add_article(self, company_id: int, values: dict[str, Any]) -> int:
        return self._add(portal_articles, company_id, values)

    def change_article(self, article_id: int, values: dict[str, Any]) -> None:
        self._change(portal_articles, article_id, values)

    def remove_article(self, article_id: int) -> None:
        self._remove(portal_articles, article_id)

    # --- resources and deals ----------------------------------------------------------------

    def resources(self, owners: Collection[int], after_id: int, limit: int) -> list[dict[str, Any]]:
        r = portal_resources
        return _rows(
            self._conn,
            sa.select(r)
            .where(r.c.company_id.in_(list(owners)), r.c.id > after_id)
            .order_by(r.c.id)
            .limit(limit),
        )

    def resource(self, owners: Collection[int], resource_id: int) -> dict[str, Any]:
        return self._one(portal_resources, owners, resource_id, "resource")

    def add_resource(self, company_id: int, values: dict[str, Any]) -> int:
        return self._add(portal_resources, company_id, values)

    def remove_resource(self, resource_id: int) -> None:
        self._remove(portal_resources, resource_id)

    def deals(self, owners: Collection[int], after_id: int, limit: int) -> list[dict[str, Any]]:
        d = deals
        return _rows(
            self._conn,
            sa.select(d)
            .where(d.c.company_id.in_(list(owners)), d.c.id > after_id)
            .order_by(d.c.id)
            .limit(limit),
        )

    def deal(self, owners: Collection[int], deal_id: int) -> dict[str, Any]:
        return self._one(deals, owners, deal_id, "deal")

    def add_deal(self, company_id: int, values: dict[str, Any]) -> int:
        return self._add(deals, company_id, values)

    def change_deal(self, deal_id: int, values: dict[str, Any]) -> None:
        self._change(deals, deal_id, values)
