"""Migration 0007 moves the first dashboard's portal content out of the settings JSON."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command

from ipaas.store import migrate
from ipaas.store.engine import create_engine
from ipaas.store.portal import PortalRepository
from ipaas.store.tables import companies
from ipaas.store.types import utcnow

SETTINGS = {
    "theme": "kept",
    "branding": {"name": "Northwind", "primary": "#2f5d8a", "logo_url": None},
    "training": [
        {"title": "Retry an error", "text": "Open it, retry.", "at": "2026-01-02T03:04:05"}
    ],
    "knowledgebase": [{"title": "Lookups", "text": "live = active", "at": "bad date"}],
    "deals": [{"title": "Globex", "text": "Met at a fair", "value": "12k", "at": "2026-01-03"}],
}


def test_settings_content_lands_in_the_portal_tables(database_url: str) -> None:
    command.downgrade(migrate.alembic_config(database_url), "0006_api_call_record_index")
    engine = create_engine(database_url)
    try:
        with engine.begin() as conn:
            misp = conn.execute(
                sa.insert(companies)
                .values(name="Northwind", kind="misp", settings=SETTINGS, created_at=utcnow())
                .returning(companies.c.id)
            ).scalar_one()
        migrate.upgrade(database_url)
        with engine.begin() as conn:
            portal = PortalRepository(conn)
            brand = portal.branding(misp)
            assert brand is not None
            assert (brand.name, brand.primary_color) == ("Northwind", "#2f5d8a")
            [training] = portal.articles([misp], "training", role="integrator", text=None,
                                         after_id=0, limit=10)  # fmt: skip
            assert training["title"] == "Retry an error"
            assert training["created_at"].year == 2026
            [article] = portal.articles([misp], "knowledgebase", role="subscriber", text=None,
                                        after_id=0, limit=10)  # fmt: skip
            assert article["body"] == "live = active"
            [deal] = portal.deals([misp], 0, 10)
            assert deal["prospect"] == "Globex"
            assert "12k" in deal["notes"]
            settings = conn.execute(
                sa.select(companies.c.settings).where(companies.c.id == misp)
            ).scalar_one()
            assert settings == {"theme": "kept"}
    finally:
        engine.dispose()
