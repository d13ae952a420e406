"""Indexes the dashboard's read paths need on tables defined elsewhere.

``api_calls (subscription_id, record_key, id)`` serves the API-call log filtered by record
(newest first, keyset by id) without scanning a subscription's whole history; lookups by
tracking id already have ``ix_api_calls_tracking_id``.
"""

from __future__ import annotations

import sqlalchemy as sa

from ipaas.store.tables import api_calls

ix_api_calls_record = sa.Index(
    "ix_api_calls_subscription_record_id",
    api_calls.c.subscription_id,
    api_calls.c.record_key,
    api_calls.c.id,
)
