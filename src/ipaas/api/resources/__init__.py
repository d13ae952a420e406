"""The resource API: one module per resource group; ``ROUTERS`` is mounted by ``ipaas.api.v1``."""

from __future__ import annotations

from ipaas.api.resources import (
    api_calls,
    hub_data,
    integrations,
    mappings,
    monitoring,
    notifications,
    oauth,
    portal,
    queue,
    subscriptions,
    webhooks,
)

ROUTERS = (
    integrations.router,
    integrations.marketplace,
    subscriptions.router,
    mappings.subscription_mappings,
    mappings.template_mappings,
    hub_data.router,
    queue.router,
    api_calls.router,
    oauth.router,
    oauth.callback_router,
    monitoring.router,
    notifications.router,
    portal.branding,
    portal.knowledgebase,
    portal.training,
    portal.resources,
    portal.deals,
    portal.view,
    webhooks.router,
)
