"""A tenant world for API tests: a MiSP with a managed subscriber, an independent
subscriber, an integrator building for a subscriber, one user per company, and clients."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal

from ipaas.api.app import create_app
from ipaas.bootstrap import Hub
from ipaas.cli.accounts import create_company, create_user
from ipaas.domain.roles import CompanyKind, Role
from ipaas.store.accounts import AccountRepository
from loopback_support import Client, sqlite_hub

PASSWORD = "correct horse battery"


@dataclass
class World:
    hub: Hub
    app: Any
    portal: BlockingPortal
    companies: dict[str, int] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)
    integration_id: int = 0

    def client(self, who: str | None = None, company: str | None = None) -> Client:
        """A client authenticated with ``who``'s API key, acting in ``company``."""
        headers = {}
        if who is not None:
            headers["Authorization"] = f"Bearer {self.keys[who]}"
        if company is not None:
            headers["X-Company-Id"] = str(self.companies[company])
        return Client(self.portal, self.app, headers)


def build_world(hub: Hub, portal: BlockingPortal) -> World:
    """misp (manages 'managed'), shop (independent subscriber), builder (integrator whose
    integration 'shop' subscribes to), other_builder; one user each with an API key."""
    world = World(hub, create_app(hub), portal)
    world.companies["misp"] = create_company(hub, "MiSP Ltd", CompanyKind.MISP, None)
    world.companies["managed"] = create_company(
        hub, "Managed Shop", CompanyKind.SUBSCRIBER, world.companies["misp"]
    )
    world.companies["shop"] = create_company(hub, "Shop", CompanyKind.SUBSCRIBER, None)
    world.companies["builder"] = create_company(hub, "Builder", CompanyKind.INTEGRATOR, None)
    world.companies["other_builder"] = create_company(
        hub, "Other Builder", CompanyKind.INTEGRATOR, None
    )
    roles = {
        "misp": Role.MISP,
        "managed": Role.SUBSCRIBER,
        "shop": Role.SUBSCRIBER,
        "builder": Role.INTEGRATOR,
        "other_builder": Role.INTEGRATOR,
    }
    for name, role in roles.items():
        world.users[name] = create_user(
            hub, f"{name}@example.test", name.title(), world.companies[name], role, PASSWORD
        )
    with hub.unit_of_work() as uow:
        definition = {
            "settings": [
                {"name": "base_url", "type": "string", "required": True},
                {"name": "api_key", "type": "password", "required": True},
                {"name": "mode", "type": "enum", "choices": ["live", "test"], "default": "test"},
            ]
        }
        world.integration_id = uow.tenants.create_integration(
            world.companies["builder"], "shopapi", "Shop API", "rest", definition=definition
        )
        uow.tenants.create_subscription(world.companies["shop"], world.integration_id, "shop")
        accounts = AccountRepository(uow.conn)
        for name, user_id in world.users.items():
            world.keys[name] = accounts.create_api_key(user_id, "tests")[1]
        uow.commit()
    return world


@pytest.fixture
def portal() -> Iterator[BlockingPortal]:
    with start_blocking_portal("asyncio") as running:
        yield running


@pytest.fixture
def world(hub: Hub, portal: BlockingPortal) -> World:
    return build_world(hub, portal)


@pytest.fixture
def sqlite_world(tmp_path: Path, sqlite_template: Path, portal: BlockingPortal) -> Iterator[World]:
    """The same world on SQLite only (for tests that are about HTTP, not the database)."""
    with sqlite_hub(tmp_path, sqlite_template) as hub:
        yield build_world(hub, portal)
