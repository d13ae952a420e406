"""api_calls: a partial index of failed calls (an error or no status)

Revision ID: 0008_api_call_failed_index
Revises: 0007_portal_from_settings
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_api_call_failed_index"
down_revision = "0007_portal_from_settings"
branch_labels = None
depends_on = None

FAILED = sa.text("error IS NOT NULL OR status IS NULL")


def upgrade() -> None:
    op.create_index(
        "ix_api_calls_failed",
        "api_calls",
        ["subscription_id", "id"],
        unique=False,
        sqlite_where=FAILED,
        postgresql_where=FAILED,
    )


def downgrade() -> None:
    op.drop_index("ix_api_calls_failed", table_name="api_calls")
