"""Tables of the resource API: OAuth2 states and tokens of subscriptions, alert rules and
their firings, SMTP settings, and portal content (branding, articles, resources, deals)."""

from __future__ import annotations

import sqlalchemy as sa

from ipaas.store.tables import _created, _id, _updated, metadata
from ipaas.store.types import BigId, Json, UtcDateTime


def _fk(
    name: str,
    target: str,
    *,
    nullable: bool = False,
    index: bool = False,
    primary_key: bool = False,
) -> sa.Column[int]:
    return sa.Column(
        name,
        BigId,
        sa.ForeignKey(target, ondelete="CASCADE"),
        nullable=nullable,
        index=index or None,
        primary_key=primary_key,
    )


# --- subscriptions: OAuth2 authorization-code flow ----------------------------------------

oauth_states = sa.Table(
    "oauth_states",
    metadata,
    _id(),
    _fk("subscription_id", "subscriptions.id", index=True),
    sa.Column("state_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("redirect_uri", sa.Text, nullable=False),
    _created(),
    sa.Column("expires_at", UtcDateTime, nullable=False),
)

oauth_tokens = sa.Table(
    "oauth_tokens",
    metadata,
    _fk("subscription_id", "subscriptions.id", primary_key=True),
    #: The token response (access and refresh token), encrypted with the secret box.
    sa.Column("tokens", sa.Text, nullable=False),
    sa.Column("expires_at", UtcDateTime, nullable=True),
    _updated(),
)

# --- notifications ------------------------------------------------------------------------

alert_rules = sa.Table(
    "alert_rules",
    metadata,
    _id(),
    _fk("company_id", "companies.id", index=True),
    _fk("subscription_id", "subscriptions.id", nullable=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("kind", sa.String(30), nullable=False),
    sa.Column("threshold", sa.Float, nullable=False),
    sa.Column("window_minutes", sa.Integer, nullable=False),
    sa.Column("channel", sa.String(10), nullable=False),
    sa.Column("target", sa.Text, nullable=False),
    sa.Column("period_minutes", sa.Integer, nullable=False),
    sa.Column("enabled", sa.Boolean, nullable=False),
    sa.Column("last_fired_at", UtcDateTime, nullable=True),
    _created(),
    _updated(),
)

alert_events = sa.Table(
    "alert_events",
    metadata,
    _id(),
    _fk("rule_id", "alert_rules.id", index=True),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("value", sa.Float, nullable=False),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("delivered", sa.Boolean, nullable=False),
    sa.Column("error", sa.Text, nullable=True),
)

smtp_settings = sa.Table(
    "smtp_settings",
    metadata,
    _fk("company_id", "companies.id", primary_key=True),
    sa.Column("host", sa.String(255), nullable=False),
    sa.Column("port", sa.Integer, nullable=False),
    sa.Column("username", sa.String(255), nullable=True),
    #: The password, encrypted with the secret box.
    sa.Column("password", sa.Text, nullable=True),
    sa.Column("sender", sa.String(320), nullable=False),
    sa.Column("security", sa.String(10), nullable=False),
    _updated(),
)

# --- portal content -----------------------------------------------------------------------

portal_branding = sa.Table(
    "portal_branding",
    metadata,
    _fk("company_id", "companies.id", primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("logo_url", sa.Text, nullable=True),
    sa.Column("primary_color", sa.String(7), nullable=True),
    sa.Column("secondary_color", sa.String(7), nullable=True),
    _updated(),
)

portal_articles = sa.Table(
    "portal_articles",
    metadata,
    _id(),
    _fk("company_id", "companies.id", index=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("title", sa.String(300), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("roles", Json, nullable=False),
    _created(),
    _updated(),
)

portal_resources = sa.Table(
    "portal_resources",
    metadata,
    _id(),
    _fk("company_id", "companies.id", index=True),
    sa.Column("kind", sa.String(10), nullable=False),
    sa.Column("title", sa.String(300), nullable=False),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    _created(),
)

deals = sa.Table(
    "deals",
    metadata,
    _id(),
    _fk("company_id", "companies.id", index=True),
    sa.Column("prospect", sa.String(200), nullable=False),
    sa.Column("contact_name", sa.String(200), nullable=False),
    sa.Column("contact_email", sa.String(320), nullable=False),
    sa.Column("integration_ids", Json, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("notes", sa.Text, nullable=False),
    _created(),
    _updated(),
)
