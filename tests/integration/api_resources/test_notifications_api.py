"""Alert rules through HTTP: email through a local SMTP server (aiosmtpd) and a JSON POST
to a local sink, at most once per period; the evaluator the scheduler calls."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from fastapi import FastAPI, Request
from resources_support import World, error_of, publish_demo, subscribe

from ipaas.domain import Direction, Method
from ipaas.notifications import evaluate_rules
from ipaas.store import NewQueueItem
from ipaas.store.types import utcnow
from ipaas.triggers.scheduler import run_scheduler
from loopback_support import free_port, serve_in_thread


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp_server() -> Iterator[tuple[int, Inbox]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, inbox
    finally:
        controller.stop()


def _errors(world: World, sub_id: int, count: int) -> None:
    with world.hub.unit_of_work() as uow:
        uow.queue.enqueue_many(
            [
                NewQueueItem(sub_id, Direction.TO_HUB, "product", f"k{n}", Method.READ)
                for n in range(count)
            ]
        )
        uow.commit()
    with world.hub.unit_of_work() as uow:
        for item in uow.queue.claim("w", count, 60):
            uow.queue.fail(item.id, "w", "HTTP 500")
        uow.commit()


def test_email_and_webhook_alerts_once_per_period(
    sqlite_world: World, smtp_server: tuple[int, Inbox]
) -> None:
    port, inbox = smtp_server
    integration = publish_demo(sqlite_world)
    sub = subscribe(sqlite_world, "shop", integration["id"], "store")
    client = sqlite_world.client("shop")
    smtp = client.put(
        "/api/v1/notifications/smtp",
        json={
            "host": "127.0.0.1",
            "port": port,
            "username": None,
            "password": "smtp-pass",
            "sender": "alerts@example.test",
            "security": "none",
        },
    )
    assert smtp.status_code == 200, smtp.text
    assert smtp.json()["password"] == "••••"
    assert "smtp-pass" not in client.get("/api/v1/notifications/smtp").text
    sink = FastAPI()
    received: list[dict[str, Any]] = []

    @sink.post("/hook")
    async def hook(request: Request) -> dict[str, str]:
        received.append(await request.json())
        return {"ok": "yes"}

    with serve_in_thread(sink) as base:
        email_rule = client.post(
            "/api/v1/notifications/rules",
            json={
                "name": "errors",
                "kind": "error_rate",
                "threshold": 0.5,
                "channel": "email",
                "target": "ops@example.test",
                "period_minutes": 30,
            },
        )
        assert email_rule.status_code == 201, email_rule.text
        hook_rule = client.post(
            "/api/v1/notifications/rules",
            json={
                "name": "failed items",
                "kind": "item_errors",
                "threshold": 0,
                "channel": "webhook",
                "target": f"{base}/hook",
                "subscription_id": sub["id"],
                "period_minutes": 30,
            },
        )
        assert hook_rule.status_code == 201, hook_rule.text
        assert client.post("/api/v1/notifications/evaluate").json() == []
        _errors(sqlite_world, sub["id"], 3)
        sent = client.post("/api/v1/notifications/evaluate").json()
        assert sorted(e["rule_id"] for e in sent) == sorted(
            [email_rule.json()["id"], hook_rule.json()["id"]]
        )
        assert all(e["delivered"] for e in sent)
        assert len(inbox.messages) == 1
        assert inbox.messages[0].rcpt_tos == ["ops@example.test"]
        assert b"error rate 100.0%" in inbox.messages[0].content
        assert received[0]["rule"] == "failed items"
        assert "3 items ended in error" in received[0]["text"]
        # Once per period: nothing more now; the scheduler's evaluator sends after it.
        assert client.post("/api/v1/notifications/evaluate").json() == []
        later = evaluate_rules(sqlite_world.hub, now=utcnow() + timedelta(minutes=31))
        assert {f.rule_id for f in later} == {email_rule.json()["id"], hook_rule.json()["id"]}
        assert len(received) == 2
    events = client.get("/api/v1/notifications/events").json()["items"]
    assert len(events) == 4


def test_rules_check_input_and_tenants(sqlite_world: World) -> None:
    client = sqlite_world.client("shop")
    base = {"name": "x", "kind": "queue_age", "threshold": 60, "channel": "webhook"}
    bad_url = client.post("/api/v1/notifications/rules", json={**base, "target": "ftp://x"})
    assert error_of(bad_url)["field"] == "target"
    bad_kind = client.post(
        "/api/v1/notifications/rules", json={**base, "kind": "vibes", "target": "http://x"}
    )
    assert error_of(bad_kind)["field"] == "kind"
    rate = client.post(
        "/api/v1/notifications/rules",
        json={**base, "kind": "error_rate", "threshold": 5, "target": "http://127.0.0.1:9/x"},
    )
    assert error_of(rate)["field"] == "threshold"
    made = client.post(
        "/api/v1/notifications/rules", json={**base, "target": "http://127.0.0.1:9/x"}
    ).json()
    rival = sqlite_world.client("rival")
    assert rival.get(f"/api/v1/notifications/rules/{made['id']}").status_code == 404
    assert rival.delete(f"/api/v1/notifications/rules/{made['id']}").status_code == 404
    assert (
        client.patch(f"/api/v1/notifications/rules/{made['id']}", json={"enabled": False}).json()[
            "enabled"
        ]
        is False
    )
    assert sqlite_world.client("builder").get("/api/v1/notifications/rules").status_code == 403


class BrokenTransport(httpx.BaseTransport):
    """Fails in a way the sender does not expect, to prove the scheduler survives it."""

    def __init__(self) -> None:
        self.calls = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        raise RuntimeError("sink exploded")


def _wait_for(condition: Any, seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_the_scheduler_evaluates_rules_and_survives_a_failing_round(sqlite_world: World) -> None:
    integration = publish_demo(sqlite_world)
    sub = subscribe(sqlite_world, "shop", integration["id"], "store")
    client = sqlite_world.client("shop")
    sink = FastAPI()
    received: list[dict[str, Any]] = []

    @sink.post("/hook")
    async def hook(request: Request) -> dict[str, str]:
        received.append(await request.json())
        return {"ok": "yes"}

    broken = BrokenTransport()
    sqlite_world.hub.extras["alert_transport"] = broken
    stop = asyncio.Event()
    with serve_in_thread(sink) as base:
        rule = client.post(
            "/api/v1/notifications/rules",
            json={
                "name": "failed items",
                "kind": "item_errors",
                "threshold": 0,
                "channel": "webhook",
                "target": f"{base}/hook",
                "period_minutes": 30,
            },
        )
        assert rule.status_code == 201, rule.text
        _errors(sqlite_world, sub["id"], 2)
        running = sqlite_world.portal.start_task_soon(
            lambda: run_scheduler(sqlite_world.hub, stop, tick_seconds=0.02, alert_seconds=0.05)
        )
        try:
            # Rounds whose delivery raises are logged; the scheduler goes on.
            assert _wait_for(lambda: broken.calls >= 2)
            assert not running.done()
            sqlite_world.hub.extras.pop("alert_transport")
            assert _wait_for(lambda: bool(received))
        finally:
            sqlite_world.portal.call(lambda: _set(stop))
            running.result(timeout=10)
    assert received[0]["rule"] == "failed items"
    assert "2 items ended in error" in received[0]["text"]
    events = client.get("/api/v1/notifications/events").json()["items"]
    assert len(events) == 1


async def _set(event: asyncio.Event) -> None:
    event.set()
