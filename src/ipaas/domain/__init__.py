"""The pure core: canonical data types, roles and features, scopes, queue states, retry."""

from ipaas.domain.data_types import (
    DATA_TYPES,
    DataType,
    content_hash,
    dependency_order,
    get_data_type,
    validate_record,
)
from ipaas.domain.queue import OPEN_STATES, QueueState
from ipaas.domain.retry import RetryDecision, RetryPolicy
from ipaas.domain.roles import FEATURES, CompanyKind, Feature, Role, features_of, role_has_feature
from ipaas.domain.scopes import Action, Direction, Method, Scope

__all__ = [
    "DATA_TYPES",
    "FEATURES",
    "OPEN_STATES",
    "Action",
    "CompanyKind",
    "DataType",
    "Direction",
    "Feature",
    "Method",
    "QueueState",
    "RetryDecision",
    "RetryPolicy",
    "Role",
    "Scope",
    "content_hash",
    "dependency_order",
    "features_of",
    "get_data_type",
    "role_has_feature",
    "validate_record",
]
