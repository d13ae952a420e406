"""``/api/v1/me``: who you are, where you may act, and which company this session uses."""

from __future__ import annotations

from pydantic import BaseModel

from ipaas.api.context import (
    COMPANY_HEADER,
    PersonalCtx,
    build_principal,
    contexts_of,
)
from ipaas.api.routing import IdField, RequestBody, personal_router
from ipaas.api.schemas import ActingAsOut, UserOut
from ipaas.domain.accounts import (
    CompanyChoiceRequiredError,
    CompanyNotAvailableError,
    can,
    choose_context,
)
from ipaas.domain.roles import features_of
from ipaas.errors import ValidationError

router = personal_router("/me", tags=["me"])


class MeOut(BaseModel):
    user: UserOut
    companies: list[ActingAsOut]
    #: The company this request acts in (None while a choice is needed).
    active: ActingAsOut | None
    features: list[str]


class ActiveCompanyIn(RequestBody):
    company_id: IdField | None


@router.get("", response_model=MeOut)
def me(ctx: PersonalCtx) -> MeOut:
    """Your account, every company you may act in, and the active one with its features."""
    identity = ctx.identity
    assert identity is not None
    raw = ctx.request.headers.get(COMPANY_HEADER)
    requested = int(raw) if raw and raw.isdigit() and len(raw) < 19 else None
    active = None
    features: list[str] = []
    try:
        principal = build_principal(ctx.accounts, identity, requested)
        active = ActingAsOut.of(principal.context)
        features = sorted(f.value for f in features_of(principal.role) if can(principal, f))
    except (CompanyChoiceRequiredError, CompanyNotAvailableError):
        pass
    user = ctx.user
    return MeOut(
        user=UserOut(id=user.id, email=user.email, name=user.name),
        companies=[ActingAsOut.of(c) for c in contexts_of(ctx.accounts, user.id)],
        active=active,
        features=features,
    )


@router.put("/active-company", response_model=ActingAsOut | None)
def set_active_company(body: ActiveCompanyIn, ctx: PersonalCtx) -> ActingAsOut | None:
    """Choose the company this session acts in (API keys send ``X-Company-Id`` instead)."""
    identity = ctx.identity
    assert identity is not None
    if identity.auth != "session":
        raise ValidationError(
            f"API keys choose the company with the {COMPANY_HEADER} header", field="company_id"
        )
    chosen = None
    if body.company_id is not None:
        chosen = choose_context(contexts_of(ctx.accounts, ctx.user.id), body.company_id)
    ctx.accounts.set_session_company(identity.credential_id, body.company_id)
    ctx.audit(
        "session.choose_company", "session", identity.credential_id, company_id=body.company_id
    )
    ctx.commit()
    return ActingAsOut.of(chosen) if chosen else None
