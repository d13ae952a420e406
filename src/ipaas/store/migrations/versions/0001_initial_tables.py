"""initial tables

Revision ID: 0001
Revises:
Create Date: 2026-11-29 00:32:03.748828
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import ipaas.store.types

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "companies",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column(
            "managing_misp_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column(
            "settings",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", ipaas.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind in ('misp', 'subscriber', 'integrator')", name=op.f("ck_companies_kind")
        ),
        sa.ForeignKeyConstraint(
            ["managing_misp_id"],
            ["companies.id"],
            name=op.f("fk_companies_managing_misp_id_companies"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_companies")),
    )
    with op.batch_alter_table("companies", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_companies_managing_misp_id"), ["managing_misp_id"], unique=False
        )

    op.create_table(
        "users",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", ipaas.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    op.create_table(
        "hub_records",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "company_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("data_type", sa.String(length=40), nullable=False),
        sa.Column("match_key", sa.String(length=700), nullable=True),
        sa.Column(
            "body",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("created_at", ipaas.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", ipaas.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_hub_records_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hub_records")),
        sa.UniqueConstraint(
            "company_id", "data_type", "match_key", name="uq_hub_records_match_key"
        ),
    )
    with op.batch_alter_table("hub_records", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hub_records_company_id"), ["company_id"], unique=False)
        batch_op.create_index(
            "ix_hub_records_company_type_id", ["company_id", "data_type", "id"], unique=False
        )

    op.create_table(
        "integrations",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "company_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("connector", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column(
            "definition",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("created_at", ipaas.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", ipaas.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_integrations_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_integrations")),
        sa.UniqueConstraint("key", "version", name=op.f("uq_integrations_key")),
    )
    with op.batch_alter_table("integrations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_integrations_company_id"), ["company_id"], unique=False
        )

    op.create_table(
        "memberships",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "company_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("created_at", ipaas.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "role in ('misp', 'subscriber', 'integrator')", name=op.f("ck_memberships_role")
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_memberships_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_memberships_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_memberships")),
        sa.UniqueConstraint("user_id", "company_id", name=op.f("uq_memberships_user_id")),
    )
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_memberships_company_id"), ["company_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_memberships_user_id"), ["user_id"], unique=False)

    op.create_table(
        "presets",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "company_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "integration_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column(
            "values",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("secrets", sa.Text(), nullable=True),
        sa.Column("created_at", ipaas.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", ipaas.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_presets_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["integrations.id"],
            name=op.f("fk_presets_integration_id_integrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_presets")),
        sa.UniqueConstraint("company_id", "name", name=op.f("uq_presets_company_id")),
    )
    with op.batch_alter_table("presets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_presets_company_id"), ["company_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_presets_integration_id"), ["integration_id"], unique=False
        )

    op.create_table(
        "subscriptions",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "company_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "integration_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "settings",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("secrets", sa.Text(), nullable=True),
        sa.Column(
            "flows",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "webhooks",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "polling",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "state",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("throttle_rate", sa.Float(), nullable=True),
        sa.Column("throttle_period", sa.String(length=10), nullable=False),
        sa.Column("throttle_concurrency", sa.Integer(), nullable=True),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("created_at", ipaas.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", ipaas.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_subscriptions_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["integrations.id"],
            name=op.f("fk_subscriptions_integration_id_integrations"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscriptions")),
        sa.UniqueConstraint("company_id", "name", name=op.f("uq_subscriptions_company_id")),
    )
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_subscriptions_company_id"), ["company_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_subscriptions_integration_id"), ["integration_id"], unique=False
        )

    op.create_table(
        "api_calls",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("at", ipaas.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column(
            "subscription_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column(
            "queue_item_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("tracking_id", sa.String(length=40), nullable=True),
        sa.Column("data_type", sa.String(length=40), nullable=True),
        sa.Column("record_key", sa.String(length=255), nullable=True),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("duration_ms", sa.Float(), nullable=False),
        sa.Column("request_bytes", sa.Integer(), nullable=False),
        sa.Column("response_bytes", sa.Integer(), nullable=False),
        sa.Column("request_excerpt", sa.Text(), nullable=True),
        sa.Column("response_excerpt", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscriptions.id"],
            name=op.f("fk_api_calls_subscription_id_subscriptions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_calls")),
    )
    with op.batch_alter_table("api_calls", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_api_calls_queue_item_id"), ["queue_item_id"], unique=False
        )
        batch_op.create_index(
            "ix_api_calls_subscription_at", ["subscription_id", "at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_api_calls_subscription_id"), ["subscription_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_api_calls_tracking_id"), ["tracking_id"], unique=False)

    op.create_table(
        "external_ids",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "subscription_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("data_type", sa.String(length=40), nullable=False),
        sa.Column("external_id", sa.String(length=255), nullable=False),
        sa.Column(
            "hub_record_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("synced_hash", sa.String(length=64), nullable=True),
        sa.Column("created_at", ipaas.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", ipaas.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["hub_record_id"],
            ["hub_records.id"],
            name=op.f("fk_external_ids_hub_record_id_hub_records"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscriptions.id"],
            name=op.f("fk_external_ids_subscription_id_subscriptions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_external_ids")),
        sa.UniqueConstraint(
            "subscription_id", "data_type", "external_id", name="uq_external_ids_external"
        ),
        sa.UniqueConstraint(
            "subscription_id", "data_type", "hub_record_id", name="uq_external_ids_hub"
        ),
    )
    with op.batch_alter_table("external_ids", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_external_ids_hub_record_id"), ["hub_record_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_external_ids_subscription_id"), ["subscription_id"], unique=False
        )

    op.create_table(
        "hub_record_versions",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "hub_record_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "body",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column(
            "origin_subscription_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=True,
        ),
        sa.Column("tracking_id", sa.String(length=40), nullable=True),
        sa.Column("created_at", ipaas.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["hub_record_id"],
            ["hub_records.id"],
            name=op.f("fk_hub_record_versions_hub_record_id_hub_records"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["origin_subscription_id"],
            ["subscriptions.id"],
            name=op.f("fk_hub_record_versions_origin_subscription_id_subscriptions"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hub_record_versions")),
        sa.UniqueConstraint(
            "hub_record_id", "version", name=op.f("uq_hub_record_versions_hub_record_id")
        ),
    )
    with op.batch_alter_table("hub_record_versions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_hub_record_versions_hub_record_id"), ["hub_record_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_hub_record_versions_origin_subscription_id"),
            ["origin_subscription_id"],
            unique=False,
        )

    op.create_table(
        "lookup_tables",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "integration_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column(
            "subscription_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "definition",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", ipaas.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", ipaas.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["integrations.id"],
            name=op.f("fk_lookup_tables_integration_id_integrations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscriptions.id"],
            name=op.f("fk_lookup_tables_subscription_id_subscriptions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lookup_tables")),
    )
    with op.batch_alter_table("lookup_tables", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_lookup_tables_integration_id"), ["integration_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_lookup_tables_subscription_id"), ["subscription_id"], unique=False
        )

    op.create_table(
        "mapping_collections",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "integration_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column(
            "subscription_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("parent_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("data_type", sa.String(length=40), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("sync_type", sa.String(length=30), nullable=False),
        sa.Column("collision_method", sa.String(length=30), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column(
            "definition",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", ipaas.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", ipaas.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "direction in ('to_hub', 'from_hub')", name=op.f("ck_mapping_collections_direction")
        ),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["integrations.id"],
            name=op.f("fk_mapping_collections_integration_id_integrations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["mapping_collections.id"],
            name=op.f("fk_mapping_collections_parent_id_mapping_collections"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscriptions.id"],
            name=op.f("fk_mapping_collections_subscription_id_subscriptions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mapping_collections")),
    )
    with op.batch_alter_table("mapping_collections", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_mapping_collections_integration_id"), ["integration_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_mapping_collections_parent_id"), ["parent_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_mapping_collections_subscription_id"), ["subscription_id"], unique=False
        )

    op.create_table(
        "queue_items",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "subscription_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("data_type", sa.String(length=40), nullable=False),
        sa.Column("record_key", sa.String(length=255), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column(
            "payload",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_try_at", ipaas.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("lease_expires_at", ipaas.store.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("leased_by", sa.String(length=100), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("tracking_id", sa.String(length=40), nullable=False),
        sa.Column("hub_version", sa.Integer(), nullable=True),
        sa.Column("trigger", sa.String(length=40), nullable=False),
        sa.Column("debug", sa.Boolean(), nullable=False),
        sa.Column(
            "parent_item_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("created_at", ipaas.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", ipaas.store.types.UtcDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "direction in ('to_hub', 'from_hub')", name=op.f("ck_queue_items_direction")
        ),
        sa.CheckConstraint(
            "state in ('pending', 'in_flight', 'done', 'error', 'discarded')",
            name=op.f("ck_queue_items_state"),
        ),
        sa.ForeignKeyConstraint(
            ["parent_item_id"],
            ["queue_items.id"],
            name=op.f("fk_queue_items_parent_item_id_queue_items"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscriptions.id"],
            name=op.f("fk_queue_items_subscription_id_subscriptions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_queue_items")),
    )
    with op.batch_alter_table("queue_items", schema=None) as batch_op:
        batch_op.create_index("ix_queue_items_claim", ["state", "next_try_at", "id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_queue_items_parent_item_id"), ["parent_item_id"], unique=False
        )
        batch_op.create_index(
            "ix_queue_items_record",
            ["subscription_id", "data_type", "record_key", "state"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_queue_items_subscription_id"), ["subscription_id"], unique=False
        )
        batch_op.create_index("ix_queue_items_tracking", ["tracking_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("queue_items", schema=None) as batch_op:
        batch_op.drop_index("ix_queue_items_tracking")
        batch_op.drop_index(batch_op.f("ix_queue_items_subscription_id"))
        batch_op.drop_index("ix_queue_items_record")
        batch_op.drop_index(batch_op.f("ix_queue_items_parent_item_id"))
        batch_op.drop_index("ix_queue_items_claim")

    op.drop_table("queue_items")
    with op.batch_alter_table("mapping_collections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mapping_collections_subscription_id"))
        batch_op.drop_index(batch_op.f("ix_mapping_collections_parent_id"))
        batch_op.drop_index(batch_op.f("ix_mapping_collections_integration_id"))

    op.drop_table("mapping_collections")
    with op.batch_alter_table("lookup_tables", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lookup_tables_subscription_id"))
        batch_op.drop_index(batch_op.f("ix_lookup_tables_integration_id"))

    op.drop_table("lookup_tables")
    with op.batch_alter_table("hub_record_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hub_record_versions_origin_subscription_id"))
        batch_op.drop_index(batch_op.f("ix_hub_record_versions_hub_record_id"))

    op.drop_table("hub_record_versions")
    with op.batch_alter_table("external_ids", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_external_ids_subscription_id"))
        batch_op.drop_index(batch_op.f("ix_external_ids_hub_record_id"))

    op.drop_table("external_ids")
    with op.batch_alter_table("api_calls", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_calls_tracking_id"))
        batch_op.drop_index(batch_op.f("ix_api_calls_subscription_id"))
        batch_op.drop_index("ix_api_calls_subscription_at")
        batch_op.drop_index(batch_op.f("ix_api_calls_queue_item_id"))

    op.drop_table("api_calls")
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subscriptions_integration_id"))
        batch_op.drop_index(batch_op.f("ix_subscriptions_company_id"))

    op.drop_table("subscriptions")
    with op.batch_alter_table("presets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_presets_integration_id"))
        batch_op.drop_index(batch_op.f("ix_presets_company_id"))

    op.drop_table("presets")
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_memberships_user_id"))
        batch_op.drop_index(batch_op.f("ix_memberships_company_id"))

    op.drop_table("memberships")
    with op.batch_alter_table("integrations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_integrations_company_id"))

    op.drop_table("integrations")
    with op.batch_alter_table("hub_records", schema=None) as batch_op:
        batch_op.drop_index("ix_hub_records_company_type_id")
        batch_op.drop_index(batch_op.f("ix_hub_records_company_id"))

    op.drop_table("hub_records")
    op.drop_table("users")
    with op.batch_alter_table("companies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_companies_managing_misp_id"))

    op.drop_table("companies")
