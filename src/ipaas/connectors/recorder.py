"""Api-call recorders: where the recording client hands its rows.

``ApiCallRecorder`` keeps the cost per call to appending to a list; a background thread
writes the rows in batches (every ``flush_interval`` seconds or ``batch_size`` rows), so a
connector never waits for the database. ``flush()`` writes what is pending now; ``close()``
stops the thread after a last flush.
"""

from __future__ import annotations

import logging
import threading
from typing import Protocol

import sqlalchemy as sa

from ipaas.store.api_calls import ApiCallRepository, NewApiCall

log = logging.getLogger(__name__)


class ApiCallSink(Protocol):
    """Anything that accepts api-call rows."""

    def record(self, row: NewApiCall) -> None:
        """Take one row; must be cheap and never raise."""


class ListRecorder:
    """Keeps rows in memory: for tests and tools that do not need a database."""

    def __init__(self) -> None:
        self.rows: list[NewApiCall] = []

    def record(self, row: NewApiCall) -> None:
        self.rows.append(row)


class ApiCallRecorder:
    """Writes api-call rows to the hub's database in batches from a background thread."""

    def __init__(
        self,
        engine: sa.Engine,
        *,
        flush_interval: float = 0.2,
        batch_size: int = 500,
        max_pending: int = 100_000,
    ) -> None:
        self._engine = engine
        self._flush_interval = flush_interval
        self._batch_size = batch_size
        self._max_pending = max_pending
        self._pending: list[NewApiCall] = []
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = False
        self._thread: threading.Thread | None = None
        #: Rows dropped because the database could not keep up (or kept failing).
        self.dropped = 0
        #: Rows written so far.
        self.written = 0

    def start(self) -> ApiCallRecorder:
        """Start the background writer (``record`` starts it on first use as well)."""
        with self._lock:
            if self._thread is None and not self._stopping:
                self._thread = threading.Thread(
                    target=self._run, name="ipaas-api-call-recorder", daemon=True
                )
                self._thread.start()
        return self

    def record(self, row: NewApiCall) -> None:
        """Queue one row for writing; cheap, never blocks on the database."""
        if self._thread is None:
            self.start()
        with self._lock:
            if len(self._pending) >= self._max_pending:
                # Bounded memory beats an out-of-memory hub; the count shows in monitoring.
                self._pending.pop(0)
                self.dropped += 1
            self._pending.append(row)
            full = len(self._pending) >= self._batch_size
        if full:
            self._wake.set()

    @property
    def pending(self) -> int:
        """Rows not yet written."""
        return len(self._pending)

    def flush(self) -> int:
        """Write every pending row now; returns how many were written."""
        with self._write_lock:
            with self._lock:
                rows, self._pending = self._pending, []
            if not rows:
                return 0
            try:
                with self._engine.begin() as conn:
                    ApiCallRepository(conn).insert_many(rows)
            except Exception:
                # The log must not take the hub down; keep the rows for the next try.
                log.exception("writing %d api-call rows failed; will retry", len(rows))
                with self._lock:
                    self._pending[:0] = rows
                    overflow = len(self._pending) - self._max_pending
                    if overflow > 0:
                        del self._pending[:overflow]
                        self.dropped += overflow
                return 0
            self.written += len(rows)
            return len(rows)

    def close(self) -> None:
        """Stop the background writer after writing what is pending."""
        with self._lock:
            self._stopping = True
            thread = self._thread
        self._wake.set()
        if thread is not None:
            thread.join(timeout=10)
        self.flush()

    def __enter__(self) -> ApiCallRecorder:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _run(self) -> None:
        while not self._stopping:
            self._wake.wait(self._flush_interval)
            self._wake.clear()
            if self._pending:
                self.flush()
