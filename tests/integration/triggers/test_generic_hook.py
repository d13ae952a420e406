"""The generic hook ``POST /hooks/v1/notifications`` on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from triggers_support import Spoke

from ipaas.bootstrap import Hub
from ipaas.domain import QueueState
from ipaas.store.triggers import TriggerRepository

pytestmark = pytest.mark.anyio

URL = "/hooks/v1/notifications"


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _queue(hub: Hub, subscription_id: int) -> list[tuple[str, str, str, str, str]]:
    import sqlalchemy as sa

    from ipaas.store.tables import queue_items

    with hub.unit_of_work() as uow:
        rows = uow.conn.execute(
            sa.select(
                queue_items.c.data_type,
                queue_items.c.record_key,
                queue_items.c.method,
                queue_items.c.trigger,
                queue_items.c.tracking_id,
            )
            .where(queue_items.c.subscription_id == subscription_id)
            .order_by(queue_items.c.id)
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


async def test_notifications_become_queue_items_committed_before_202(
    hub: Hub, spoke: Spoke, client: httpx.AsyncClient
) -> None:
    body = {
        "notifications": [
            {"scope": "product/created", "external_id": "123"},
            {"scope": "customer/updated", "external_id": 77},
        ]
    }
    answer = await client.post(URL, json=body, headers=_auth(spoke.key))
    assert answer.status_code == 202
    tracking_ids = answer.json()["tracking_ids"]
    assert len(set(tracking_ids)) == 2
    assert _queue(hub, spoke.subscription_id) == [
        ("product", "123", "create", "webhook", tracking_ids[0]),
        ("customer", "77", "update", "webhook", tracking_ids[1]),
    ]


async def test_wrong_or_missing_key_is_401_recorded_and_enqueues_nothing(
    hub: Hub, spoke: Spoke, client: httpx.AsyncClient
) -> None:
    body = {"notifications": [{"scope": "product/created", "external_id": "1"}]}
    wrong = await client.post(URL, json=body, headers=_auth("whk_not-a-key"))
    missing = await client.post(URL, json=body)
    assert wrong.status_code == missing.status_code == 401
    assert wrong.json()["error"]["code"].startswith("AUTH_")
    assert "whk_not-a-key" not in wrong.text
    with hub.unit_of_work() as uow:
        assert uow.queue.count() == 0
        rejections = TriggerRepository(uow.conn).rejections()
    assert [r["status"] for r in rejections] == [401, 401]


async def test_repeated_deliveries_are_acknowledged_without_a_second_item(
    hub: Hub, spoke: Spoke, client: httpx.AsyncClient
) -> None:
    same_record = {"notifications": [{"scope": "product/updated", "external_id": "9"}]}
    with_id = {
        "notifications": [{"scope": "product/deleted", "external_id": "8", "event_id": "ev-1"}]
    }
    first = await client.post(URL, json=same_record, headers=_auth(spoke.key))
    again = await client.post(URL, json=same_record, headers=_auth(spoke.key))
    by_id = await client.post(URL, json=with_id, headers=_auth(spoke.key))
    # Same event id after the first item is done: still a repeat.
    with hub.unit_of_work() as uow:
        import sqlalchemy as sa

        from ipaas.store.tables import queue_items

        uow.conn.execute(sa.update(queue_items).values(state=QueueState.DONE.value))
        uow.commit()
    by_id_again = await client.post(URL, json=with_id, headers=_auth(spoke.key))
    assert [a.status_code for a in (first, again, by_id, by_id_again)] == [202] * 4
    assert again.json() == {"tracking_ids": first.json()["tracking_ids"], "duplicates": 1}
    assert by_id_again.json()["tracking_ids"] == by_id.json()["tracking_ids"]
    assert len(_queue(hub, spoke.subscription_id)) == 2
    # Once nothing is pending, the same record changing again is a new item.
    later = await client.post(URL, json=same_record, headers=_auth(spoke.key))
    assert later.json()["duplicates"] == 0
    assert len(_queue(hub, spoke.subscription_id)) == 3


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"{not json", "body"),
        (b'{"notifications": []}', "notifications"),
        (b'{"notifications": [{"scope": "gadget/created", "external_id": "1"}]}', "scope"),
        (b'{"notifications": [{"scope": "product/exploded", "external_id": "1"}]}', "scope"),
        (b'{"notifications": [{"scope": "location/created", "external_id": "1"}]}', "external_id"),
        (b'{"notifications": [{"scope": "product/created"}]}', "external_id"),
    ],
)
async def test_bad_input_is_400_with_the_field_and_recorded(
    hub: Hub, spoke: Spoke, client: httpx.AsyncClient, body: bytes, field: str
) -> None:
    answer = await client.post(URL, content=body, headers=_auth(spoke.key))
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"].startswith("VALD_")
    assert error["field"].endswith(field)
    with hub.unit_of_work() as uow:
        assert uow.queue.count() == 0
        (rejection,) = TriggerRepository(uow.conn).rejections()
    assert rejection["status"] == 400
    assert rejection["subscription_id"] == spoke.subscription_id


async def test_oversized_body_is_413(hub: Hub, spoke: Spoke, client: httpx.AsyncClient) -> None:
    big = b'{"notifications": [' + b" " * (hub.settings.max_request_bytes + 1) + b"]}"
    answer = await client.post(URL, content=big, headers=_auth(spoke.key))
    assert answer.status_code == 413
    with hub.unit_of_work() as uow:
        assert uow.queue.count() == 0


async def test_a_burst_of_concurrent_webhooks_each_gets_one_item(
    hub: Hub, spoke: Spoke, client: httpx.AsyncClient
) -> None:
    async def send(n: int) -> str:
        body = {"notifications": [{"scope": "product/updated", "external_id": f"p{n}"}]}
        answer = await client.post(URL, json=body, headers=_auth(spoke.key))
        assert answer.status_code == 202
        return str(answer.json()["tracking_ids"][0])

    tracking_ids = await asyncio.gather(*(send(n) for n in range(200)))
    assert len(set(tracking_ids)) == 200
    assert len(_queue(hub, spoke.subscription_id)) == 200


async def test_rotated_key_keeps_the_old_one_valid_until_it_expires(
    hub: Hub, spoke: Spoke, client: httpx.AsyncClient
) -> None:
    from datetime import timedelta

    from ipaas.triggers.api import webhook_intake

    body = {"notifications": [{"scope": "product/created", "external_id": "1"}]}
    with hub.unit_of_work() as uow:
        new_key = TriggerRepository(uow.conn).rotate_key(
            spoke.subscription_id, grace=timedelta(hours=1)
        )
        uow.commit()
    assert (await client.post(URL, json=body, headers=_auth(spoke.key))).status_code == 202
    assert (await client.post(URL, json=body, headers=_auth(new_key))).status_code == 202
    with hub.unit_of_work() as uow:
        TriggerRepository(uow.conn).rotate_key(spoke.subscription_id, grace=timedelta(0))
        uow.commit()
    webhook_intake(hub).forget()
    assert (await client.post(URL, json=body, headers=_auth(spoke.key))).status_code == 401
    assert (await client.post(URL, json=body, headers=_auth(new_key))).status_code == 401
