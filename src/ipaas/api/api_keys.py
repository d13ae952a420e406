"""``/api/v1/api-keys``: personal API keys for scripts (``Authorization: Bearer ipk_...``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from ipaas.api.context import PersonalCtx
from ipaas.api.pagination import Page
from ipaas.api.routing import IdPath, RequestBody, personal_router
from ipaas.store.accounts import ApiKey

router = personal_router("/api-keys", tags=["api-keys"])


class ApiKeyIn(RequestBody):
    name: Annotated[str, Field(min_length=1, max_length=100)]


class ApiKeyOut(BaseModel):
    id: int
    name: str
    #: The first characters of the key, to recognise it.
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, key: ApiKey) -> ApiKeyOut:
        return cls(
            id=key.id,
            name=key.name,
            prefix=key.prefix,
            created_at=key.created_at,
            last_used_at=key.last_used_at,
            revoked_at=key.revoked_at,
        )


class ApiKeyCreated(ApiKeyOut):
    #: The key itself: shown this once, stored only as a digest.
    token: str


@router.get("", response_model=Page[ApiKeyOut])
def list_api_keys(ctx: PersonalCtx) -> Page[ApiKeyOut]:
    """Your API keys (never the keys themselves)."""
    return Page[ApiKeyOut](items=[ApiKeyOut.of(k) for k in ctx.accounts.api_keys(ctx.user.id)])


@router.post("", status_code=201, response_model=ApiKeyCreated)
def create_api_key(body: ApiKeyIn, ctx: PersonalCtx) -> ApiKeyCreated:
    """Create a key; copy ``token`` now, it is not shown again."""
    key, token = ctx.accounts.create_api_key(ctx.user.id, body.name)
    ctx.audit("api_key.create", "api_key", key.id, {"name": body.name})
    ctx.commit()
    return ApiKeyCreated(**ApiKeyOut.of(key).model_dump(), token=token)


@router.delete("/{key_id}", status_code=204)
def revoke_api_key(key_id: IdPath, ctx: PersonalCtx) -> None:
    """Revoke one of your keys; it stops working at once."""
    ctx.accounts.revoke_api_key(ctx.user.id, key_id)
    ctx.audit("api_key.revoke", "api_key", key_id)
    ctx.commit()
