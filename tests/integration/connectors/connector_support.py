"""Helpers for connector tests: a webhook receiver, the api-call log."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from ipaas.bootstrap import Hub
from ipaas.connectors.recorder import ApiCallRecorder
from ipaas.store.api_calls import ApiCall, ApiCallFilter, ApiCallRepository


@dataclass
class Delivery:
    headers: dict[str, str]
    body: bytes


@dataclass
class WebhookReceiver:
    """Collects what is POSTed to ``url``."""

    url: str
    deliveries: list[Delivery] = field(default_factory=list)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Delivery]:
        deadline = time.monotonic() + timeout
        while len(self.deliveries) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return list(self.deliveries)


@dataclass
class Logged:
    """A hub with one subscription and a recorder writing to its database."""

    hub: Hub
    subscription_id: int
    recorder: ApiCallRecorder

    def calls(self) -> list[ApiCall]:
        """Every api-call row of the subscription, oldest first (after a flush)."""
        self.recorder.flush()
        out: list[ApiCall] = []
        with self.hub.unit_of_work() as uow:
            repo = ApiCallRepository(uow.conn)
            cursor = None
            for _ in range(100):
                page = repo.list(
                    ApiCallFilter(subscription_id=self.subscription_id),
                    before_id=cursor,
                    limit=500,
                )
                out.extend(page.items)
                cursor = page.next_cursor
                if cursor is None:
                    break
        return list(reversed(out))


def assert_no_secrets(calls: list[ApiCall], secrets: list[str]) -> None:
    """No secret value appears in any column of any row."""
    assert calls
    for call in calls:
        text = repr(call)
        for secret in secrets:
            assert secret not in text, f"a secret leaked into api call {call.id}: {call.url}"
