"""Portal content kept in a MiSP company's settings: branding, knowledgebase articles,
training pages and registered deals. Plain functions over a unit of work; the caller
audits and commits."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from ipaas.errors import ValidationError
from ipaas.store.tables import companies
from ipaas.store.types import utcnow
from ipaas.store.unit_of_work import UnitOfWork

HEX = "0123456789abcdefABCDEF"
LISTS = ("knowledgebase", "training", "deals")
MAX_ITEMS = 500


def _settings(uow: UnitOfWork, company_id: int) -> dict[str, Any]:
    value = uow.conn.execute(
        sa.select(companies.c.settings).where(companies.c.id == company_id)
    ).scalar_one()
    return dict(value or {})


def _store(uow: UnitOfWork, company_id: int, settings: dict[str, Any]) -> None:
    uow.conn.execute(
        sa.update(companies).where(companies.c.id == company_id).values(settings=settings)
    )


def set_branding(
    uow: UnitOfWork, company_id: int, name: str, primary: str, logo_url: str | None
) -> None:
    """Set the name, primary colour (#rrggbb) and logo URL (https) of a MiSP's pages."""
    if len(primary) != 7 or primary[0] != "#" or any(c not in HEX for c in primary[1:]):
        raise ValidationError("the colour must look like #2f5d8a", field="primary")
    if logo_url and not logo_url.startswith("https://"):
        raise ValidationError("the logo must be an https:// URL", field="logo_url")
    settings = _settings(uow, company_id)
    settings["branding"] = {"name": name.strip()[:80], "primary": primary, "logo_url": logo_url}
    _store(uow, company_id, settings)


def content(uow: UnitOfWork, company_id: int, kind: str) -> list[dict[str, Any]]:
    """The items of one list (``knowledgebase``, ``training``, ``deals``), newest first."""
    if kind not in LISTS:
        raise ValidationError(f"unknown content kind {kind!r}", field="kind")
    return list(reversed(_settings(uow, company_id).get(kind) or []))


def add_content(uow: UnitOfWork, company_id: int, kind: str, item: dict[str, str]) -> None:
    """Append an item (title and text fields) to one list."""
    if kind not in LISTS:
        raise ValidationError(f"unknown content kind {kind!r}", field="kind")
    if not (item.get("title") or "").strip():
        raise ValidationError("a title is needed", field="title")
    settings = _settings(uow, company_id)
    items = list(settings.get(kind) or [])[-(MAX_ITEMS - 1) :]
    items.append({**{k: v.strip()[:5000] for k, v in item.items()}, "at": utcnow().isoformat()})
    settings[kind] = items
    _store(uow, company_id, settings)
