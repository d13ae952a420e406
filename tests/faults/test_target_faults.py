"""A target that misbehaves during a burst: 429 with Retry-After, 500s, timeouts (some
after the write happened), slow answers. Counted at the target afterwards."""

from __future__ import annotations

from typing import Any

import pytest

from faults.counting import LoggingTarget, assert_each_once_in_order, burst
from integration.transfer.world import IN, OUT, World, make_world
from ipaas.bootstrap import Hub
from ipaas.connectors.base import WriteResult
from ipaas.domain import QueueState, RetryPolicy
from ipaas.errors import RetriableError
from ipaas.transfer.engine import WorkerOptions

PATIENT = WorkerOptions(
    batch_size=10,
    prerequisite_delay=0.01,
    retry_policy=RetryPolicy(max_attempts=10, base_delay=0.01, max_delay=0.05, jitter=0.0),
)


class LostAnswerConnector(LoggingTarget):
    """Writes the record, then "times out": the hub never sees the answer."""

    lose_answers = 0

    async def create(
        self, data_type: str, record: dict[str, Any], *, idempotency_key: str | None = None
    ) -> WriteResult:
        result = await super().create(data_type, record, idempotency_key=idempotency_key)
        if self.lose_answers > 0:
            self.lose_answers -= 1
            raise RetriableError("timed out after 30 s (the write went through)")
        return result


def _world(hub: Hub, target: LoggingTarget) -> World:
    w = make_world(hub)
    w.options = PATIENT
    w.add_system("shop", OUT)
    w.add_system("erp", IN)
    w.systems["erp"] = target
    return w


def _errors(hub: Hub) -> list[tuple[str, str | None]]:
    with hub.unit_of_work() as uow:
        return [(i.record_key, i.last_error) for i in uow.queue.items(state=QueueState.ERROR)]


def test_429_500_timeouts_and_slow_answers_lose_and_duplicate_nothing(hub: Hub) -> None:
    """Guarantee: 429 + Retry-After, 500s, timeouts and slow answers during a burst of
    40 records x 3 versions lose no record, duplicate none and keep each record's versions
    in order; every failure is retried, so nothing ends as an error."""
    # slow answers throughout; the failures queued up front hit the first calls
    erp = LoggingTarget(id_prefix="erp-", latency=0.002)
    w = _world(hub, erp)
    erp.fail_next("429", times=3, retry_after=0.05)
    erp.fail_next("500", times=4)
    erp.fail_next("timeout", times=3)
    sent = burst(w, "shop", records=40, versions=3)
    w.run(max_batches=2000)
    assert (erp.counters["failed_429"], erp.counters["failed_500"]) == (3, 4)
    assert erp.counters["failed_timeout"] == 3
    assert_each_once_in_order(erp, sent)
    assert _errors(hub) == []


class LostAnswerWithoutKeys(LostAnswerConnector):
    """A target that knows no idempotency keys: a retry can only find the record."""

    idempotent_create = False


@pytest.mark.parametrize("target", [LostAnswerConnector, LostAnswerWithoutKeys])
def test_a_create_whose_answer_was_lost_is_not_an_error(
    hub: Hub, target: type[LostAnswerConnector]
) -> None:
    """Guarantee: when a create reached the target but its answer was lost (timeout after
    the write), the retry links the record made by the first try (replaying the
    idempotency key, or finding the record where the target has no keys): one record at
    the target, no error."""
    erp = target(id_prefix="erp-")
    erp.lose_answers = 5
    w = _world(hub, erp)
    sent = burst(w, "shop", records=20, versions=1)
    w.run(max_batches=2000)
    assert_each_once_in_order(erp, sent)
    assert _errors(hub) == []
