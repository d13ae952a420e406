"""The demo's companies and users: a MiSP, a subscriber it manages, an integrator."""

from __future__ import annotations

from dataclasses import dataclass

from ipaas.bootstrap import Hub
from ipaas.domain.roles import Role
from ipaas.security.passwords import hash_password
from ipaas.store.accounts import AccountRepository
from ipaas.store.definitions import DefinitionStore

DEMO_PASSWORD = "demo-password"
MISP = "Demo MiSP"
SUBSCRIBER = "Demo Retailer"
INTEGRATOR = "Demo Integrator"
#: (email, name, company, role)
USERS = (
    ("demo@example.com", "Dana Demo", SUBSCRIBER, Role.SUBSCRIBER),
    ("misp@example.com", "Mia MiSP", MISP, Role.MISP),
    ("integrator@example.com", "Ivo Integrator", INTEGRATOR, Role.INTEGRATOR),
)


@dataclass(frozen=True, slots=True)
class DemoTenants:
    misp_id: int
    subscriber_id: int
    integrator_id: int


def ensure_tenants(hub: Hub) -> DemoTenants:
    """Create the demo companies and users unless they exist (a second run reuses them)."""
    with hub.unit_of_work() as uow:
        store = DefinitionStore(uow.conn)
        ids: dict[str, int] = {}
        for name, kind in ((MISP, "misp"), (INTEGRATOR, "integrator")):
            found = store.company_named(name)
            ids[name] = int(found["id"]) if found else store.create_company(name, kind)
        found = store.company_named(SUBSCRIBER)
        ids[SUBSCRIBER] = (
            int(found["id"])
            if found
            else uow.tenants.create_company(SUBSCRIBER, "subscriber", managing_misp_id=ids[MISP])
        )
        accounts = AccountRepository(uow.conn)
        for email, name, company, role in USERS:
            if accounts.user_by_email(email) is None:
                user_id = accounts.create_user(email, name, hash_password(DEMO_PASSWORD))
                accounts.add_membership(user_id, ids[company], role)
        uow.commit()
    return DemoTenants(ids[MISP], ids[SUBSCRIBER], ids[INTEGRATOR])
