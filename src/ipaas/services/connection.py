"""Testing a subscription's connection with its current settings."""

from __future__ import annotations

from typing import Any

from ipaas.connectors.base import Connector
from ipaas.connectors.definition import IntegrationDefinition, build_connector
from ipaas.connectors.recorder import ListRecorder
from ipaas.domain.accounts import TenantScope
from ipaas.errors import IpaasError, RetriableError
from ipaas.security.secret_box import secret_box_for
from ipaas.services.integrations import full_definition
from ipaas.services.oauth import bind_oauth_tokens
from ipaas.store.api_calls import ApiCallRepository
from ipaas.store.catalog import CatalogRepository
from ipaas.store.presets import subscription_settings
from ipaas.store.unit_of_work import UnitOfWork


def build_subscription_connector(
    hub: Any, uow: UnitOfWork, subscription_id: int, recorder: ListRecorder, **options: Any
) -> Connector:
    """The connector of a subscription from its integration's definition and settings."""
    company = uow.tenants.subscription_company(subscription_id)
    catalog = CatalogRepository(uow.conn)
    sub = catalog.subscription(TenantScope.single(company), subscription_id)
    integration = catalog.integration(TenantScope.single(company), sub.integration_id)
    data = full_definition(integration)
    data.pop("oauth", None)
    definition = IntegrationDefinition.from_dict(data)
    settings = subscription_settings(uow, secret_box_for(hub), subscription_id)
    connector = build_connector(
        definition, settings, recorder=recorder, subscription_id=subscription_id, **options
    )
    bind_oauth_tokens(hub, connector, subscription_id, uow)
    return connector


async def test_connection(hub: Any, uow: UnitOfWork, subscription_id: int) -> IpaasError | None:
    """None when the external system answers with the subscription's settings, else the
    error (a ``ConfigurationError`` names the missing setting). The calls made are written
    to the api-call log in the caller's transaction."""
    recorder = ListRecorder()
    connector: Connector | None = None
    try:
        # Always a connector of its own, built in the caller's transaction: the hub's
        # connector provider reads through a unit of work of its own, which on SQLite waits
        # for this request's write lock until "database is locked" (a 30 s hang, then 500).
        connector = build_subscription_connector(hub, uow, subscription_id, recorder, timeout=10.0)
        await connector.test_connection()
        return None
    except IpaasError as exc:
        return exc
    except OSError as exc:  # a refused connection that escaped the client
        return RetriableError(f"the system could not be reached ({type(exc).__name__})")
    finally:
        if connector is not None:
            await connector.close()
        ApiCallRepository(uow.conn).insert_many(recorder.rows)
