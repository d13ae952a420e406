"""``InMemoryConnector``: a complete fake external system, for tests and benchmarks.

It keeps records per data type in dicts, counts every call, and can be told to fail:
``fail_next("429", times=2, retry_after=1.0)``, ``fail_next("500")``, ``fail_next("timeout")``
or ``fail_next("400")``. ``latency`` adds an ``asyncio.sleep`` to each call. Creates with an
idempotency key return the record made by the first call with that key.

``find`` over a data type with ``match_fields`` uses an index kept by ``put``, ``create``,
``update`` and ``delete`` (so a benchmark's fake is not quadratic): change records through
those methods, not by editing the dicts they return.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from ipaas.connectors.base import (
    Capability,
    Connector,
    ExternalRecord,
    PollPage,
    WebhookEvent,
    WebhookRequest,
    WriteResult,
    call_context,
)
from ipaas.domain import DATA_TYPES, Method
from ipaas.errors import NotFoundError, RateLimitedError, RetriableError, ValidationError

#: A source of records for ``poll``, e.g. a generator of a million records that are
#: never all in memory at once.
RecordSource = Callable[[str], Iterator[ExternalRecord]]


@dataclass(frozen=True, slots=True)
class RecordedCall:
    """One call the fake received."""

    at: float
    operation: str
    data_type: str
    external_id: str | None
    queue_item_id: int | None
    tracking_id: str | None


@dataclass
class _Failure:
    kind: str
    times: int
    retry_after: float | None
    operations: frozenset[str] | None


class InMemoryConnector(Connector):
    """A fake external system holding records in memory (see the module docstring)."""

    name: ClassVar[str] = "memory"
    title: ClassVar[str] = "In-memory test system"
    capabilities: ClassVar[tuple[Capability, ...]] = tuple(Capability(name) for name in DATA_TYPES)
    idempotent_create: ClassVar[bool] = True

    def __init__(
        self,
        settings: Mapping[str, Any] | None = None,
        http: Any = None,
        *,
        latency: float = 0.0,
        id_prefix: str = "m",
        match_fields: Mapping[str, tuple[str, ...]] | None = None,
        page_size: int = 500,
        source: RecordSource | None = None,
        record_calls: bool = True,
    ) -> None:
        super().__init__(settings or {}, http)
        self.latency = latency
        self.id_prefix = id_prefix
        self.match_fields = dict(match_fields or {})
        self.page_size = page_size
        self.source = source
        self.record_calls = record_calls
        self.records: dict[str, dict[str, dict[str, Any]]] = {}
        self.deleted: dict[str, set[str]] = {}
        self.counters: Counter[str] = Counter()
        self.calls: list[RecordedCall] = []
        self._ids = itertools.count(1)
        self._idempotency: dict[str, str] = {}
        self._failures: list[_Failure] = []
        # data type -> match field values -> external id (see ``find``)
        self._index: dict[str, dict[tuple[Any, ...], str]] = {}

    # --- switches and inspection ------------------------------------------------------

    def fail_next(
        self,
        kind: str,
        *,
        times: int = 1,
        retry_after: float | None = None,
        operations: tuple[str, ...] | None = None,
    ) -> None:
        """Fail the next ``times`` calls (of ``operations``, default any) with ``kind``:
        ``429`` (with ``retry_after``), ``500``, ``timeout`` or ``400``."""
        if kind not in ("429", "500", "timeout", "400"):
            raise ValueError(f"unknown failure kind {kind!r}")
        self._failures.append(
            _Failure(kind, times, retry_after, frozenset(operations) if operations else None)
        )

    def put(self, data_type: str, record: dict[str, Any], external_id: str | None = None) -> str:
        """Store a record directly (as if a user made it in the system); returns its id."""
        new_id = external_id or f"{self.id_prefix}{next(self._ids)}"
        stored = self.records.setdefault(data_type, {})
        if new_id in stored:
            self._unindex(data_type, new_id, stored[new_id])
        stored[new_id] = {**record, "id": new_id}
        self._reindex(data_type, new_id, stored[new_id])
        return new_id

    def _index_key(self, data_type: str, body: Mapping[str, Any]) -> tuple[Any, ...] | None:
        fields = self.match_fields.get(data_type)
        if not fields:
            return None
        values = tuple(body.get(f) for f in fields)
        if any(v is None for v in values):
            return None
        try:
            hash(values)
        except TypeError:
            return None
        return values

    def _reindex(self, data_type: str, external_id: str, body: Mapping[str, Any]) -> None:
        key = self._index_key(data_type, body)
        if key is not None:
            # The first record with these values wins, as in a scan in insertion order.
            self._index.setdefault(data_type, {}).setdefault(key, external_id)

    def _unindex(self, data_type: str, external_id: str, body: Mapping[str, Any]) -> None:
        key = self._index_key(data_type, body)
        index = self._index.get(data_type, {})
        if key is not None and index.get(key) == external_id:
            del index[key]
            # Another record may hold the same values: let the next find scan for it.
            for other_id, other in self.records.get(data_type, {}).items():
                if other_id != external_id and self._index_key(data_type, other) == key:
                    index[key] = other_id
                    break

    def get(self, data_type: str, external_id: str) -> dict[str, Any] | None:
        """A stored record, or None."""
        return self.records.get(data_type, {}).get(external_id)

    def all(self, data_type: str) -> dict[str, dict[str, Any]]:
        """Every stored record of a type, by external id."""
        return dict(self.records.get(data_type, {}))

    @property
    def writes(self) -> int:
        """Creates plus updates plus deletes that succeeded."""
        return self.counters["create"] + self.counters["update"] + self.counters["delete"]

    # --- the connector interface ------------------------------------------------------

    async def _call(self, operation: str, data_type: str, external_id: str | None) -> None:
        ctx = call_context.get()
        if self.record_calls:
            self.calls.append(
                RecordedCall(
                    time.monotonic(),
                    operation,
                    data_type,
                    external_id,
                    ctx.queue_item_id,
                    ctx.tracking_id,
                )
            )
        self.counters[f"{operation}_calls"] += 1
        if self.latency:
            await asyncio.sleep(self.latency)
        for failure in self._failures:
            if failure.times > 0 and (
                failure.operations is None or operation in failure.operations
            ):
                failure.times -= 1
                self.counters[f"failed_{failure.kind}"] += 1
                if failure.kind == "429":
                    raise RateLimitedError(
                        "HTTP 429 Too Many Requests", retry_after=failure.retry_after
                    )
                if failure.kind == "500":
                    raise RetriableError("HTTP 500 Internal Server Error")
                if failure.kind == "timeout":
                    raise RetriableError("timed out after 30 s")
                raise ValidationError("HTTP 400 Bad Request: the system refused the record")
        self._failures = [f for f in self._failures if f.times > 0]

    async def read(self, data_type: str, external_id: str) -> ExternalRecord:
        await self._call("read", data_type, external_id)
        found = self.get(data_type, external_id)
        if found is None:
            raise NotFoundError(f"{data_type} {external_id} not found")
        self.counters["read"] += 1
        return ExternalRecord(external_id, dict(found))

    async def create(
        self, data_type: str, record: dict[str, Any], *, idempotency_key: str | None = None
    ) -> WriteResult:
        await self._call("create", data_type, None)
        if idempotency_key is not None and idempotency_key in self._idempotency:
            existing = self._idempotency[idempotency_key]
            self.counters["create_replayed"] += 1
            return WriteResult(existing, dict(self.records[data_type][existing]))
        new_id = self.put(data_type, record)
        if idempotency_key is not None:
            self._idempotency[idempotency_key] = new_id
        self.counters["create"] += 1
        return WriteResult(new_id, dict(self.records[data_type][new_id]))

    async def update(self, data_type: str, external_id: str, record: dict[str, Any]) -> WriteResult:
        await self._call("update", data_type, external_id)
        current = self.get(data_type, external_id)
        if current is None:
            raise NotFoundError(f"{data_type} {external_id} not found")
        self._unindex(data_type, external_id, current)
        current.update(record)
        current["id"] = external_id
        self._reindex(data_type, external_id, current)
        self.counters["update"] += 1
        return WriteResult(external_id, dict(current))

    async def delete(self, data_type: str, external_id: str) -> None:
        await self._call("delete", data_type, external_id)
        removed = self.records.get(data_type, {}).pop(external_id, None)
        if removed is not None:
            self._unindex(data_type, external_id, removed)
            self.deleted.setdefault(data_type, set()).add(external_id)
            self.counters["delete"] += 1

    async def find(self, data_type: str, match: dict[str, Any]) -> ExternalRecord | None:
        await self._call("find", data_type, None)
        fields = self.match_fields.get(data_type) or tuple(match)
        wanted = {f: match.get(f) for f in fields}
        if not wanted or any(v is None for v in wanted.values()):
            return None
        if data_type in self.match_fields and self._index_key(data_type, wanted) is not None:
            found_id = self._index.get(data_type, {}).get(tuple(wanted.values()))
            if found_id is None:
                return None
            return ExternalRecord(found_id, dict(self.records[data_type][found_id]))
        for external_id, body in self.records.get(data_type, {}).items():
            if all(body.get(f) == v for f, v in wanted.items()):
                return ExternalRecord(external_id, dict(body))
        return None

    async def poll(self, data_type: str, since: str | None) -> AsyncIterator[PollPage]:
        """Pages of records after cursor ``since`` (a position in the record order)."""
        start = int(since or 0)
        records: Iterator[ExternalRecord]
        if self.source is not None:
            records = itertools.islice(self.source(data_type), start, None)
        else:
            stored = list(self.records.get(data_type, {}).items())[start:]
            records = (ExternalRecord(i, dict(b)) for i, b in stored)
        position = start
        while True:
            await self._call("poll", data_type, None)
            page = list(itertools.islice(records, self.page_size))
            if not page:
                return
            position += len(page)
            yield PollPage(page, str(position))

    def parse_webhook(self, request: WebhookRequest) -> list[WebhookEvent]:
        """``{"data_type", "id", "method", "record"?}`` or a list of them."""
        body = request.json()
        events = body if isinstance(body, list) else [body]
        return [
            WebhookEvent(
                e["data_type"], str(e["id"]), Method(e.get("method", "update")), e.get("record")
            )
            for e in events
        ]
