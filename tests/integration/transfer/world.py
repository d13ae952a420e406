"""A small world for transfer tests: one company, systems as InMemoryConnectors."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from ipaas.bootstrap import Hub
from ipaas.connectors.memory import InMemoryConnector
from ipaas.domain import Direction, Method
from ipaas.store import NewQueueItem
from ipaas.store.tables import mapping_collections, subscriptions
from ipaas.store.types import utcnow
from ipaas.transfer.engine import WorkerOptions
from ipaas.transfer.provider import StaticConnectorProvider
from ipaas.transfer.worker import drain

# The external systems call a product's sku "code" and its name "title".
PRODUCT_TO_HUB: dict[str, Any] = {
    "field_mappings": [
        {"target": "sku", "type": "field", "source": "code"},
        {"target": "name", "type": "field", "source": "title"},
        {"target": "price", "type": "field", "source": "price"},
    ],
}
PRODUCT_FROM_HUB: dict[str, Any] = {
    "field_mappings": [
        {"target": "code", "type": "field", "source": "sku"},
        {"target": "title", "type": "field", "source": "name"},
        {"target": "price", "type": "field", "source": "price"},
    ],
}
FAST_RETRY = WorkerOptions(
    batch_size=20,
    prerequisite_delay=0.01,
    retry_policy=__import__("ipaas.domain", fromlist=["RetryPolicy"]).RetryPolicy(
        max_attempts=3, base_delay=0.01, max_delay=0.05, jitter=0.0
    ),
)


@dataclass
class World:
    hub: Hub
    company_id: int
    integration_id: int
    systems: dict[str, InMemoryConnector] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)
    options: WorkerOptions = FAST_RETRY

    def add_system(
        self,
        name: str,
        flows: dict[str, dict[str, bool]],
        *,
        collections: list[dict[str, Any]] | None = None,
        throttle: dict[str, Any] | None = None,
        **connector_args: Any,
    ) -> InMemoryConnector:
        """A subscription ``name`` with an InMemoryConnector and its mapping collections."""
        connector_args.setdefault("match_fields", {"product": ("code",)})
        connector = InMemoryConnector(id_prefix=f"{name}-", **connector_args)
        with self.hub.unit_of_work() as uow:
            sub_id = uow.tenants.create_subscription(self.company_id, self.integration_id, name)
            uow.conn.execute(
                sa.update(subscriptions)
                .where(subscriptions.c.id == sub_id)
                .values(flows=flows, **(throttle or {}))
            )
            now = utcnow()
            for c in collections if collections is not None else default_collections(flows):
                uow.conn.execute(
                    sa.insert(mapping_collections).values(
                        subscription_id=sub_id,
                        data_type=c["data_type"],
                        direction=c["direction"],
                        name=c["name"],
                        sync_type=c.get("sync_type", "add_and_update"),
                        collision_method=c.get("collision_method", "error"),
                        sort_order=0,
                        definition=c,
                        created_at=now,
                        updated_at=now,
                    )
                )
            uow.commit()
        self.systems[name] = connector
        self.ids[name] = sub_id
        return connector

    def provider(self) -> StaticConnectorProvider:
        return StaticConnectorProvider({self.ids[n]: c for n, c in self.systems.items()})

    def webhook(
        self,
        name: str,
        external_id: str,
        method: Method = Method.UPDATE,
        *,
        data_type: str = "product",
        payload: dict[str, Any] | None = None,
    ) -> str:
        """Enqueue what a webhook from system ``name`` would; returns the tracking id."""
        with self.hub.unit_of_work() as uow:
            _, tracking = uow.queue.enqueue(
                NewQueueItem(
                    self.ids[name], Direction.TO_HUB, data_type, external_id, method, payload
                )
            )
            uow.commit()
        return tracking

    def run(self, **kwargs: Any) -> int:
        """Process until the queue has nothing due."""
        return asyncio.run(
            drain(self.hub, provider=self.provider(), options=self.options, **kwargs)
        )


def default_collections(flows: dict[str, dict[str, bool]]) -> list[dict[str, Any]]:
    found = []
    for data_type, flow in flows.items():
        if data_type != "product":
            continue
        if flow.get("to_hub"):
            found.append(
                {"data_type": "product", "direction": "to_hub", "name": "p in", **PRODUCT_TO_HUB}
            )
        if flow.get("from_hub"):
            found.append(
                {
                    "data_type": "product",
                    "direction": "from_hub",
                    "name": "p out",
                    **PRODUCT_FROM_HUB,
                }
            )
    return found


def make_world(hub: Hub) -> World:
    with hub.unit_of_work() as uow:
        integrator = uow.tenants.create_company("Builder", "integrator")
        company = uow.tenants.create_company("Shop Co", "subscriber")
        integration = uow.tenants.create_integration(integrator, "memory", "Memory", "memory")
        uow.commit()
    return World(hub, company, integration)


def one_subscription(hub: Hub) -> int:
    """A world with one subscription sending products to the hub; its id."""
    w = make_world(hub)
    w.add_system("shop", OUT)
    return w.ids["shop"]


BOTH = {"product": {"to_hub": True, "from_hub": True}}
OUT = {"product": {"to_hub": True}}
IN = {"product": {"from_hub": True}}
