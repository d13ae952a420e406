"""Set-up shared by the benches: a webhook subscription, a scratch PostgreSQL database."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ipaas.bootstrap import Hub

PG_ADMIN = os.environ.get("IPAAS_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@contextmanager
def scratch_pg_database(prefix: str) -> Iterator[str | None]:
    """The URL of a new empty PostgreSQL database, dropped afterwards; None when the server
    cannot be reached."""
    import sqlalchemy as sa

    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except Exception:
        admin.dispose()
        yield None
        return
    try:
        yield sa.make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


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
