"""Subscriptions, their flows and compiled mapping collections, as the workers see them.

``flows`` on a subscription has the shape ``{"<data_type>": {"to_hub": true, "from_hub":
true}}``: a data type flows to the hub from a subscription with ``to_hub``, and from the
hub to every subscription of the same company with ``from_hub`` and a ``from_hub``
mapping collection for that data type. Entries are cached for ``ttl`` seconds per process
so a claim batch costs no configuration queries; ``invalidate()`` drops the cache.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import sqlalchemy as sa

from ipaas.domain import Direction, Method
from ipaas.errors import NotFoundError
from ipaas.mapping import (
    CompiledCollection,
    LookupTable,
    MappingCollection,
    compile_collection,
)
from ipaas.store.transfer import SubscriptionInfo, TransferStore


@dataclass(frozen=True, slots=True)
class _Entry:
    loaded_at: float
    info: SubscriptionInfo
    collections: tuple[tuple[MappingCollection, CompiledCollection], ...]


class SubscriptionDirectory:
    """Cached subscription settings, flows and compiled mapping collections."""

    def __init__(self, ttl: float = 5.0) -> None:
        self.ttl = ttl
        self._subs: dict[int, _Entry] = {}
        self._companies: dict[int, tuple[float, list[int]]] = {}

    def invalidate(self) -> None:
        """Forget everything cached (after configuration changes)."""
        self._subs.clear()
        self._companies.clear()

    def _entry(self, conn: sa.Connection, subscription_id: int) -> _Entry:
        now = time.monotonic()
        entry = self._subs.get(subscription_id)
        if entry is not None and now - entry.loaded_at < self.ttl:
            return entry
        store = TransferStore(conn)
        info = store.subscription(subscription_id)
        if info is None:
            raise NotFoundError(f"subscription {subscription_id} not found")
        tables = {
            t["name"]: LookupTable.model_validate(t)
            for t in store.lookup_definitions(info.id, info.integration_id)
        }
        compiled = []
        for definition in store.mapping_definitions(info.id):
            collection = MappingCollection.model_validate(definition)
            compiled.append((collection, compile_collection(collection, tables)))
        entry = _Entry(now, info, tuple(compiled))
        self._subs[subscription_id] = entry
        return entry

    def info_cached(self, subscription_id: int) -> SubscriptionInfo | None:
        """A subscription's settings if cached (no database access), else None."""
        entry = self._subs.get(subscription_id)
        return entry.info if entry is not None else None

    def info(self, conn: sa.Connection, subscription_id: int) -> SubscriptionInfo:
        """A subscription's settings; ``NotFoundError`` when it is gone."""
        return self._entry(conn, subscription_id).info

    def collection(
        self,
        conn: sa.Connection,
        subscription_id: int,
        data_type: str,
        direction: Direction,
        method: Method,
    ) -> CompiledCollection | None:
        """The first collection of the subscription for data type and direction serving
        ``method`` (a ``read`` is served by any create or update collection)."""
        methods = (Method.CREATE, Method.UPDATE) if method is Method.READ else (method,)
        for collection, compiled in self._entry(conn, subscription_id).collections:
            if collection.data_type != data_type or collection.direction is not direction:
                continue
            if any(collection.serves(m) for m in methods):
                return compiled
        return None

    def has_collection(
        self, conn: sa.Connection, subscription_id: int, data_type: str, direction: Direction
    ) -> bool:
        """Whether the subscription has any collection for data type and direction."""
        return any(
            c.data_type == data_type and c.direction is direction
            for c, _ in self._entry(conn, subscription_id).collections
        )

    def targets(
        self, conn: sa.Connection, company_id: int, data_type: str, *, exclude: int | None
    ) -> list[SubscriptionInfo]:
        """Subscriptions of a company receiving ``data_type`` from the hub (not ``exclude``)."""
        now = time.monotonic()
        cached = self._companies.get(company_id)
        if cached is None or now - cached[0] >= self.ttl:
            ids = [s.id for s in TransferStore(conn).company_subscriptions(company_id)]
            cached = (now, ids)
            self._companies[company_id] = cached
        found = []
        for sub_id in cached[1]:
            if sub_id == exclude:
                continue
            info = self.info(conn, sub_id)
            if info.flows_from_hub(data_type) and self.has_collection(
                conn, sub_id, data_type, Direction.FROM_HUB
            ):
                found.append(info)
        return found
