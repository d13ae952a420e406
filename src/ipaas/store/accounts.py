"""Users, memberships, sessions, API keys, invitations and view switches.

Login attempts and the audit log live in ``ipaas.store.accounts_audit``. Tenant-owned rows
are read through a ``TenantScope``: a row outside the scope raises ``NotFoundError`` exactly
like a row that does not exist."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from ipaas.domain.accounts import CompanyRef, Membership, TenantScope
from ipaas.domain.roles import CompanyKind, Role
from ipaas.errors import ConflictError, NotFoundError
from ipaas.security.passwords import hash_token, new_token

# Re-exported: the audit log and login attempts live in their own module.
from ipaas.store.accounts_audit import AuditEntry, AuditRepository, LoginAttemptRepository
from ipaas.store.accounts_tables import (
    api_keys,
    auth_sessions,
    invitations,
    view_switches,
)
from ipaas.store.tables import companies, integrations, memberships, subscriptions, users
from ipaas.store.types import utcnow

SESSION_PREFIX = "ips_"
API_KEY_PREFIX = "ipk_"
INVITATION_PREFIX = "ipi_"


@dataclass(frozen=True, slots=True)
class User:
    id: int
    email: str
    name: str
    password_hash: str | None
    active: bool


@dataclass(frozen=True, slots=True)
class Session:
    id: int
    user_id: int
    company_id: int | None
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class ApiKey:
    id: int
    user_id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True, slots=True)
class Member:
    user_id: int
    company_id: int
    email: str
    name: str
    role: Role


@dataclass(frozen=True, slots=True)
class Invitation:
    id: int
    company_id: int
    email: str
    role: Role
    expires_at: datetime
    accepted_at: datetime | None


def _company(row: Any) -> CompanyRef:
    return CompanyRef(row.id, row.name, CompanyKind(row.kind), row.managing_misp_id)


_COMPANY_COLS = (companies.c.id, companies.c.name, companies.c.kind, companies.c.managing_misp_id)


class AccountRepository:
    """Accounts and the credentials that prove who a caller is."""

    def __init__(self, conn: sa.Connection) -> None:
        self._conn = conn

    # --- users and memberships ---------------------------------------------------------------

    def create_user(self, email: str, name: str, password_hash: str | None) -> int:
        """Create a user; the email is stored lower-cased and must be unique."""
        email = email.strip().lower()
        if self.user_by_email(email) is not None:
            raise ConflictError(f"a user with email {email} exists", field="email")
        return int(
            self._conn.execute(
                sa.insert(users)
                .values(
                    email=email,
                    name=name,
                    password_hash=password_hash,
                    active=True,
                    created_at=utcnow(),
                )
                .returning(users.c.id)
            ).scalar_one()
        )

    def user_by_email(self, email: str) -> User | None:
        row = self._conn.execute(
            sa.select(users).where(users.c.email == email.strip().lower())
        ).first()
        return User(row.id, row.email, row.name, row.password_hash, row.active) if row else None

    def user(self, user_id: int) -> User:
        row = self._conn.execute(sa.select(users).where(users.c.id == user_id)).first()
        if row is None:
            raise NotFoundError(f"user {user_id} not found")
        return User(row.id, row.email, row.name, row.password_hash, row.active)

    def set_password(self, user_id: int, password_hash: str) -> None:
        self._conn.execute(
            sa.update(users).where(users.c.id == user_id).values(password_hash=password_hash)
        )

    def add_membership(self, user_id: int, company_id: int, role: Role) -> None:
        exists = self._conn.execute(
            sa.select(memberships.c.id).where(
                memberships.c.user_id == user_id, memberships.c.company_id == company_id
            )
        ).first()
        if exists:
            raise ConflictError("the user is already a member of this company", field="email")
        self._conn.execute(
            sa.insert(memberships).values(
                user_id=user_id, company_id=company_id, role=role.value, created_at=utcnow()
            )
        )

    def memberships(self, user_id: int) -> list[Membership]:
        rows = self._conn.execute(
            sa.select(*_COMPANY_COLS, memberships.c.role)
            .join(memberships, memberships.c.company_id == companies.c.id)
            .where(memberships.c.user_id == user_id)
            .order_by(companies.c.id)
        ).all()
        return [Membership(_company(r), Role(r.role)) for r in rows]

    def company(self, scope: TenantScope | None, company_id: int) -> CompanyRef:
        """A company; with a scope, only one the scope can see."""
        query = sa.select(*_COMPANY_COLS).where(companies.c.id == company_id)
        if scope is not None:
            query = query.where(companies.c.id.in_(scope.visible))
        row = self._conn.execute(query).first()
        if row is None:
            raise NotFoundError(f"company {company_id} not found")
        return _company(row)

    def companies(self, scope: TenantScope, after_id: int, limit: int) -> list[CompanyRef]:
        rows = self._conn.execute(
            sa.select(*_COMPANY_COLS)
            .where(companies.c.id.in_(scope.visible), companies.c.id > after_id)
            .order_by(companies.c.id)
            .limit(limit)
        ).all()
        return [_company(r) for r in rows]

    def managed_companies(self, misp_ids: list[int]) -> dict[int, list[CompanyRef]]:
        """The subscriber companies each MiSP in ``misp_ids`` manages."""
        if not misp_ids:
            return {}
        rows = self._conn.execute(
            sa.select(*_COMPANY_COLS)
            .where(
                companies.c.managing_misp_id.in_(misp_ids),
                companies.c.kind == CompanyKind.SUBSCRIBER.value,
            )
            .order_by(companies.c.id)
        ).all()
        out: dict[int, list[CompanyRef]] = {}
        for r in rows:
            out.setdefault(r.managing_misp_id, []).append(_company(r))
        return out

    # --- members of a company (tenant-scoped) -----------------------------------------------

    def members(self, scope: TenantScope, company_id: int) -> list[Member]:
        self.company(scope, company_id)
        rows = self._conn.execute(
            sa.select(users.c.id, users.c.email, users.c.name, memberships.c.role)
            .join(memberships, memberships.c.user_id == users.c.id)
            .where(memberships.c.company_id == company_id)
            .order_by(users.c.id)
        ).all()
        return [Member(r.id, company_id, r.email, r.name, Role(r.role)) for r in rows]

    def member(self, scope: TenantScope, company_id: int, user_id: int) -> Member:
        for m in self.members(scope, company_id):
            if m.user_id == user_id:
                return m
        raise NotFoundError(f"user {user_id} is not a member of company {company_id}")

    def set_role(self, scope: TenantScope, company_id: int, user_id: int, role: Role) -> None:
        self.member(scope, company_id, user_id)
        self._conn.execute(
            sa.update(memberships)
            .where(memberships.c.company_id == company_id, memberships.c.user_id == user_id)
            .values(role=role.value)
        )

    def remove_member(self, scope: TenantScope, company_id: int, user_id: int) -> None:
        if len(self.members(scope, company_id)) == 1:
            self.member(scope, company_id, user_id)
            raise ConflictError("the last member of a company cannot be removed")
        self.member(scope, company_id, user_id)
        self._conn.execute(
            sa.delete(memberships).where(
                memberships.c.company_id == company_id, memberships.c.user_id == user_id
            )
        )
        self._conn.execute(
            sa.update(view_switches)
            .where(
                view_switches.c.user_id == user_id,
                view_switches.c.from_company_id == company_id,
                view_switches.c.ended_at.is_(None),
            )
            .values(ended_at=utcnow())
        )

    # --- invitations ---------------------------------------------------------------------------

    def create_invitation(
        self,
        scope: TenantScope,
        company_id: int,
        email: str,
        role: Role,
        invited_by: int,
        ttl: timedelta,
    ) -> tuple[int, str]:
        """An invitation and its token (shown once, stored hashed)."""
        self.company(scope, company_id)
        token = new_token(INVITATION_PREFIX)
        now = utcnow()
        new_id = self._conn.execute(
            sa.insert(invitations)
            .values(
                company_id=company_id,
                email=email.strip().lower(),
                role=role.value,
                token_hash=hash_token(token),
                invited_by=invited_by,
                created_at=now,
                expires_at=now + ttl,
            )
            .returning(invitations.c.id)
        ).scalar_one()
        return int(new_id), token

    def open_invitation(self, token: str) -> Invitation:
        """The invitation for ``token`` if it is neither used nor expired."""
        row = self._conn.execute(
            sa.select(invitations).where(invitations.c.token_hash == hash_token(token))
        ).first()
        if row is None or row.accepted_at is not None or row.expires_at <= utcnow():
            raise NotFoundError("the invitation does not exist, was used or has expired")
        return Invitation(
            row.id, row.company_id, row.email, Role(row.role), row.expires_at, row.accepted_at
        )

    def mark_invitation_accepted(self, invitation_id: int, user_id: int) -> None:
        self._conn.execute(
            sa.update(invitations)
            .where(invitations.c.id == invitation_id)
            .values(accepted_at=utcnow(), accepted_user_id=user_id)
        )

    # --- sessions ------------------------------------------------------------------------------

    def create_session(self, user_id: int, ttl: timedelta, client_ip: str | None) -> str:
        """A new session; returns the cookie value (only its digest is stored)."""
        token = new_token(SESSION_PREFIX)
        now = utcnow()
        # Expired sessions of the user are of no use: clear them as a new one starts.
        self._conn.execute(
            sa.delete(auth_sessions).where(
                auth_sessions.c.user_id == user_id, auth_sessions.c.expires_at <= now
            )
        )
        self._conn.execute(
            sa.insert(auth_sessions).values(
                token_hash=hash_token(token),
                user_id=user_id,
                created_at=now,
                expires_at=now + ttl,
                last_seen_at=now,
                client_ip=client_ip,
            )
        )
        return token

    def session(self, token: str) -> Session | None:
        """The unexpired session for a cookie value."""
        row = self._conn.execute(
            sa.select(auth_sessions).where(auth_sessions.c.token_hash == hash_token(token))
        ).first()
        if row is None or row.expires_at <= utcnow():
            return None
        return Session(row.id, row.user_id, row.company_id, row.expires_at)

    def set_session_company(self, session_id: int, company_id: int | None) -> None:
        self._conn.execute(
            sa.update(auth_sessions)
            .where(auth_sessions.c.id == session_id)
            .values(company_id=company_id)
        )

    def delete_session(self, session_id: int) -> None:
        self._conn.execute(sa.delete(auth_sessions).where(auth_sessions.c.id == session_id))

    def delete_sessions_of(self, user_id: int, *, keep: int | None = None) -> None:
        """End the user's sessions (after a password change), except ``keep``."""
        query = sa.delete(auth_sessions).where(auth_sessions.c.user_id == user_id)
        if keep is not None:
            query = query.where(auth_sessions.c.id != keep)
        self._conn.execute(query)

    # --- API keys ------------------------------------------------------------------------------

    def create_api_key(self, user_id: int, name: str) -> tuple[ApiKey, str]:
        """A new personal API key and its token (shown once, stored hashed)."""
        token = new_token(API_KEY_PREFIX)
        now = utcnow()
        key_id = self._conn.execute(
            sa.insert(api_keys)
            .values(
                user_id=user_id,
                name=name,
                prefix=token[:12],
                key_hash=hash_token(token),
                created_at=now,
            )
            .returning(api_keys.c.id)
        ).scalar_one()
        return ApiKey(int(key_id), user_id, name, token[:12], now, None, None), token

    def api_key_by_token(self, token: str) -> ApiKey | None:
        row = self._conn.execute(
            sa.select(api_keys).where(api_keys.c.key_hash == hash_token(token))
        ).first()
        if row is None or row.revoked_at is not None:
            return None
        return self._api_key(row)

    @staticmethod
    def _api_key(row: Any) -> ApiKey:
        return ApiKey(
            row.id,
            row.user_id,
            row.name,
            row.prefix,
            row.created_at,
            row.last_used_at,
            row.revoked_at,
        )

    def touch_api_key(self, key_id: int, at: datetime) -> None:
        self._conn.execute(
            sa.update(api_keys).where(api_keys.c.id == key_id).values(last_used_at=at)
        )

    def api_keys(self, user_id: int) -> list[ApiKey]:
        rows = self._conn.execute(
            sa.select(api_keys).where(api_keys.c.user_id == user_id).order_by(api_keys.c.id)
        ).all()
        return [self._api_key(r) for r in rows]

    def revoke_api_key(self, user_id: int, key_id: int) -> None:
        """Revoke one of the user's own keys; another user's key does not exist for them."""
        done = self._conn.execute(
            sa.update(api_keys)
            .where(
                api_keys.c.id == key_id,
                api_keys.c.user_id == user_id,
                api_keys.c.revoked_at.is_(None),
            )
            .values(revoked_at=utcnow())
        ).rowcount
        if not done:
            raise NotFoundError(f"api key {key_id} not found")

    # --- view switches --------------------------------------------------------------------------

    def active_switches(self, user_id: int) -> dict[int, CompanyRef]:
        """Integrator company id -> the company its view is switched to."""
        rows = self._conn.execute(
            sa.select(view_switches.c.from_company_id, *_COMPANY_COLS)
            .join(companies, companies.c.id == view_switches.c.company_id)
            .where(view_switches.c.user_id == user_id, view_switches.c.ended_at.is_(None))
        ).all()
        return {r.from_company_id: _company(r) for r in rows}

    def builds_for(self, integrator_company_id: int, company_id: int) -> bool:
        """Whether ``company_id`` subscribes to an integration the integrator builds."""
        row = self._conn.execute(
            sa.select(subscriptions.c.id)
            .join(integrations, integrations.c.id == subscriptions.c.integration_id)
            .where(
                integrations.c.company_id == integrator_company_id,
                subscriptions.c.company_id == company_id,
            )
            .limit(1)
        ).first()
        return row is not None

    def start_switch(self, user_id: int, from_company_id: int, company_id: int) -> int:
        self.end_switch(user_id, from_company_id)
        return int(
            self._conn.execute(
                sa.insert(view_switches)
                .values(
                    user_id=user_id,
                    from_company_id=from_company_id,
                    company_id=company_id,
                    started_at=utcnow(),
                )
                .returning(view_switches.c.id)
            ).scalar_one()
        )

    def end_switch(self, user_id: int, from_company_id: int) -> bool:
        """End the user's switched view from ``from_company_id``; whether one was active."""
        done = self._conn.execute(
            sa.update(view_switches)
            .where(
                view_switches.c.user_id == user_id,
                view_switches.c.from_company_id == from_company_id,
                view_switches.c.ended_at.is_(None),
            )
            .values(ended_at=utcnow())
        ).rowcount
        return bool(done)


__all__ = [
    "AccountRepository",
    "ApiKey",
    "AuditEntry",
    "AuditRepository",
    "Invitation",
    "LoginAttemptRepository",
    "Member",
    "Session",
    "User",
]
