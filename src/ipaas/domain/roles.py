"""Company kinds, roles, features, and which role may use which feature."""

from __future__ import annotations

from enum import StrEnum


class CompanyKind(StrEnum):
    MISP = "misp"
    SUBSCRIBER = "subscriber"
    INTEGRATOR = "integrator"


class Role(StrEnum):
    MISP = "misp"
    SUBSCRIBER = "subscriber"
    INTEGRATOR = "integrator"


class Feature(StrEnum):
    USER_MANAGEMENT = "user_management"
    DATA_MANAGEMENT = "data_management"
    INTEGRATION_MANAGEMENT = "integration_management"
    BRANDING = "branding"
    RESOURCES = "resources"
    KNOWLEDGEBASE = "knowledgebase"
    TRAINING = "training"
    DEAL_REGISTRATION = "deal_registration"
    SUBSCRIPTION_MANAGEMENT = "subscription_management"
    MONITORING = "monitoring"
    SETTINGS = "settings"


_M, _S, _I = Role.MISP, Role.SUBSCRIBER, Role.INTEGRATOR

FEATURES: dict[Feature, frozenset[Role]] = {
    Feature.USER_MANAGEMENT: frozenset({_M, _S, _I}),
    Feature.DATA_MANAGEMENT: frozenset({_S}),
    Feature.INTEGRATION_MANAGEMENT: frozenset({_I}),
    Feature.BRANDING: frozenset({_M}),
    Feature.RESOURCES: frozenset({_M}),
    Feature.KNOWLEDGEBASE: frozenset({_M}),
    Feature.TRAINING: frozenset({_M, _S, _I}),
    Feature.DEAL_REGISTRATION: frozenset({_M}),
    Feature.SUBSCRIPTION_MANAGEMENT: frozenset({_M, _S}),
    Feature.MONITORING: frozenset({_M, _S}),
    Feature.SETTINGS: frozenset({_M, _S}),
}


def role_has_feature(role: Role, feature: Feature) -> bool:
    """Whether ``role`` may use ``feature`` according to the feature table."""
    return role in FEATURES[feature]


def features_of(role: Role) -> frozenset[Feature]:
    """Every feature ``role`` may use."""
    return frozenset(f for f, roles in FEATURES.items() if role in roles)
