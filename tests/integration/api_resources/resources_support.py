"""Support for resource-API tests. The tenant world: a MiSP managing a subscriber, two independent
subscribers, two integrators; one user with an API key each; clients over ASGI."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml
from anyio.from_thread import BlockingPortal

from ipaas.api.app import create_app
from ipaas.bootstrap import Hub
from ipaas.cli.accounts import create_company, create_user
from ipaas.domain.roles import CompanyKind, Role
from ipaas.store.accounts import AccountRepository
from loopback_support import Client

PASSWORD = "correct horse battery"
DEMO = Path(__file__).parents[3] / "src" / "ipaas" / "demo" / "integrations"


@dataclass
class World:
    hub: Hub
    app: Any
    portal: BlockingPortal
    companies: dict[str, int] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)

    def client(self, who: str, company: str | None = None) -> Client:
        """A client with ``who``'s API key, acting in ``company`` (default: its own)."""
        headers = {
            "Authorization": f"Bearer {self.keys[who]}",
            "X-Company-Id": str(self.companies[company or who]),
        }
        return Client(self.portal, self.app, headers)


ROLES = {
    "misp": (CompanyKind.MISP, Role.MISP),
    "managed": (CompanyKind.SUBSCRIBER, Role.SUBSCRIBER),
    "shop": (CompanyKind.SUBSCRIBER, Role.SUBSCRIBER),
    "rival": (CompanyKind.SUBSCRIBER, Role.SUBSCRIBER),
    "builder": (CompanyKind.INTEGRATOR, Role.INTEGRATOR),
    "other_builder": (CompanyKind.INTEGRATOR, Role.INTEGRATOR),
}


def build_world(hub: Hub, portal: BlockingPortal) -> World:
    world = World(hub, create_app(hub), portal)
    users = {}
    for name, (kind, role) in ROLES.items():
        misp = world.companies["misp"] if name == "managed" else None
        world.companies[name] = create_company(hub, name.title(), kind, misp)
        users[name] = create_user(
            hub, f"{name}@example.test", name.title(), world.companies[name], role, PASSWORD
        )
    with hub.unit_of_work() as uow:
        accounts = AccountRepository(uow.conn)
        for name, user_id in users.items():
            world.keys[name] = accounts.create_api_key(user_id, "tests")[1]
        uow.commit()
    return world


def demo_definition(name: str) -> dict[str, Any]:
    """A demo integration definition (``shop`` or ``erp``) as a dict."""
    data: dict[str, Any] = yaml.safe_load((DEMO / f"{name}.yaml").read_text())
    return data


def error_of(response: httpx.Response) -> dict[str, Any]:
    """The ``error`` object of an error answer."""
    body: dict[str, Any] = response.json()
    return dict(body["error"])


PRODUCT_TEMPLATE: dict[str, Any] = {
    "data_type": "product",
    "direction": "to_hub",
    "name": "shop products",
    "field_mappings": [
        {"target": "sku", "type": "field", "source": "sku"},
        {"target": "name", "type": "field", "source": "title"},
        {"target": "status", "type": "lookup", "source": "status", "table": "status"},
    ],
}
STATUS_TABLE: dict[str, Any] = {
    "name": "status",
    "entries": {"live": "active", "hidden": "draft"},
    "default": "active",
}


def publish_demo(world: World, name: str = "shop", **extra: Any) -> dict[str, Any]:
    """The builder creates and publishes a demo integration; returns its detail."""
    builder = world.client("builder")
    definition = {**demo_definition(name), **extra}
    created = builder.post("/api/v1/integrations", json=definition)
    assert created.status_code == 201, created.text
    published = builder.post(f"/api/v1/integrations/{created.json()['id']}/publish", json={})
    assert published.status_code == 200, published.text
    detail: dict[str, Any] = created.json()
    return detail


def subscribe(world: World, who: str, integration_id: int, name: str) -> dict[str, Any]:
    answer = world.client(who).post(
        "/api/v1/subscriptions", json={"integration_id": integration_id, "name": name}
    )
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


def act_in(world: World, company_id: int, name: str) -> Client:
    """A client of a new subscriber user of ``company_id`` (a company made outside the API,
    e.g. by the transfer tests' ``make_world``), known in ``world`` as ``name``."""
    user = create_user(world.hub, f"ops@{name}.test", "Ops", company_id, Role.SUBSCRIBER, PASSWORD)
    with world.hub.unit_of_work() as uow:
        world.keys[name] = AccountRepository(uow.conn).create_api_key(user, "tests")[1]
        uow.commit()
    world.companies[name] = company_id
    return world.client(name)
