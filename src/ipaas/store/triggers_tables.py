"""Tables of the triggers area: webhook keys and tokens, received events, rejections,
webhook registrations, polling state, the scheduler lease and scheduled hub events."""

from __future__ import annotations

import sqlalchemy as sa

from ipaas.store.tables import _created, _fk, _id, _updated, metadata
from ipaas.store.types import Json, UtcDateTime


def _subscription(*, nullable: bool = False) -> sa.Column[int]:
    return _fk("subscription_id", "subscriptions.id", nullable=nullable)


#: Bearer keys of the generic hook, stored as sha256 hex (the keys are 256-bit random).
webhook_keys = sa.Table(
    "webhook_keys",
    metadata,
    _id(),
    _subscription(),
    sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("prefix", sa.String(12), nullable=False),
    _created(),
    sa.Column("expires_at", UtcDateTime, nullable=True),
)

#: The unguessable path token of ``POST /hooks/{token}``, one per subscription.
webhook_tokens = sa.Table(
    "webhook_tokens",
    metadata,
    _id(),
    _subscription(),
    sa.Column("token", sa.String(64), nullable=False, unique=True),
    _created(),
)

#: Every accepted webhook event; ``dedupe_key`` (e.g. the sender's event id) is unique.
webhook_events = sa.Table(
    "webhook_events",
    metadata,
    _id(),
    _subscription(),
    sa.Column("dedupe_key", sa.String(255), nullable=True),
    sa.Column("scope", sa.String(60), nullable=False),
    sa.Column("external_id", sa.String(255), nullable=False),
    sa.Column("tracking_id", sa.String(40), nullable=False),
    sa.Column("received_at", UtcDateTime, nullable=False),
    sa.UniqueConstraint("subscription_id", "dedupe_key", name="uq_webhook_events_dedupe"),
)

#: Webhooks refused (bad signature, bad input, too large): what and why, never the secret.
webhook_rejections = sa.Table(
    "webhook_rejections",
    metadata,
    _id(),
    _subscription(nullable=True),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("path", sa.String(300), nullable=False),
    sa.Column("status", sa.Integer, nullable=False),
    sa.Column("code", sa.String(40), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("remote_addr", sa.String(64), nullable=True),
    sa.Column("body_bytes", sa.Integer, nullable=False, default=0),
)

#: What was registered in the external system per (subscription, scope).
webhook_registrations = sa.Table(
    "webhook_registrations",
    metadata,
    _id(),
    _subscription(),
    sa.Column("scope", sa.String(60), nullable=False),
    sa.Column("state", sa.String(12), nullable=False),
    sa.Column("callback_url", sa.Text, nullable=False),
    sa.Column("registration", Json, nullable=False),
    sa.Column("secret", sa.Text, nullable=True),
    sa.Column("last_error", sa.Text, nullable=True),
    _updated(),
    sa.UniqueConstraint("subscription_id", "scope", name="uq_webhook_registrations_scope"),
    sa.CheckConstraint("state in ('enabled', 'disabled', 'failed')", name="state"),
)

#: Polling per (subscription, data type): schedule and the watermark to resume after.
poll_states = sa.Table(
    "poll_states",
    metadata,
    _id(),
    _subscription(),
    sa.Column("data_type", sa.String(40), nullable=False),
    sa.Column("interval_seconds", sa.Float, nullable=True),
    sa.Column("cron", sa.String(100), nullable=True),
    sa.Column("lookback_seconds", sa.Float, nullable=False, default=0),
    sa.Column("enabled", sa.Boolean, nullable=False, default=True),
    sa.Column("watermark", sa.String(255), nullable=True),
    sa.Column("next_run_at", UtcDateTime, nullable=True),
    sa.Column("last_run_at", UtcDateTime, nullable=True),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("records_total", sa.BigInteger, nullable=False, default=0),
    sa.UniqueConstraint("subscription_id", "data_type", name="uq_poll_states_type"),
)

#: Leases: one row per named role (``scheduler``); the holder renews before it expires.
leases = sa.Table(
    "leases",
    metadata,
    sa.Column("name", sa.String(60), primary_key=True),
    sa.Column("holder", sa.String(100), nullable=False),
    sa.Column("expires_at", UtcDateTime, nullable=False),
)

#: Hub-side events on a cron expression: poll, initialize or export a data type.
scheduled_events = sa.Table(
    "scheduled_events",
    metadata,
    _id(),
    _subscription(),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("data_type", sa.String(40), nullable=False),
    sa.Column("cron", sa.String(100), nullable=False),
    sa.Column("options", Json, nullable=False, default=dict),
    sa.Column("enabled", sa.Boolean, nullable=False, default=True),
    sa.Column("next_run_at", UtcDateTime, nullable=True),
    sa.Column("last_run_at", UtcDateTime, nullable=True),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.CheckConstraint("kind in ('poll', 'initialize', 'export')", name="kind"),
)
