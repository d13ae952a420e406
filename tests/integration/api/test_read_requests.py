"""Requests that only read never wait for a writer (on SQLite: the write lock)."""

from __future__ import annotations

from integration.api.conftest import World


def test_reading_requests_answer_while_a_writer_holds_the_database(world: World) -> None:
    client = world.client("shop")
    assert client.get("/api/v1/me").status_code == 200  # the key's "last used" is written now
    with world.hub.unit_of_work() as writer:
        writer.tenants.create_company("Busy Co", "subscriber")  # SQLite: holds the write lock
        # A read that queued for the lock would wait here until the busy timeout, then fail.
        answer = client.get("/api/v1/me")
        assert answer.status_code == 200, answer.text
        assert client.get("/api/v1/subscriptions").status_code == 200
        writer.rollback()
