"""Connecting the demo systems: apply the shipped integrations and two subscriptions
(written as YAML under the data directory, integration as code), enable webhooks."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ipaas.bootstrap import Hub
from ipaas.demo.scenario.tenants import INTEGRATOR, SUBSCRIBER
from ipaas.demo.systems.settings import DemoSettings
from ipaas.integration_as_code import apply_documents, dump_document, load_documents
from ipaas.transfer.provider import ConnectorProvider
from ipaas.triggers.registration import disable_webhooks, enable_webhooks

INTEGRATIONS = Path(__file__).parents[1] / "integrations"
SHOP_SCOPES = [
    f"{t}/{a}" for t in ("product", "customer", "transaction") for a in ("created", "updated")
]
ERP_SCOPES = [f"{t}/{a}" for t in ("product", "product_inventory") for a in ("created", "updated")]


@dataclass(frozen=True, slots=True)
class DemoSubscriptions:
    shop_id: int
    erp_id: int


def subscription_documents(shop_url: str, erp_url: str) -> dict[str, dict[str, Any]]:
    """The two subscriptions of the demo retailer, as integration-as-code documents."""
    shop = {
        "kind": "subscription",
        "name": "Storefront",
        "company": SUBSCRIBER,
        "integration": {"key": "demo-shop", "version": "1.0.0"},
        "settings": {
            "shop_url": shop_url,
            "api_token": "${env:DEMO_SHOP_TOKEN}",
            "webhook_secret": "${env:DEMO_SHOP_WEBHOOK_SECRET}",
        },
        "flows": {
            "product": {"to_hub": True, "from_hub": True},
            "customer": {"to_hub": True},
            "transaction": {"to_hub": True},
            "product_inventory": {"from_hub": True},
        },
        "webhooks": SHOP_SCOPES,
        "throttle": {"rate": 50, "period": "second", "concurrency": 4},
    }
    erp = {
        "kind": "subscription",
        "name": "ERP",
        "company": SUBSCRIBER,
        "integration": {"key": "demo-erp", "version": "1.0.0"},
        "settings": {
            "erp_url": erp_url,
            "client_id": "${env:DEMO_ERP_CLIENT_ID}",
            "client_secret": "${env:DEMO_ERP_CLIENT_SECRET}",
        },
        "flows": {
            "product": {"to_hub": True},
            "product_inventory": {"to_hub": True},
            "customer": {"from_hub": True},
            "transaction": {"from_hub": True},
        },
        "webhooks": ERP_SCOPES,
        "throttle": {"rate": 20, "period": "second", "concurrency": 2},
    }
    return {"storefront.yaml": shop, "erp.yaml": erp}


def demo_environment(settings: DemoSettings) -> dict[str, str]:
    """The environment the subscription documents' secret references read."""
    return {
        "DEMO_SHOP_TOKEN": settings.shop_api_token,
        "DEMO_SHOP_WEBHOOK_SECRET": settings.shop_webhook_secret,
        "DEMO_ERP_CLIENT_ID": settings.erp_client_id,
        "DEMO_ERP_CLIENT_SECRET": settings.erp_client_secret,
    }


def apply_demo_configuration(
    hub: Hub, folder: Path, shop_url: str, erp_url: str, settings: DemoSettings
) -> DemoSubscriptions:
    """Write the subscription files into ``folder`` and apply them with the shipped
    integration definitions (webhooks are enabled separately, once the hub serves)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, document in subscription_documents(shop_url, erp_url).items():
        (folder / name).write_text(dump_document(document), encoding="utf-8")
    documents = load_documents([INTEGRATIONS, folder])
    changes = apply_documents(
        hub,
        documents,
        integrator=INTEGRATOR,
        environ=demo_environment(settings),
        triggers=False,
    )
    ids = {c.name.split(" / ")[-1]: c.id for c in changes if c.kind == "subscription"}
    shop_id, erp_id = ids["Storefront"], ids["ERP"]
    assert shop_id is not None
    assert erp_id is not None
    return DemoSubscriptions(shop_id, erp_id)


async def connect_webhooks(
    hub: Hub, subscriptions: DemoSubscriptions, provider: ConnectorProvider
) -> list[str]:
    """(Re-)register the hub's webhooks in both systems; returns problems, if any.

    Old registrations are removed first: a new run may serve the hub on another port.
    """
    problems = []
    for sub_id, scopes in (
        (subscriptions.shop_id, SHOP_SCOPES),
        (subscriptions.erp_id, ERP_SCOPES),
    ):
        await disable_webhooks(hub, sub_id, provider=provider)
        for state in await enable_webhooks(hub, sub_id, scopes, provider=provider):
            if state.state != "enabled":
                problems.append(f"{state.scope}: {state.last_error}")
    return problems
