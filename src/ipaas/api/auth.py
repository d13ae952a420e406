"""``/api/v1/auth``: login, logout, password change, accepting an invitation."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import Response
from pydantic import BaseModel, Field

from ipaas.api.context import SESSION_COOKIE, PersonalCtx, PublicCtx, contexts_of
from ipaas.api.routing import RequestBody, personal, public_router
from ipaas.api.schemas import ActingAsOut, Email, Name, NewPassword, Password, UserOut
from ipaas.domain.accounts import InvalidCredentialsError, LoginPolicy
from ipaas.errors import ValidationError
from ipaas.security.passwords import (
    MIN_PASSWORD_LENGTH,
    hash_password,
    password_needs_rehash,
    verify_password,
)
from ipaas.store.accounts_audit import LoginAttemptRepository
from ipaas.store.types import utcnow

router = public_router("/auth", tags=["auth"])

SESSION_TTL = timedelta(hours=12)
LOGIN_POLICY = LoginPolicy()


class LoginIn(RequestBody):
    email: Email
    password: Password


class LoginOut(BaseModel):
    user: UserOut
    companies: list[ActingAsOut]


class PasswordIn(RequestBody):
    current_password: Password
    new_password: NewPassword


class AcceptIn(RequestBody):
    token: Annotated[str, Field(min_length=1, max_length=200)]
    name: Name | None = None
    password: Password


class AcceptOut(BaseModel):
    user_id: int
    company_id: int


def _secure_cookie(ctx: PublicCtx) -> bool:
    return ctx.hub.settings.public_url.startswith("https://")


@router.post("/login", response_model=LoginOut)
def login(body: LoginIn, ctx: PublicCtx, response: Response) -> LoginOut:
    """Sign in with email and password; the answer sets the ``ipaas_session`` cookie.

    Repeated failures lock the email (and the client address) for a while: 429 AUTH_LOCKED.
    """
    now = utcnow()
    attempts = LoginAttemptRepository(ctx.uow.conn)
    by_email, by_ip = attempts.recent_failures(body.email, ctx.client_ip, now - LOGIN_POLICY.window)
    locked = LOGIN_POLICY.locked_until(by_email, by_ip, now)
    if locked is not None:
        raise LOGIN_POLICY.lock_error(*locked, now)
    user = ctx.accounts.user_by_email(body.email)
    password = body.password.get_secret_value()
    ok = verify_password(user.password_hash if user else None, password)
    ok = ok and user is not None and user.active
    attempts.prune(now - 4 * LOGIN_POLICY.window)
    attempts.record_login_attempt(body.email, ctx.client_ip, ok)
    if not ok or user is None:
        ctx.audit("auth.login_failed", "user", user.id if user else None)
        ctx.commit()
        raise InvalidCredentialsError()
    if user.password_hash and password_needs_rehash(user.password_hash):
        ctx.accounts.set_password(user.id, hash_password(password))
    token = ctx.accounts.create_session(user.id, SESSION_TTL, ctx.client_ip)
    ctx.audit("auth.login", "user", user.id)
    ctx.commit()
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(SESSION_TTL.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=_secure_cookie(ctx),
        path="/",
    )
    return LoginOut(
        user=UserOut(id=user.id, email=user.email, name=user.name),
        companies=[ActingAsOut.of(c) for c in contexts_of(ctx.accounts, user.id)],
    )


@router.post("/logout", status_code=204, dependencies=[personal()])
def logout(ctx: PersonalCtx, response: Response) -> None:
    """End this session (an API key stays valid: revoke it under /api/v1/api-keys)."""
    identity = ctx.identity
    if identity is not None and identity.auth == "session":
        ctx.accounts.delete_session(identity.credential_id)
        ctx.audit("auth.logout", "user", ctx.user.id)
        ctx.commit()
    response.delete_cookie(SESSION_COOKIE, path="/")


@router.post("/password", status_code=204, dependencies=[personal()])
def change_password(body: PasswordIn, ctx: PersonalCtx) -> None:
    """Change your password; your other sessions end."""
    if not verify_password(ctx.user.password_hash, body.current_password.get_secret_value()):
        raise InvalidCredentialsError("the current password is wrong", field="current_password")
    ctx.accounts.set_password(ctx.user.id, hash_password(body.new_password.get_secret_value()))
    identity = ctx.identity
    keep = identity.credential_id if identity and identity.auth == "session" else None
    ctx.accounts.delete_sessions_of(ctx.user.id, keep=keep)
    ctx.audit("user.password_change", "user", ctx.user.id)
    ctx.commit()


@router.post("/invitations/accept", response_model=AcceptOut)
def accept_invitation(body: AcceptIn, ctx: PublicCtx) -> AcceptOut:
    """Join a company with an invitation token. A new user sets a name and password; an
    existing user proves who they are with their password."""
    invitation = ctx.accounts.open_invitation(body.token)
    password = body.password.get_secret_value()
    user = ctx.accounts.user_by_email(invitation.email)
    if user is None:
        if len(password) < MIN_PASSWORD_LENGTH:
            raise ValidationError(
                f"password must have at least {MIN_PASSWORD_LENGTH} characters", field="password"
            )
        user_id = ctx.accounts.create_user(
            invitation.email, body.name or invitation.email, hash_password(password)
        )
    elif verify_password(user.password_hash, password):
        user_id = user.id
    else:
        raise InvalidCredentialsError("the password is wrong", field="password")
    ctx.accounts.add_membership(user_id, invitation.company_id, invitation.role)
    ctx.accounts.mark_invitation_accepted(invitation.id, user_id)
    ctx.audit(
        "member.join",
        "user",
        user_id,
        {"role": invitation.role.value, "invitation_id": invitation.id},
        company_id=invitation.company_id,
    )
    ctx.commit()
    return AcceptOut(user_id=user_id, company_id=invitation.company_id)
