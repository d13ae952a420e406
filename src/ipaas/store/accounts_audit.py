"""The audit log (who changed what) and login attempts (for the lock-out)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ipaas.domain.accounts import TenantScope
from ipaas.store.accounts_tables import audit_log, login_attempts
from ipaas.store.types import utcnow


class LoginAttemptRepository:
    """Login attempts, kept in the database so every process sees the same lock-out."""

    def __init__(self, conn: sa.Connection) -> None:
        self._conn = conn

    def prune(self, older_than: datetime) -> None:
        """Forget attempts older than ``older_than`` (they no longer count)."""
        self._conn.execute(sa.delete(login_attempts).where(login_attempts.c.at < older_than))

    def record_login_attempt(self, email: str, client_ip: str, success: bool) -> None:
        self._conn.execute(
            sa.insert(login_attempts).values(
                at=utcnow(), email=email.strip().lower(), client_ip=client_ip, success=success
            )
        )

    def recent_failures(
        self, email: str, client_ip: str, since: datetime
    ) -> tuple[list[datetime], list[datetime]]:
        """Failed logins since ``since`` (and since the last success) by email and by address."""
        email = email.strip().lower()
        out: list[list[datetime]] = []
        for column, value in (
            (login_attempts.c.email, email),
            (login_attempts.c.client_ip, client_ip),
        ):
            last_ok = self._conn.execute(
                sa.select(sa.func.max(login_attempts.c.at)).where(
                    column == value, login_attempts.c.success.is_(True), login_attempts.c.at > since
                )
            ).scalar_one_or_none()
            start = max(since, last_ok) if last_ok else since
            out.append(
                list(
                    self._conn.execute(
                        sa.select(login_attempts.c.at).where(
                            column == value,
                            login_attempts.c.success.is_(False),
                            login_attempts.c.at > start,
                        )
                    ).scalars()
                )
            )
        return out[0], out[1]


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One change: who (user, company, how they acted there), what, when, from where."""

    action: str
    object_type: str
    object_id: str | None
    user_id: int | None
    company_id: int | None
    home_company_id: int | None = None
    via: str | None = None
    details: dict[str, Any] | None = None
    request_id: str | None = None
    client_ip: str | None = None
    at: datetime | None = None
    id: int | None = None


class AuditRepository:
    """The audit log. Details hold field names and ids, never secret values."""

    def __init__(self, conn: sa.Connection) -> None:
        self._conn = conn

    def write(self, entry: AuditEntry) -> None:
        self._conn.execute(
            sa.insert(audit_log).values(
                at=utcnow(),
                user_id=entry.user_id,
                company_id=entry.company_id,
                home_company_id=entry.home_company_id,
                via=entry.via,
                action=entry.action,
                object_type=entry.object_type,
                object_id=entry.object_id,
                details=entry.details or {},
                request_id=entry.request_id,
                client_ip=entry.client_ip,
            )
        )

    def page(self, scope: TenantScope, after_id: int, limit: int) -> list[AuditEntry]:
        rows = self._conn.execute(
            sa.select(audit_log)
            .where(audit_log.c.company_id.in_(scope.visible), audit_log.c.id > after_id)
            .order_by(audit_log.c.id)
            .limit(limit)
        ).all()
        return [
            AuditEntry(
                r.action,
                r.object_type,
                r.object_id,
                r.user_id,
                r.company_id,
                r.home_company_id,
                r.via,
                r.details,
                r.request_id,
                r.client_ip,
                r.at,
                r.id,
            )
            for r in rows
        ]
