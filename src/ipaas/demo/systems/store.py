"""The document store of a demo system: one SQLite file, JSON documents per resource.

Every document has a ``created_at`` and an ``updated_at`` column. Timestamps come from a
monotonic clock taken under the write lock, so every write gets a strictly larger
``updated_at`` than the one before: listing ``ORDER BY updated_at, seq`` with
``updated_at >= since`` never misses a change that committed after an earlier poll.
Deletes keep the document as a tombstone (``deleted = 1``) so pollers can see them.

One connection guarded by a re-entrant lock: requests run concurrently in the event loop
and in worker threads, each store call is short, and SQLite serialises writers anyway.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    resource TEXT NOT NULL,
    key TEXT NOT NULL,
    seq INTEGER NOT NULL,
    data TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (resource, key)
);
CREATE INDEX IF NOT EXISTS documents_by_change ON documents (resource, updated_at, seq);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS idempotency (
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    status INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (scope, key)
);
"""

TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%f+00:00"


def format_timestamp(moment: datetime) -> str:
    """The store's sortable UTC spelling of ``moment`` (which must carry a time zone)."""
    return moment.astimezone(UTC).strftime(TIMESTAMP_FORMAT)


def parse_timestamp(text: str, field: str) -> str:
    """Parse an ISO 8601 timestamp with a time zone into the store's spelling."""
    from ipaas.errors import ValidationError

    try:
        moment = datetime.fromisoformat(text.replace(" ", "+"))
    except ValueError:
        raise ValidationError(f"{field} is not an ISO 8601 timestamp", field=field) from None
    if moment.tzinfo is None:
        raise ValidationError(f"{field} must include a time zone", field=field)
    return format_timestamp(moment)


@dataclass(frozen=True)
class StoredDocument:
    """One document as stored: its data plus the store's bookkeeping."""

    resource: str
    key: str
    seq: int
    data: dict[str, Any]
    created_at: str
    updated_at: str
    deleted: bool


@dataclass(frozen=True)
class Query:
    """Which documents of a resource to list, and from where.

    ``equals`` filters on JSON paths (``$.email``); ``any_equals`` on a path inside a list
    (``("$.variants", "$.sku")``). Matching text is compared case-insensitively.
    """

    updated_since: str | None = None
    after: tuple[str, int] | None = None
    include_deleted: bool = False
    equals: Mapping[str, str] | None = None
    any_equals: Mapping[tuple[str, str], str] | None = None


class DocumentStore:
    """Documents, counters and idempotency results of one demo system in one SQLite file."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.executescript(_SCHEMA)
        self._last_stamp = datetime.now(UTC)
        self._depth = 0

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._conn.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Hold the lock and one SQLite transaction; nested calls join the outer one."""
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            self._conn.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            else:
                self._conn.execute("COMMIT")
            finally:
                self._depth = 0

    def _stamp(self) -> str:
        # Strictly increasing even if the wall clock stalls or steps back.
        now = datetime.now(UTC)
        if now <= self._last_stamp:
            now = self._last_stamp + timedelta(microseconds=1)
        self._last_stamp = now
        return format_timestamp(now)

    def next_value(self, counter: str, start: int = 1) -> int:
        """The next number of ``counter`` (first ``start``), never handed out twice."""
        with self.transaction():
            row = self._conn.execute(
                "SELECT value FROM counters WHERE name = ?", (counter,)
            ).fetchone()
            value = start if row is None else max(int(row[0]) + 1, start)
            self._conn.execute(
                "INSERT INTO counters (name, value) VALUES (?, ?) "
                "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                (counter, value),
            )
        return value

    def current_value(self, counter: str) -> int:
        """The last number handed out by ``counter`` (0 if none)."""
        with self._lock:
            row = self._conn.execute(
                "SELECT value FROM counters WHERE name = ?", (counter,)
            ).fetchone()
        return int(row[0]) if row else 0

    def get(self, resource: str, key: str, include_deleted: bool = False) -> StoredDocument | None:
        """The document ``key`` of ``resource``; tombstones only if asked for."""
        with self._lock:
            row = self._conn.execute(
                "SELECT resource, key, seq, data, created_at, updated_at, deleted "
                "FROM documents WHERE resource = ? AND key = ?",
                (resource, key),
            ).fetchone()
        document = _document(row) if row else None
        if document and document.deleted and not include_deleted:
            return None
        return document

    def put(self, resource: str, key: str, data: dict[str, Any]) -> StoredDocument:
        """Create or replace a document (reviving a tombstone); stamps ``updated_at``."""
        with self.transaction():
            stamp = self._stamp()
            existing = self.get(resource, key)
            created_at = existing.created_at if existing else stamp
            seq = existing.seq if existing else self.next_value(f"seq:{resource}")
            self._conn.execute(
                "INSERT INTO documents (resource, key, seq, data, created_at, updated_at, deleted)"
                " VALUES (?, ?, ?, ?, ?, ?, 0) ON CONFLICT (resource, key) DO UPDATE SET"
                " seq = excluded.seq, data = excluded.data, created_at = excluded.created_at,"
                " updated_at = excluded.updated_at, deleted = 0",
                (resource, key, seq, json.dumps(data), created_at, stamp),
            )
        return StoredDocument(resource, key, seq, data, created_at, stamp, False)

    def delete(self, resource: str, key: str) -> StoredDocument | None:
        """Turn a live document into a tombstone; None if there is none."""
        with self.transaction():
            existing = self.get(resource, key)
            if existing is None:
                return None
            stamp = self._stamp()
            self._conn.execute(
                "UPDATE documents SET deleted = 1, updated_at = ? WHERE resource = ? AND key = ?",
                (stamp, resource, key),
            )
        return StoredDocument(
            resource, key, existing.seq, existing.data, existing.created_at, stamp, True
        )

    def list(
        self, resource: str, query: Query, limit: int, offset: int = 0
    ) -> list[StoredDocument]:
        """Documents in change order (``updated_at``, then ``seq``)."""
        clauses: list[str] = ["resource = ?"]
        params: list[Any] = [resource]
        if not query.include_deleted:
            clauses.append("deleted = 0")
        if query.updated_since is not None:
            clauses.append("updated_at >= ?")
            params.append(query.updated_since)
        if query.after is not None:
            clauses.append("(updated_at, seq) > (?, ?)")
            params.extend(query.after)
        for path, value in (query.equals or {}).items():
            clauses.append("lower(json_extract(data, ?)) = lower(?)")
            params.extend([path, value])
        for (list_path, path), value in (query.any_equals or {}).items():
            clauses.append(
                "EXISTS (SELECT 1 FROM json_each(data, ?) AS item"
                " WHERE lower(json_extract(item.value, ?)) = lower(?))"
            )
            params.extend([list_path, path, value])
        sql = (
            "SELECT resource, key, seq, data, created_at, updated_at, deleted FROM documents"
            f" WHERE {' AND '.join(clauses)} ORDER BY updated_at, seq LIMIT ? OFFSET ?"
        )
        with self._lock:
            rows = self._conn.execute(sql, [*params, limit, offset]).fetchall()
        return [_document(row) for row in rows]

    def counts(self) -> dict[str, dict[str, int]]:
        """Live and deleted documents per resource."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT resource, deleted, count(*) FROM documents GROUP BY resource, deleted"
            ).fetchall()
        result: dict[str, dict[str, int]] = {}
        for resource, deleted, count in rows:
            entry = result.setdefault(resource, {"live": 0, "deleted": 0})
            entry["deleted" if deleted else "live"] = count
        return result

    def idempotent_result(self, scope: str, key: str) -> tuple[int, Any] | None:
        """The stored answer to an earlier request with this idempotency key, if any."""
        with self._lock:
            row = self._conn.execute(
                "SELECT status, body FROM idempotency WHERE scope = ? AND key = ?", (scope, key)
            ).fetchone()
        return (int(row[0]), json.loads(row[1])) if row else None

    def remember_result(self, scope: str, key: str, status: int, body: Any) -> None:
        """Remember the answer to a request with an idempotency key."""
        with self.transaction():
            self._conn.execute(
                "INSERT OR IGNORE INTO idempotency (scope, key, status, body) VALUES (?, ?, ?, ?)",
                (scope, key, status, json.dumps(body)),
            )

    def reset(self) -> None:
        """Forget every document, counter and idempotency result."""
        with self.transaction():
            for table in ("documents", "counters", "idempotency"):
                self._conn.execute(f"DELETE FROM {table}")


def _document(row: tuple[Any, ...]) -> StoredDocument:
    resource, key, seq, data, created_at, updated_at, deleted = row
    return StoredDocument(
        resource, key, int(seq), json.loads(data), created_at, updated_at, bool(deleted)
    )
