"""Helpers of the triggers tests: a company with a subscription that receives products."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from ipaas.bootstrap import Hub
from ipaas.connectors.base import Connector, ExternalRecord, PollPage, WriteResult
from ipaas.errors import RetriableError
from ipaas.store.tables import queue_items
from ipaas.store.triggers import TriggerRepository

FLOWS = {
    "product": {"to_hub": True, "from_hub": True},
    "customer": {"to_hub": True, "from_hub": False},
}


@dataclass
class Spoke:
    """A subscription in the hub, with its generic-hook key and hook path token."""

    subscription_id: int
    key: str
    token: str


def add_subscription(
    hub: Hub, *, webhook: dict[str, Any] | None = None, settings: dict[str, Any] | None = None
) -> Spoke:
    """A subscriber company connected to an integration with ``webhook`` as its format."""
    with hub.unit_of_work() as uow:
        integrator = uow.tenants.create_company("Builder", "integrator")
        company = uow.tenants.create_company("Shop Ltd", "subscriber")
        definition = {"webhook": webhook} if webhook is not None else {}
        integration = uow.tenants.create_integration(
            integrator, f"shop{id(webhook)}", "Shop", "memory", definition=definition
        )
        subscription = uow.tenants.create_subscription(
            company, integration, "shop", settings=settings
        )
        repo = TriggerRepository(uow.conn)
        repo.set_flows(subscription, FLOWS)
        key = repo.create_key(subscription)
        token = repo.token(subscription)
        assert token is not None
        uow.commit()
    return Spoke(subscription, key, token)


class ChangeLogConnector(Connector):
    """A fake external system whose poll returns records changed after a sequence number.

    Like a real "changed since" API it returns each record's current state once, in change
    order, ``page_size`` per page; the watermark is the last change number of the page.
    """

    name = "changelog"

    def __init__(self, page_size: int = 100) -> None:
        super().__init__({}, None)
        self.page_size = page_size
        self.records: dict[str, dict[str, Any]] = {}
        self.changed_at: dict[str, int] = {}
        self.sequence = 0
        self.poll_calls = 0
        self.fail_after_pages: int | None = None

    def change(self, external_id: str, body: dict[str, Any]) -> None:
        """Create or change a record in the source."""
        self.sequence += 1
        self.records[external_id] = {**body, "id": external_id}
        self.changed_at[external_id] = self.sequence

    async def poll(self, data_type: str, since: str | None) -> AsyncIterator[PollPage]:
        self.poll_calls += 1
        after = int(since or 0)
        changed = sorted((seq, i) for i, seq in self.changed_at.items() if seq > after)
        for page_number, start in enumerate(range(0, len(changed), self.page_size)):
            if self.fail_after_pages is not None and page_number >= self.fail_after_pages:
                raise RetriableError("the source went away")
            chunk = changed[start : start + self.page_size]
            await asyncio.sleep(0)
            yield PollPage(
                [ExternalRecord(i, dict(self.records[i])) for _, i in chunk], str(chunk[-1][0])
            )

    async def read(self, data_type: str, external_id: str) -> ExternalRecord:
        return ExternalRecord(external_id, dict(self.records[external_id]))

    async def create(
        self, data_type: str, record: dict[str, Any], *, idempotency_key: str | None = None
    ) -> WriteResult:
        raise NotImplementedError

    async def update(self, data_type: str, external_id: str, record: dict[str, Any]) -> WriteResult:
        raise NotImplementedError

    async def delete(self, data_type: str, external_id: str) -> None:
        raise NotImplementedError


class Provider:
    """Hands out fixed connectors by subscription id."""

    def __init__(self, connectors: dict[int, Connector]) -> None:
        self.connectors = connectors

    def get(self, subscription_id: int) -> Connector:
        return self.connectors[subscription_id]


def queue_keys(hub: Hub, subscription_id: int) -> list[str]:
    """The record keys of a subscription's queue items, oldest first."""
    with hub.unit_of_work() as uow:
        return list(
            uow.conn.execute(
                sa.select(queue_items.c.record_key)
                .where(queue_items.c.subscription_id == subscription_id)
                .order_by(queue_items.c.id)
            ).scalars()
        )
