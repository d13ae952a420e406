"""Indexes the dashboard's read paths need on tables defined elsewhere.

``api_calls (subscription_id, record_key, id)`` serves the API-call log filtered by record
(newest first, keyset by id) without scanning a subscription's whole history; lookups by
tracking id already have ``ix_api_calls_tracking_id``.

``ix_api_calls_failed`` is partial: it holds only calls with an error or no status (few, in a
healthy hub), so "No answer / error" finds them without reading every call. Its predicate is
written exactly as ``ipaas.store.api_calls`` filters ``failed``, so SQLite can use it.
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

_FAILED = sa.or_(api_calls.c.error.is_not(None), api_calls.c.status.is_(None))
ix_api_calls_failed = sa.Index(
    "ix_api_calls_failed",
    api_calls.c.subscription_id,
    api_calls.c.id,
    sqlite_where=_FAILED,
    postgresql_where=_FAILED,
)
