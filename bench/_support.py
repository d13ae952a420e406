"""Hub set-up shared by the webhook benches (ingest, ingest on PostgreSQL, serve)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ipaas.bootstrap import Hub


def webhook_subscription(hub: Hub, company_name: str) -> tuple[int, str]:
    """A subscription of ``company_name`` taking products to the hub, and its webhook key.

    Closes ``hub`` when done (each bench prepares its database in a hub of its own)."""
    from ipaas.store.triggers import TriggerRepository

    try:
        with hub.unit_of_work() as uow:
            integrator = uow.tenants.create_company("Builder", "integrator")
            company = uow.tenants.create_company(company_name, "subscriber")
            integration = uow.tenants.create_integration(integrator, "bench", "Bench", "memory")
            subscription = uow.tenants.create_subscription(company, integration, "bench")
            repo = TriggerRepository(uow.conn)
            repo.set_flows(subscription, {"product": {"to_hub": True}})
            key = repo.create_key(subscription)
            uow.commit()
    finally:
        hub.close()
    return subscription, key
