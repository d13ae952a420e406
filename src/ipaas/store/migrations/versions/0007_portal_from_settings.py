"""portal content moves from companies.settings into the portal tables

The first dashboard kept a MiSP's branding, knowledgebase, training pages and deals in its
company settings JSON; the portal tables (0005) are now the one source of truth. This copies
what the settings held into them and removes the keys.

Revision ID: 0007_portal_from_settings
Revises: 0006_api_call_record_index
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

from ipaas.store.types import Json, UtcDateTime

revision = "0007_portal_from_settings"
down_revision = "0006_api_call_record_index"
branch_labels = None
depends_on = None

KEYS = ("branding", "knowledgebase", "training", "deals")
companies = sa.table("companies", sa.column("id", sa.Integer), sa.column("settings", Json))
branding = sa.table(
    "portal_branding",
    *(sa.column(n) for n in ("company_id", "name", "logo_url", "primary_color")),
    sa.column("secondary_color"),
    sa.column("updated_at", UtcDateTime),
)
articles = sa.table(
    "portal_articles",
    *(sa.column(n) for n in ("company_id", "kind", "title", "body")),
    sa.column("roles", Json),
    sa.column("created_at", UtcDateTime),
    sa.column("updated_at", UtcDateTime),
)
deals = sa.table(
    "deals",
    *(sa.column(n) for n in ("company_id", "prospect", "contact_name", "contact_email")),
    sa.column("integration_ids", Json),
    sa.column("status"),
    sa.column("notes"),
    sa.column("created_at", UtcDateTime),
    sa.column("updated_at", UtcDateTime),
)


def _at(item: dict[str, Any]) -> datetime:
    try:
        at = datetime.fromisoformat(str(item.get("at")))
    except ValueError:
        return datetime.now(UTC)
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _move(conn: sa.Connection, company_id: int, settings: dict[str, Any]) -> None:
    now = datetime.now(UTC)
    brand = settings.get("branding")
    if isinstance(brand, dict) and brand.get("name"):
        exists = conn.execute(
            sa.select(branding.c.company_id).where(branding.c.company_id == company_id)
        ).first()
        if exists is None:
            conn.execute(
                sa.insert(branding).values(
                    company_id=company_id, name=str(brand["name"])[:200],
                    logo_url=brand.get("logo_url"), primary_color=brand.get("primary"),
                    secondary_color=None, updated_at=now,
                )
            )  # fmt: skip
    for kind, roles in (
        ("knowledgebase", ["subscriber"]),
        ("training", ["subscriber", "integrator"]),
    ):
        for item in settings.get(kind) or []:
            conn.execute(
                sa.insert(articles).values(
                    company_id=company_id, kind=kind, title=str(item.get("title"))[:300],
                    body=str(item.get("text") or ""), roles=roles,
                    created_at=_at(item), updated_at=_at(item),
                )
            )  # fmt: skip
    for item in settings.get("deals") or []:
        value = f"Expected value: {item['value']}\n" if item.get("value") else ""
        conn.execute(
            sa.insert(deals).values(
                company_id=company_id, prospect=str(item.get("title"))[:200], contact_name="",
                contact_email="", integration_ids=[], status="registered",
                notes=value + str(item.get("text") or ""),
                created_at=_at(item), updated_at=_at(item),
            )
        )  # fmt: skip


def upgrade() -> None:
    conn = op.get_bind()
    for company_id, settings in conn.execute(sa.select(companies.c.id, companies.c.settings)):
        if not isinstance(settings, dict) or not any(k in settings for k in KEYS):
            continue
        _move(conn, company_id, settings)
        kept = {k: v for k, v in settings.items() if k not in KEYS}
        conn.execute(sa.update(companies).where(companies.c.id == company_id).values(settings=kept))


def downgrade() -> None:
    # The portal tables keep the content; the settings JSON is not written back.
    pass
