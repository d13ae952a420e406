"""api_calls (subscription_id, record_key, id): the API-call log filtered by record

Revision ID: 0006_api_call_record_index
Revises: 0005_resources
"""

from __future__ import annotations

from alembic import op

revision = "0006_api_call_record_index"
down_revision = "0005_resources"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_api_calls_subscription_record_id",
        "api_calls",
        ["subscription_id", "record_key", "id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_api_calls_subscription_record_id", table_name="api_calls")
