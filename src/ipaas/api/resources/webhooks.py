"""``/api/v1/subscriptions/{id}/webhooks``: the hook address of a subscription and
registering the hub's webhooks in the external system, through the triggers engine."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from ipaas.api.context import Ctx
from ipaas.api.routing import IdPath, RequestBody, feature_router
from ipaas.domain import Scope
from ipaas.domain.roles import Feature
from ipaas.errors import ValidationError
from ipaas.store.catalog import CatalogRepository
from ipaas.store.triggers import Registration

router = feature_router(Feature.SUBSCRIPTION_MANAGEMENT, "/subscriptions", tags=["webhooks"])

ScopeText = Annotated[str, Field(pattern=r"^[a-z_]{1,40}/[a-z]{1,20}$")]


class EnableIn(RequestBody):
    #: Scopes like ``product/created`` or ``product/all``.
    scopes: Annotated[list[ScopeText], Field(min_length=1, max_length=50)]


class RegistrationOut(BaseModel):
    scope: str
    state: str
    last_error: str | None
    updated_at: datetime

    @classmethod
    def of(cls, r: Registration) -> RegistrationOut:
        return cls(scope=r.scope, state=r.state, last_error=r.last_error, updated_at=r.updated_at)


class WebhooksOut(BaseModel):
    callback_url: str
    registrations: list[RegistrationOut]


@router.get("/{subscription_id}/webhooks", response_model=WebhooksOut)
async def webhooks(subscription_id: IdPath, ctx: Ctx) -> WebhooksOut:
    """The address the external system sends this subscription's webhooks to, and the
    registrations made in it."""
    from ipaas.triggers.registration import webhook_status

    CatalogRepository(ctx.uow.conn).subscription(ctx.tenant, subscription_id)
    ctx.uow.rollback()  # the triggers engine uses its own transaction
    status = await asyncio.to_thread(webhook_status, ctx.hub, subscription_id)
    return WebhooksOut(
        callback_url=status.callback_url,
        registrations=[RegistrationOut.of(r) for r in status.registrations],
    )


@router.post("/{subscription_id}/webhooks/enable", response_model=list[RegistrationOut])
async def enable(subscription_id: IdPath, body: EnableIn, ctx: Ctx) -> list[RegistrationOut]:
    """Register the hub's webhooks in the external system for each scope; a scope that
    fails is kept as ``failed`` with the reason."""
    from ipaas.transfer.registry_provider import RegistryConnectorProvider
    from ipaas.triggers.registration import enable_webhooks

    for n, text in enumerate(body.scopes):
        try:
            Scope.parse(text)
        except ValidationError as exc:
            raise type(exc)(exc.message, field=f"scopes.{n}") from None
    CatalogRepository(ctx.uow.conn).subscription(ctx.tenant, subscription_id)
    ctx.uow.rollback()  # the triggers engine uses its own transactions
    provider = ctx.hub.connectors
    own = None
    if provider is None:
        provider = own = RegistryConnectorProvider(ctx.hub)
    try:
        found = await enable_webhooks(ctx.hub, subscription_id, body.scopes, provider=provider)
    finally:
        if own is not None:
            await own.close()
    ctx.audit(
        "subscription.webhooks_enable", "subscription", subscription_id, {"scopes": body.scopes}
    )
    ctx.commit()
    return [RegistrationOut.of(r) for r in found]
