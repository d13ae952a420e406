"""Pure rules of accounts: acting contexts, company choice, features, scopes, lock-out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ipaas.domain import FEATURES, CompanyKind, Feature, Role
from ipaas.domain.accounts import (
    CompanyChoiceRequiredError,
    CompanyNotAvailableError,
    CompanyRef,
    FeatureDeniedError,
    FieldNotAllowedError,
    LoginPolicy,
    Membership,
    Principal,
    TenantScope,
    acting_contexts,
    can,
    check_may_create_company,
    check_may_switch_view,
    check_role_for_company,
    choose_context,
    require,
)

MISP = CompanyRef(1, "MiSP", CompanyKind.MISP)
MANAGED = CompanyRef(2, "Managed", CompanyKind.SUBSCRIBER, managing_misp_id=1)
SHOP = CompanyRef(3, "Shop", CompanyKind.SUBSCRIBER)
BUILDER = CompanyRef(4, "Builder", CompanyKind.INTEGRATOR)


def _principal(
    memberships: list[Membership],
    switches: dict[int, CompanyRef] | None = None,
    requested: int | None = None,
) -> Principal:
    contexts = acting_contexts(memberships, {MISP.id: [MANAGED]}, switches or {})
    return Principal(7, "u@x.test", choose_context(contexts, requested))


def test_misp_acts_in_its_subscribers_with_the_subscriber_role() -> None:
    own = _principal([Membership(MISP, Role.MISP)])
    assert own.company_id == MISP.id  # the membership is the default, not the managed one
    assert own.tenant.visible == {MISP.id, MANAGED.id}
    inside = _principal([Membership(MISP, Role.MISP)], requested=MANAGED.id)
    assert (inside.role, inside.context.via, inside.tenant.visible) == (
        Role.SUBSCRIBER,
        "misp",
        {MANAGED.id},
    )
    assert can(inside, Feature.DATA_MANAGEMENT)
    assert not can(own, Feature.DATA_MANAGEMENT)


def test_switched_integrator_gets_subscriber_features_but_not_user_management() -> None:
    member = [Membership(BUILDER, Role.INTEGRATOR)]
    switched = _principal(member, {BUILDER.id: SHOP})
    assert switched.switched
    assert switched.company_id == SHOP.id
    assert can(switched, Feature.SUBSCRIPTION_MANAGEMENT)
    assert not can(switched, Feature.INTEGRATION_MANAGEMENT)
    assert not can(switched, Feature.USER_MANAGEMENT)
    # asking for the integrator company while switched gives the view
    assert _principal(member, {BUILDER.id: SHOP}, requested=BUILDER.id).switched


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("feature", list(Feature))
def test_require_follows_the_feature_table(role: Role, feature: Feature) -> None:
    company = {Role.MISP: MISP, Role.SUBSCRIBER: SHOP, Role.INTEGRATOR: BUILDER}[role]
    principal = _principal([Membership(company, role)])
    if role in FEATURES[feature]:
        require(principal, feature)
    else:
        with pytest.raises(FeatureDeniedError):
            require(principal, feature)


def test_company_choice() -> None:
    both = acting_contexts(
        [Membership(SHOP, Role.SUBSCRIBER), Membership(BUILDER, Role.INTEGRATOR)], {}, {}
    )
    with pytest.raises(CompanyChoiceRequiredError) as choice:
        choose_context(both, None)
    assert choice.value.field == "X-Company-Id"
    assert choose_context(both, None, remembered=BUILDER.id).company.id == BUILDER.id
    assert choose_context(both, SHOP.id).company.id == SHOP.id
    with pytest.raises(CompanyNotAvailableError):
        choose_context(both, MISP.id)
    with pytest.raises(CompanyNotAvailableError):
        choose_context([], None)


def test_roles_creation_and_switch_rules() -> None:
    check_role_for_company(CompanyKind.SUBSCRIBER, Role.SUBSCRIBER)
    with pytest.raises(FieldNotAllowedError) as wrong:
        check_role_for_company(CompanyKind.SUBSCRIBER, Role.MISP)
    assert wrong.value.field == "role"
    misp = _principal([Membership(MISP, Role.MISP)])
    check_may_create_company(misp, CompanyKind.SUBSCRIBER)
    with pytest.raises(FieldNotAllowedError):
        check_may_create_company(misp, CompanyKind.MISP)
    with pytest.raises(FeatureDeniedError):
        check_may_create_company(
            _principal([Membership(SHOP, Role.SUBSCRIBER)]), CompanyKind.SUBSCRIBER
        )
    builder = _principal([Membership(BUILDER, Role.INTEGRATOR)])
    check_may_switch_view(builder, SHOP, builds_for=True)
    with pytest.raises(CompanyNotAvailableError):
        check_may_switch_view(builder, SHOP, builds_for=False)
    with pytest.raises(CompanyNotAvailableError):
        check_may_switch_view(builder, MISP, builds_for=True)


def test_tenant_scope_single() -> None:
    assert TenantScope.single(5) == TenantScope(5, frozenset({5}))


def test_login_policy_locks_after_the_limit_and_unlocks_after_the_window() -> None:
    policy = LoginPolicy(max_failures_per_email=3, max_failures_per_ip=5)
    now = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
    fails = [now - timedelta(minutes=m) for m in (1, 2, 3)]
    locked = policy.locked_until(fails, fails, now)
    assert locked is not None
    until, what = locked
    assert what == "this email"
    assert until == now - timedelta(minutes=3) + policy.window
    error = policy.lock_error(until, what, now)
    assert error.code == "AUTH_LOCKED"
    assert "try again in 13 minute" in error.message
    assert policy.locked_until(fails[:2], fails[:2], now) is None
    assert policy.locked_until(fails, fails, now + policy.window) is None
    many = [now - timedelta(seconds=s) for s in range(5)]
    assert policy.locked_until([], many, now) is not None
