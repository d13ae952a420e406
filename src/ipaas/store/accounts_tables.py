"""Tables of accounts and presets: sessions, API keys, invitations, view switches, the audit
log, login attempts, preset field declarations and the presets a subscription uses."""

from __future__ import annotations

import sqlalchemy as sa

from ipaas.store.tables import _created, _fk, _id, metadata
from ipaas.store.types import BigId, Json, UtcDateTime

auth_sessions = sa.Table(
    "auth_sessions",
    metadata,
    _id(),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    _fk("user_id", "users.id"),
    _fk("company_id", "companies.id", nullable=True, ondelete="SET NULL"),
    _created(),
    sa.Column("expires_at", UtcDateTime, nullable=False),
    sa.Column("last_seen_at", UtcDateTime, nullable=False),
    sa.Column("client_ip", sa.String(64), nullable=True),
)

api_keys = sa.Table(
    "api_keys",
    metadata,
    _id(),
    _fk("user_id", "users.id"),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("prefix", sa.String(16), nullable=False),
    sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
    _created(),
    sa.Column("last_used_at", UtcDateTime, nullable=True),
    sa.Column("revoked_at", UtcDateTime, nullable=True),
)

invitations = sa.Table(
    "invitations",
    metadata,
    _id(),
    _fk("company_id", "companies.id"),
    sa.Column("email", sa.String(320), nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    _fk("invited_by", "users.id", nullable=True, ondelete="SET NULL"),
    _created(),
    sa.Column("expires_at", UtcDateTime, nullable=False),
    sa.Column("accepted_at", UtcDateTime, nullable=True),
    _fk("accepted_user_id", "users.id", nullable=True, ondelete="SET NULL"),
)

view_switches = sa.Table(
    "view_switches",
    metadata,
    _id(),
    _fk("user_id", "users.id"),
    _fk("from_company_id", "companies.id"),
    _fk("company_id", "companies.id"),
    sa.Column("started_at", UtcDateTime, nullable=False),
    sa.Column("ended_at", UtcDateTime, nullable=True),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    _id(),
    sa.Column("at", UtcDateTime, nullable=False),
    _fk("user_id", "users.id", nullable=True, ondelete="SET NULL"),
    _fk("company_id", "companies.id", nullable=True, ondelete="SET NULL"),
    sa.Column("home_company_id", BigId, nullable=True),
    sa.Column("via", sa.String(10), nullable=True),
    sa.Column("action", sa.String(60), nullable=False),
    sa.Column("object_type", sa.String(40), nullable=False),
    sa.Column("object_id", sa.String(64), nullable=True),
    sa.Column("details", Json, nullable=False, default=dict),
    sa.Column("request_id", sa.String(64), nullable=True),
    sa.Column("client_ip", sa.String(64), nullable=True),
)

login_attempts = sa.Table(
    "login_attempts",
    metadata,
    _id(),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("email", sa.String(320), nullable=False),
    sa.Column("client_ip", sa.String(64), nullable=False),
    sa.Column("success", sa.Boolean, nullable=False),
    sa.Index("ix_login_attempts_email_at", "email", "at"),
    sa.Index("ix_login_attempts_ip_at", "client_ip", "at"),
)

preset_fields = sa.Table(
    "preset_fields",
    metadata,
    _id(),
    sa.Column(
        "preset_id",
        BigId,
        sa.ForeignKey("presets.id", ondelete="CASCADE"),
        nullable=False,
        unique=True,
    ),
    sa.Column("fields", Json, nullable=False),
)

subscription_presets = sa.Table(
    "subscription_presets",
    metadata,
    _id(),
    _fk("subscription_id", "subscriptions.id"),
    _fk("preset_id", "presets.id", ondelete="RESTRICT"),
    sa.Column("sort_order", sa.Integer, nullable=False, default=0),
    sa.UniqueConstraint("subscription_id", "preset_id"),
)
