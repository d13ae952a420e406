"""OAuth2 states (pending authorizations) and token sets of subscriptions."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from ipaas.store.resources_tables import oauth_states, oauth_tokens
from ipaas.store.types import utcnow


def _hash(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class PendingState:
    subscription_id: int
    redirect_uri: str


@dataclass(frozen=True, slots=True)
class StoredTokens:
    blob: str
    expires_at: datetime | None
    updated_at: datetime


class OAuthRepository:
    def __init__(self, conn: sa.Connection) -> None:
        self._conn = conn

    def add_state(
        self, subscription_id: int, state: str, redirect_uri: str, expires_at: datetime
    ) -> None:
        """Remember a state handed to the authorization server (only its hash is kept)."""
        self._conn.execute(
            sa.insert(oauth_states).values(
                subscription_id=subscription_id,
                state_hash=_hash(state),
                redirect_uri=redirect_uri,
                created_at=utcnow(),
                expires_at=expires_at,
            )
        )

    def take_state(self, state: str) -> PendingState | None:
        """The authorization a state belongs to, used once; None when unknown or expired."""
        row = self._conn.execute(
            sa.select(oauth_states).where(oauth_states.c.state_hash == _hash(state))
        ).first()
        if row is None:
            return None
        self._conn.execute(sa.delete(oauth_states).where(oauth_states.c.id == row.id))
        if row.expires_at < utcnow():
            return None
        return PendingState(int(row.subscription_id), row.redirect_uri)

    def save_tokens(self, subscription_id: int, blob: str, expires_at: datetime | None) -> None:
        """Store (replace) a subscription's encrypted token set."""
        self._conn.execute(
            sa.delete(oauth_tokens).where(oauth_tokens.c.subscription_id == subscription_id)
        )
        self._conn.execute(
            sa.insert(oauth_tokens).values(
                subscription_id=subscription_id,
                tokens=blob,
                expires_at=expires_at,
                updated_at=utcnow(),
            )
        )

    def tokens(self, subscription_id: int) -> StoredTokens | None:
        row = self._conn.execute(
            sa.select(oauth_tokens).where(oauth_tokens.c.subscription_id == subscription_id)
        ).first()
        return None if row is None else StoredTokens(row.tokens, row.expires_at, row.updated_at)
