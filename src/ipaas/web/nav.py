"""The dashboard's navigation: each entry names the feature it needs (the feature table in
``ipaas.domain.roles`` decides; nothing here repeats it)."""

from __future__ import annotations

from dataclasses import dataclass

from ipaas.domain.accounts import Principal, can
from ipaas.domain.roles import Feature


@dataclass(frozen=True, slots=True)
class NavEntry:
    key: str
    label: str
    href: str
    feature: Feature
    icon: str


NAV: tuple[NavEntry, ...] = (
    NavEntry("overview", "Overview", "/app/", Feature.MONITORING, "activity"),
    NavEntry("queue", "Queue & errors", "/app/queue", Feature.MONITORING, "alert"),
    NavEntry("api_calls", "API calls", "/app/api-calls", Feature.MONITORING, "list"),
    NavEntry("records", "Hub data", "/app/records", Feature.DATA_MANAGEMENT, "database"),
    NavEntry(
        "subscriptions",
        "Subscriptions",
        "/app/subscriptions",
        Feature.SUBSCRIPTION_MANAGEMENT,
        "plug",
    ),
    NavEntry("branding", "Branding", "/app/portal/branding", Feature.BRANDING, "brush"),
    NavEntry(
        "knowledgebase", "Knowledgebase", "/app/portal/knowledgebase", Feature.KNOWLEDGEBASE, "book"
    ),
    NavEntry("training", "Training", "/app/portal/training", Feature.TRAINING, "school"),
    NavEntry(
        "deals", "Deal registration", "/app/portal/deals", Feature.DEAL_REGISTRATION, "handshake"
    ),
    NavEntry("users", "Users & roles", "/app/portal/users", Feature.USER_MANAGEMENT, "users"),
)


def visible_nav(principal: Principal) -> list[NavEntry]:
    """The entries ``principal`` may use in its current company."""
    return [entry for entry in NAV if can(principal, entry.feature)]


def home_href(principal: Principal) -> str:
    """The first page ``principal`` may open."""
    entries = visible_nav(principal)
    return entries[0].href if entries else "/app/portal/training"
