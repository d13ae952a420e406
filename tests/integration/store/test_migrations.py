"""The migrations build exactly the tables the code declares, on both databases."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

import ipaas.store.all_tables  # noqa: F401  (every table module registers on the metadata)
from ipaas.store.migrate import alembic_config
from ipaas.store.tables import metadata

#: Made by migration 0005 on PostgreSQL only (a GIN index for hub data field search),
#: so no table module declares it.
POSTGRESQL_ONLY = {"ix_hub_records_body_gin"}


def _declared_or_shared(
    obj: object, name: str | None, kind: str, reflected: bool, _: object
) -> bool:
    return not (kind == "index" and reflected and name in POSTGRESQL_ONLY)


def test_one_head() -> None:
    """Every migration is on one chain: ``ipaas db upgrade`` has a single head to reach."""
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1


def test_migrated_schema_matches_the_table_modules(database_url: str) -> None:
    """A database migrated to head has no difference from the declared tables."""
    engine = sa.create_engine(database_url, poolclass=sa.NullPool)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"compare_type": False, "include_object": _declared_or_shared}
            )
            differences = compare_metadata(context, metadata)
    finally:
        engine.dispose()
    assert differences == []
