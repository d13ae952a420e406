"""Retry decisions and the feature table, with no I/O."""

from __future__ import annotations

import random

from ipaas.domain import FEATURES, Feature, RetryPolicy, Role, features_of, role_has_feature
from ipaas.errors import FatalError, RateLimitedError, RetriableError


def test_retriable_errors_back_off_exponentially_then_give_up() -> None:
    policy = RetryPolicy(max_attempts=4, base_delay=1.0, jitter=0.0)
    delays = [policy.decide(RetriableError("503"), n).delay for n in (1, 2, 3)]
    assert delays == [1.0, 2.0, 4.0]
    final = policy.decide(RetriableError("503"), 4)
    assert not final.retry
    assert "gave up after 4 attempts" in final.reason


def test_jitter_stays_within_bounds() -> None:
    policy = RetryPolicy(base_delay=10.0, jitter=0.5, rng=random.Random(7))
    for _ in range(50):
        assert 5.0 <= policy.decide(RetriableError("x"), 1).delay <= 10.0


def test_retry_after_is_respected_and_permanent_errors_stop_at_once() -> None:
    policy = RetryPolicy(jitter=0.0)
    assert policy.decide(RateLimitedError("429", retry_after=30), 1).delay == 30
    decision = policy.decide(FatalError("400 bad request"), 1)
    assert not decision.retry
    assert decision.reason.startswith("permanent")


def test_feature_table_matches_the_design() -> None:
    assert features_of(Role.INTEGRATOR) == {
        Feature.USER_MANAGEMENT,
        Feature.INTEGRATION_MANAGEMENT,
        Feature.TRAINING,
    }
    assert role_has_feature(Role.SUBSCRIBER, Feature.DATA_MANAGEMENT)
    assert not role_has_feature(Role.MISP, Feature.DATA_MANAGEMENT)
    assert role_has_feature(Role.MISP, Feature.DEAL_REGISTRATION)
    assert set(FEATURES) == set(Feature)
