"""Who is calling, and the per-request context every endpoint works through.

Dependencies, in the order FastAPI resolves them (each runs once per request):

- ``unit_of_work``: one transaction for the request; nothing is kept unless the endpoint
  calls ``ctx.commit()``.
- ``current_identity``: the user behind the session cookie or the ``Bearer ipk_...`` key
  (``AUTH_REQUIRED`` otherwise).
- ``current_principal``: that user acting in one company (``X-Company-Id`` header, else
  the session's choice, else the only company), with the role there.
- ``Ctx`` / ``PersonalCtx`` / ``PublicCtx``: the ``RequestContext`` handed to endpoints.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from typing import Annotated, Any, Literal, TypeVar

from fastapi import Depends, Request

from ipaas.bootstrap import Hub
from ipaas.domain.accounts import (
    ActingContext,
    NotAuthenticatedError,
    Principal,
    TenantScope,
    acting_contexts,
    choose_context,
)
from ipaas.domain.roles import Role
from ipaas.errors import ValidationError
from ipaas.security.secret_box import secret_box_for
from ipaas.store.accounts import AccountRepository, AuditEntry, AuditRepository, User
from ipaas.store.presets import PresetRepository
from ipaas.store.types import utcnow
from ipaas.store.unit_of_work import UnitOfWork

SESSION_COOKIE = "ipaas_session"
COMPANY_HEADER = "X-Company-Id"
MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_TOUCH_EVERY = timedelta(minutes=1)


class AuditMissingError(RuntimeError):
    """A mutating endpoint tried to commit without writing an audit entry."""


@dataclass(frozen=True, slots=True)
class Identity:
    """The user a request is authenticated as, and by which credential."""

    user: User
    auth: Literal["session", "api_key"]
    credential_id: int
    session_company_id: int | None = None


def hub_of(request: Request) -> Hub:
    hub: Hub = request.app.state.hub
    return hub


#: Methods whose requests only read: their unit of work never waits for writers.
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_WRITES = "_ipaas_writes_on_read"

Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


def writes_on_read(endpoint: Endpoint) -> Endpoint:
    """Mark a GET endpoint that changes data (an OAuth callback): it gets a writing unit of
    work. Put it under the route decorator."""
    setattr(endpoint, _WRITES, True)
    return endpoint


def reads_only(request: Request) -> bool:
    """Whether the request's unit of work is read-only (see ``writes_on_read``)."""
    endpoint = request.scope.get("endpoint")
    return request.method in READ_METHODS and not getattr(endpoint, _WRITES, False)


def unit_of_work(request: Request) -> Iterator[UnitOfWork]:
    """One unit of work per request; rolled back unless the endpoint commits."""
    with hub_of(request).unit_of_work(read_only=reads_only(request)) as uow:
        yield uow


UowDep = Annotated[UnitOfWork, Depends(unit_of_work)]


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if not header:
        return None
    if scheme.lower() != "bearer" or not token.strip():
        raise NotAuthenticatedError("use 'Authorization: Bearer ipk_...'")
    return token.strip()


def current_identity(request: Request, uow: UowDep) -> Identity:
    """The authenticated user (API key first, then the session cookie)."""
    accounts = AccountRepository(uow.conn)
    now = utcnow()
    token = _bearer(request)
    if token is not None:
        key = accounts.api_key_by_token(token)
        if key is None:
            raise NotAuthenticatedError("the API key is unknown or revoked")
        user = accounts.user(key.user_id)
        if key.last_used_at is None or now - key.last_used_at > _TOUCH_EVERY:
            _touch_api_key(hub_of(request), uow, key.id, now)
        identity = Identity(user, "api_key", key.id)
    else:
        cookie = request.cookies.get(SESSION_COOKIE)
        session = accounts.session(cookie) if cookie else None
        if session is None:
            raise NotAuthenticatedError()
        identity = Identity(
            accounts.user(session.user_id), "session", session.id, session.company_id
        )
    if not identity.user.active:
        raise NotAuthenticatedError("this account is disabled")
    return identity


IdentityDep = Annotated[Identity, Depends(current_identity)]


def _touch_api_key(hub: Hub, uow: UnitOfWork, key_id: int, now: datetime) -> None:
    if not uow.read_only:
        AccountRepository(uow.conn).touch_api_key(key_id, now)
        uow.commit()
        return
    # A reading request writes the one timestamp in a short transaction of its own.
    with hub.unit_of_work() as writer:
        AccountRepository(writer.conn).touch_api_key(key_id, now)
        writer.commit()


def _requested_company(request: Request) -> int | None:
    raw = request.headers.get(COMPANY_HEADER)
    if raw is None or raw == "":
        return None
    if not raw.isdigit() or len(raw) > 18:
        raise ValidationError(f"{COMPANY_HEADER} must be a company id", field=COMPANY_HEADER)
    return int(raw)


def contexts_of(accounts: AccountRepository, user_id: int) -> list[ActingContext]:
    """Every company ``user_id`` may act in, with the role there."""
    memberships = accounts.memberships(user_id)
    misp_ids = [m.company.id for m in memberships if m.role is Role.MISP]
    return acting_contexts(
        memberships, accounts.managed_companies(misp_ids), accounts.active_switches(user_id)
    )


def build_principal(
    accounts: AccountRepository, identity: Identity, requested: int | None
) -> Principal:
    """Resolve the company and role ``identity`` acts with."""
    contexts = contexts_of(accounts, identity.user.id)
    context = choose_context(contexts, requested, identity.session_company_id)
    return Principal(
        user_id=identity.user.id,
        email=identity.user.email,
        context=context,
        auth=identity.auth,
        credential_id=identity.credential_id,
        companies=tuple(contexts),
    )


def current_principal(request: Request, uow: UowDep, identity: IdentityDep) -> Principal:
    """The authenticated user acting in one company."""
    return build_principal(AccountRepository(uow.conn), identity, _requested_company(request))


PrincipalDep = Annotated[Principal, Depends(current_principal)]


@dataclass
class RequestContext:
    """What an endpoint works with: the caller, the transaction, and the audit helper.

    Use ``ctx.tenant`` for every repository call on tenant-owned objects, ``ctx.audit(...)``
    for every change, then ``ctx.commit()``.
    """

    request: Request
    uow: UnitOfWork
    identity: Identity | None = None
    principal_or_none: Principal | None = None
    _audited: bool = field(default=False, repr=False)

    @property
    def hub(self) -> Hub:
        return hub_of(self.request)

    @property
    def principal(self) -> Principal:
        if self.principal_or_none is None:  # a programming error: the wrong Ctx type
            raise RuntimeError("this endpoint has no company context; use Ctx")
        return self.principal_or_none

    @property
    def tenant(self) -> TenantScope:
        """The tenant scope every repository query of this request goes through."""
        return self.principal.tenant

    @property
    def user(self) -> User:
        if self.identity is None:
            raise RuntimeError("this endpoint is public; it has no user")
        return self.identity.user

    @property
    def request_id(self) -> str | None:
        return getattr(self.request.state, "request_id", None)

    @property
    def client_ip(self) -> str:
        return self.request.client.host if self.request.client else "unknown"

    @cached_property
    def accounts(self) -> AccountRepository:
        return AccountRepository(self.uow.conn)

    @cached_property
    def presets(self) -> PresetRepository:
        return PresetRepository(self.uow.conn, secret_box_for(self.hub))

    def audit(
        self,
        action: str,
        object_type: str,
        object_id: Any = None,
        details: dict[str, Any] | None = None,
        *,
        company_id: int | None = None,
    ) -> None:
        """Record who changed what. ``details`` holds ids and field names, never values of
        secrets. ``action`` reads ``<object>.<verb>``, e.g. ``preset.update``."""
        principal = self.principal_or_none
        AuditRepository(self.uow.conn).write(
            AuditEntry(
                action=action,
                object_type=object_type,
                object_id=None if object_id is None else str(object_id),
                user_id=self.identity.user.id if self.identity else None,
                company_id=company_id or (principal.company_id if principal else None),
                home_company_id=principal.context.home_company_id if principal else None,
                via=principal.context.via if principal else None,
                details=details,
                request_id=self.request_id,
                client_ip=self.client_ip,
            )
        )
        self._audited = True

    @property
    def audited(self) -> bool:
        """Whether this request wrote an audit entry."""
        return self._audited

    def commit(self) -> None:
        """Commit the request's changes. A mutating request must have called ``audit``."""
        if self.request.method in MUTATING and not self._audited:
            raise AuditMissingError(f"{self.request.url.path} changed data without ctx.audit")
        self.uow.commit()


def request_context(
    request: Request, uow: UowDep, identity: IdentityDep, principal: PrincipalDep
) -> RequestContext:
    return RequestContext(request, uow, identity, principal)


def personal_context(request: Request, uow: UowDep, identity: IdentityDep) -> RequestContext:
    return RequestContext(request, uow, identity, None)


def public_context(request: Request, uow: UowDep) -> RequestContext:
    return RequestContext(request, uow, None, None)


#: For endpoints of a company's resources (the router declares the feature).
Ctx = Annotated[RequestContext, Depends(request_context)]
#: For endpoints on the caller's own account (no company needed).
PersonalCtx = Annotated[RequestContext, Depends(personal_context)]
#: For endpoints anyone may call (login, accepting an invitation).
PublicCtx = Annotated[RequestContext, Depends(public_context)]
