"""OAuth2 authorization of a subscription (authorization-code flow):
``POST /subscriptions/{id}/oauth/authorize`` gives the URL to send the user to, the
authorization server redirects to ``GET /auth/oauth/callback``, which stores the tokens
encrypted; ``POST /subscriptions/{id}/oauth/refresh`` uses the refresh token."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Query
from pydantic import BaseModel, Field

from ipaas.api.context import Ctx, PublicCtx, writes_on_read
from ipaas.api.routing import IdPath, RequestBody, feature_router, public_router
from ipaas.domain.roles import Feature
from ipaas.security.secret_box import secret_box_for
from ipaas.services import oauth as service
from ipaas.store.catalog import CatalogRepository

router = feature_router(Feature.SUBSCRIPTION_MANAGEMENT, "/subscriptions", tags=["oauth"])
callback_router = public_router("/auth/oauth", tags=["oauth"])

CALLBACK_PATH = "/api/v1/auth/oauth/callback"


class AuthorizeIn(RequestBody):
    #: Where the authorization server sends the user back; the hub's callback by default.
    redirect_uri: Annotated[str, Field(max_length=2000, pattern=r"^https?://")] | None = None


class AuthorizeOut(BaseModel):
    authorize_url: str


class TokenStatusOut(BaseModel):
    subscription_id: int
    authorized: bool
    expires_at: datetime | None
    updated_at: datetime | None

    @classmethod
    def of(cls, subscription_id: int, status: service.TokenStatus) -> TokenStatusOut:
        return cls(
            subscription_id=subscription_id,
            authorized=status.authorized,
            expires_at=status.expires_at,
            updated_at=status.updated_at,
        )


def _transport(ctx: Ctx | PublicCtx) -> object:
    # Tests and embedded setups may route token requests through their own transport.
    return ctx.hub.extras.get("oauth_transport")


@router.post("/{subscription_id}/oauth/authorize", response_model=AuthorizeOut)
def authorize(subscription_id: IdPath, body: AuthorizeIn, ctx: Ctx) -> AuthorizeOut:
    """The integration's authorization URL with a one-time state (valid 15 minutes)."""
    redirect = body.redirect_uri or ctx.hub.settings.public_url.rstrip("/") + CALLBACK_PATH
    url = service.authorization_url(
        ctx.uow, secret_box_for(ctx.hub), ctx.tenant, subscription_id, redirect
    )
    ctx.audit("subscription.oauth_start", "subscription", subscription_id)
    ctx.commit()
    return AuthorizeOut(authorize_url=url)


@router.get("/{subscription_id}/oauth", response_model=TokenStatusOut)
def oauth_status(subscription_id: IdPath, ctx: Ctx) -> TokenStatusOut:
    """Whether tokens are stored and when the access token expires (never the tokens)."""
    CatalogRepository(ctx.uow.conn).subscription(ctx.tenant, subscription_id)
    return TokenStatusOut.of(subscription_id, service.token_status(ctx.uow, subscription_id))


@router.post("/{subscription_id}/oauth/refresh", response_model=TokenStatusOut)
def refresh(subscription_id: IdPath, ctx: Ctx) -> TokenStatusOut:
    """Get a new access token with the stored refresh token."""
    CatalogRepository(ctx.uow.conn).subscription(ctx.tenant, subscription_id)
    status = service.refresh_tokens(
        ctx.uow, secret_box_for(ctx.hub), subscription_id, transport=_transport(ctx)
    )
    ctx.audit("subscription.oauth_refresh", "subscription", subscription_id)
    ctx.commit()
    return TokenStatusOut.of(subscription_id, status)


@callback_router.get("/callback", response_model=TokenStatusOut)
@writes_on_read
def callback(
    ctx: PublicCtx,
    code: Annotated[str, Query(min_length=1, max_length=2000)],
    state: Annotated[str, Query(min_length=1, max_length=200)],
) -> TokenStatusOut:
    """Where the authorization server sends the user back: exchanges the code for tokens."""
    subscription_id, status = service.complete_authorization(
        ctx.uow, secret_box_for(ctx.hub), state, code, transport=_transport(ctx)
    )
    company = ctx.uow.tenants.subscription_company(subscription_id)
    ctx.audit("subscription.oauth_done", "subscription", subscription_id, company_id=company)
    ctx.commit()
    return TokenStatusOut.of(subscription_id, status)
