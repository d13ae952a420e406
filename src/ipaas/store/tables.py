"""The hub's tables (SQLAlchemy Core). Migrations in ``migrations/`` create them."""

from __future__ import annotations

import sqlalchemy as sa

from ipaas.store.types import BigId, Json, UtcDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = sa.MetaData(naming_convention=NAMING)


def _id() -> sa.Column[int]:
    return sa.Column("id", BigId, primary_key=True, autoincrement=True)


def _fk(
    name: str, target: str, *, nullable: bool = False, ondelete: str = "CASCADE"
) -> sa.Column[int]:
    return sa.Column(
        name, BigId, sa.ForeignKey(target, ondelete=ondelete), nullable=nullable, index=True
    )


def _created() -> sa.Column[object]:
    return sa.Column("created_at", UtcDateTime, nullable=False)


def _updated() -> sa.Column[object]:
    return sa.Column("updated_at", UtcDateTime, nullable=False)


companies = sa.Table(
    "companies",
    metadata,
    _id(),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    _fk("managing_misp_id", "companies.id", nullable=True, ondelete="SET NULL"),
    sa.Column("settings", Json, nullable=False, default=dict),
    _created(),
    sa.CheckConstraint("kind in ('misp', 'subscriber', 'integrator')", name="kind"),
)

users = sa.Table(
    "users",
    metadata,
    _id(),
    sa.Column("email", sa.String(320), nullable=False, unique=True),
    sa.Column("name", sa.String(200), nullable=False, default=""),
    sa.Column("password_hash", sa.String(200), nullable=True),
    sa.Column("active", sa.Boolean, nullable=False, default=True),
    _created(),
)

memberships = sa.Table(
    "memberships",
    metadata,
    _id(),
    _fk("user_id", "users.id"),
    _fk("company_id", "companies.id"),
    sa.Column("role", sa.String(20), nullable=False),
    _created(),
    sa.UniqueConstraint("user_id", "company_id"),
    sa.CheckConstraint("role in ('misp', 'subscriber', 'integrator')", name="role"),
)

integrations = sa.Table(
    "integrations",
    metadata,
    _id(),
    _fk("company_id", "companies.id"),
    sa.Column("key", sa.String(100), nullable=False),
    sa.Column("version", sa.String(40), nullable=False, default="1.0.0"),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("connector", sa.String(100), nullable=False),
    sa.Column("description", sa.Text, nullable=False, default=""),
    sa.Column("definition", Json, nullable=False, default=dict),
    sa.Column("published", sa.Boolean, nullable=False, default=False),
    _created(),
    _updated(),
    sa.UniqueConstraint("key", "version"),
)

subscriptions = sa.Table(
    "subscriptions",
    metadata,
    _id(),
    _fk("company_id", "companies.id"),
    _fk("integration_id", "integrations.id", ondelete="RESTRICT"),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("settings", Json, nullable=False, default=dict),
    sa.Column("secrets", sa.Text, nullable=True),
    sa.Column("flows", Json, nullable=False, default=dict),
    sa.Column("webhooks", Json, nullable=False, default=dict),
    sa.Column("polling", Json, nullable=False, default=dict),
    sa.Column("state", Json, nullable=False, default=dict),
    sa.Column("throttle_rate", sa.Float, nullable=True),
    sa.Column("throttle_period", sa.String(10), nullable=False, default="second"),
    sa.Column("throttle_concurrency", sa.Integer, nullable=True),
    sa.Column("paused", sa.Boolean, nullable=False, default=False),
    _created(),
    _updated(),
    sa.UniqueConstraint("company_id", "name"),
)

presets = sa.Table(
    "presets",
    metadata,
    _id(),
    _fk("company_id", "companies.id"),
    _fk("integration_id", "integrations.id", nullable=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False, default="settings"),
    sa.Column("values", Json, nullable=False, default=dict),
    sa.Column("secrets", sa.Text, nullable=True),
    _created(),
    _updated(),
    sa.UniqueConstraint("company_id", "name"),
)

mapping_collections = sa.Table(
    "mapping_collections",
    metadata,
    _id(),
    _fk("integration_id", "integrations.id", nullable=True),
    _fk("subscription_id", "subscriptions.id", nullable=True),
    _fk("parent_id", "mapping_collections.id", nullable=True),
    sa.Column("data_type", sa.String(40), nullable=False),
    sa.Column("direction", sa.String(10), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("sync_type", sa.String(30), nullable=False, default="add_and_update"),
    sa.Column("collision_method", sa.String(30), nullable=False, default="error"),
    sa.Column("sort_order", sa.Integer, nullable=False, default=0),
    sa.Column("definition", Json, nullable=False, default=dict),
    _created(),
    _updated(),
    sa.CheckConstraint("direction in ('to_hub', 'from_hub')", name="direction"),
)

lookup_tables = sa.Table(
    "lookup_tables",
    metadata,
    _id(),
    _fk("integration_id", "integrations.id", nullable=True),
    _fk("subscription_id", "subscriptions.id", nullable=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("definition", Json, nullable=False, default=dict),
    _created(),
    _updated(),
)

hub_records = sa.Table(
    "hub_records",
    metadata,
    _id(),
    _fk("company_id", "companies.id"),
    sa.Column("data_type", sa.String(40), nullable=False),
    sa.Column("match_key", sa.String(700), nullable=True),
    sa.Column("body", Json, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("deleted", sa.Boolean, nullable=False, default=False),
    _created(),
    _updated(),
    sa.UniqueConstraint("company_id", "data_type", "match_key", name="uq_hub_records_match_key"),
    sa.Index("ix_hub_records_company_type_id", "company_id", "data_type", "id"),
)

hub_record_versions = sa.Table(
    "hub_record_versions",
    metadata,
    _id(),
    _fk("hub_record_id", "hub_records.id"),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("body", Json, nullable=False),
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("deleted", sa.Boolean, nullable=False, default=False),
    _fk("origin_subscription_id", "subscriptions.id", nullable=True, ondelete="SET NULL"),
    sa.Column("tracking_id", sa.String(40), nullable=True),
    _created(),
    sa.UniqueConstraint("hub_record_id", "version"),
)

external_ids = sa.Table(
    "external_ids",
    metadata,
    _id(),
    _fk("subscription_id", "subscriptions.id"),
    sa.Column("data_type", sa.String(40), nullable=False),
    sa.Column("external_id", sa.String(255), nullable=False),
    _fk("hub_record_id", "hub_records.id"),
    sa.Column("synced_hash", sa.String(64), nullable=True),
    _created(),
    _updated(),
    sa.UniqueConstraint(
        "subscription_id", "data_type", "external_id", name="uq_external_ids_external"
    ),
    sa.UniqueConstraint(
        "subscription_id", "data_type", "hub_record_id", name="uq_external_ids_hub"
    ),
)

queue_items = sa.Table(
    "queue_items",
    metadata,
    _id(),
    _fk("subscription_id", "subscriptions.id"),
    sa.Column("direction", sa.String(10), nullable=False),
    sa.Column("data_type", sa.String(40), nullable=False),
    sa.Column("record_key", sa.String(255), nullable=False),
    sa.Column("method", sa.String(10), nullable=False),
    sa.Column("payload", Json, nullable=True),
    sa.Column("state", sa.String(12), nullable=False, default="pending"),
    sa.Column("priority", sa.Integer, nullable=False, default=0),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("next_try_at", UtcDateTime, nullable=False),
    sa.Column("lease_expires_at", UtcDateTime, nullable=True),
    sa.Column("leased_by", sa.String(100), nullable=True),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("tracking_id", sa.String(40), nullable=False),
    sa.Column("hub_version", sa.Integer, nullable=True),
    sa.Column("trigger", sa.String(40), nullable=False, default="webhook"),
    sa.Column("debug", sa.Boolean, nullable=False, default=False),
    _fk("parent_item_id", "queue_items.id", nullable=True, ondelete="SET NULL"),
    _created(),
    sa.Column("finished_at", UtcDateTime, nullable=True),
    sa.CheckConstraint("direction in ('to_hub', 'from_hub')", name="direction"),
    sa.CheckConstraint(
        "state in ('pending', 'in_flight', 'done', 'error', 'discarded')", name="state"
    ),
    sa.Index("ix_queue_items_claim", "state", "next_try_at", "id"),
    sa.Index("ix_queue_items_record", "subscription_id", "data_type", "record_key", "state"),
    sa.Index("ix_queue_items_tracking", "tracking_id"),
)

api_calls = sa.Table(
    "api_calls",
    metadata,
    _id(),
    sa.Column("at", UtcDateTime, nullable=False),
    _fk("subscription_id", "subscriptions.id", nullable=True),
    sa.Column("queue_item_id", BigId, nullable=True, index=True),
    sa.Column("tracking_id", sa.String(40), nullable=True, index=True),
    sa.Column("data_type", sa.String(40), nullable=True),
    sa.Column("record_key", sa.String(255), nullable=True),
    sa.Column("method", sa.String(10), nullable=False),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("status", sa.Integer, nullable=True),
    sa.Column("duration_ms", sa.Float, nullable=False),
    sa.Column("request_bytes", sa.Integer, nullable=False, default=0),
    sa.Column("response_bytes", sa.Integer, nullable=False, default=0),
    sa.Column("request_excerpt", sa.Text, nullable=True),
    sa.Column("response_excerpt", sa.Text, nullable=True),
    sa.Column("error", sa.Text, nullable=True),
    sa.Index("ix_api_calls_subscription_at", "subscription_id", "at"),
)
