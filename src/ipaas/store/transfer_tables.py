"""Tables of the transfer engine: throttle state, activity and technical logs, initializations.

Defined on the shared ``metadata``; migration ``0002_transfer`` creates them.
"""

from __future__ import annotations

import sqlalchemy as sa

from ipaas.store.tables import metadata, queue_items
from ipaas.store.types import BigId, Json, UtcDateTime

#: Claims walk this index in (priority DESC, id ASC) order and stop at the batch size.
ix_queue_items_claim_order = sa.Index(
    "ix_queue_items_claim_order",
    queue_items.c.state,
    queue_items.c.priority.desc(),
    queue_items.c.id,
)

#: One row per subscription that has ever been throttled or paused by a 429.
subscription_throttle = sa.Table(
    "subscription_throttle",
    metadata,
    sa.Column(
        "subscription_id",
        BigId,
        sa.ForeignKey("subscriptions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    # Seconds since the epoch: the earliest moment the next call may start (rate limit).
    sa.Column("next_slot_at", sa.Float, nullable=False, default=0.0),
    # Seconds since the epoch until which the external system asked us to wait (429).
    sa.Column("paused_until", sa.Float, nullable=False, default=0.0),
)

#: Concurrency slots of a subscription, held by one worker call at a time, with an expiry
#: so a killed worker never keeps a slot.
throttle_slots = sa.Table(
    "throttle_slots",
    metadata,
    sa.Column(
        "subscription_id",
        BigId,
        sa.ForeignKey("subscriptions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("slot", sa.Integer, primary_key=True),
    sa.Column("holder", sa.String(100), nullable=True),
    sa.Column("expires_at", sa.Float, nullable=False, default=0.0),
)

#: What happened to which record, in words, for users.
activity_log = sa.Table(
    "activity_log",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("at", UtcDateTime, nullable=False, index=True),
    sa.Column("subscription_id", BigId, nullable=True, index=True),
    sa.Column("queue_item_id", BigId, nullable=True),
    sa.Column("tracking_id", sa.String(40), nullable=True, index=True),
    sa.Column("data_type", sa.String(40), nullable=True),
    sa.Column("record_key", sa.String(255), nullable=True),
    sa.Column("hub_record_id", BigId, nullable=True),
    sa.Column("level", sa.String(10), nullable=False, default="info"),
    sa.Column("message", sa.Text, nullable=False),
)

#: Details for integrators (events, payload excerpts, errors), keyed by tracking id.
technical_log = sa.Table(
    "technical_log",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("at", UtcDateTime, nullable=False, index=True),
    sa.Column("subscription_id", BigId, nullable=True),
    sa.Column("queue_item_id", BigId, nullable=True),
    sa.Column("tracking_id", sa.String(40), nullable=True, index=True),
    sa.Column("level", sa.String(10), nullable=False, default="info"),
    sa.Column("event", sa.String(60), nullable=False),
    sa.Column("details", Json, nullable=True),
)

#: Progress of initializing one data type of one subscription in one direction.
initializations = sa.Table(
    "initializations",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column(
        "subscription_id",
        BigId,
        sa.ForeignKey("subscriptions.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("data_type", sa.String(40), nullable=False),
    sa.Column("direction", sa.String(10), nullable=False),
    sa.Column("state", sa.String(12), nullable=False),
    sa.Column("cursor", sa.Text, nullable=True),
    sa.Column("pages", sa.Integer, nullable=False, default=0),
    sa.Column("records", sa.BigInteger, nullable=False, default=0),
    sa.Column("tracking_id", sa.String(40), nullable=False),
    sa.Column("debug", sa.Boolean, nullable=False, default=False),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("started_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Column("finished_at", UtcDateTime, nullable=True),
    sa.CheckConstraint("state in ('running', 'done', 'error')", name="state"),
)

#: Extra ids a target returned on a write (e.g. ids of transaction lines).
extra_external_ids = sa.Table(
    "extra_external_ids",
    metadata,
    sa.Column(
        "subscription_id",
        BigId,
        sa.ForeignKey("subscriptions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("data_type", sa.String(40), primary_key=True),
    sa.Column(
        "hub_record_id",
        BigId,
        sa.ForeignKey("hub_records.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("name", sa.String(200), primary_key=True),
    sa.Column("external_id", sa.String(255), nullable=False),
)
