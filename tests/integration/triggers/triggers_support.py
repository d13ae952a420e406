"""Helpers of the triggers tests: a company with a subscription that receives products."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ipaas.bootstrap import Hub
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
