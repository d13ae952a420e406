"""``POST /hooks/{token}``: foreign formats, signatures, refusals."""

from __future__ import annotations

import json
import time

import httpx
import pytest
from triggers_support import add_subscription

from ipaas.api.app import create_app
from ipaas.bootstrap import Hub
from ipaas.connectors.signatures import sign_hmac_sha256_hex, sign_standard_webhooks
from ipaas.store.triggers import TriggerRepository
from ipaas.triggers.secrets_box import conceal

pytestmark = pytest.mark.anyio

GITHUB_LIKE = {
    "scope": {"header": "x-event"},
    "external_id": {"json": "item.id"},
    "event_id": {"header": "x-delivery"},
    "topics": {"item.changed": "product/updated"},
    "complete_record": True,
    "record": "item",
    "signature": {
        "scheme": "hmac_sha256_hex",
        "header": "X-Signature-256",
        "secret_from": "setting",
        "secret_setting": "hook_secret",
    },
}
BATCHED = {
    "events": "value",
    "data_type": {"json": "resource"},
    "action": {"json": "changeType"},
    "external_id": {"json": "key"},
    "event_id": {"header": "webhook-id"},
    "data_types": {"items": "product"},
    "signature": {"scheme": "standard_webhooks"},
}
SW_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def _client(hub: Hub) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(hub)), base_url="http://h"
    )


async def test_hex_signed_complete_records_are_enqueued_with_their_payload(hub: Hub) -> None:
    spoke = add_subscription(hub, webhook=GITHUB_LIKE, settings={"hook_secret": "s3cret"})
    body = json.dumps({"item": {"id": 5, "sku": "A"}}).encode()
    headers = {
        "X-Event": "item.changed",
        "X-Delivery": "d-1",
        "X-Signature-256": sign_hmac_sha256_hex("s3cret", body),
    }
    async with _client(hub) as client:
        first = await client.post(f"/hooks/{spoke.token}", content=body, headers=headers)
        again = await client.post(f"/hooks/{spoke.token}", content=body, headers=headers)
        forged = await client.post(
            f"/hooks/{spoke.token}",
            content=body,
            headers={**headers, "X-Signature-256": sign_hmac_sha256_hex("guess", body)},
        )
        unsigned = await client.post(
            f"/hooks/{spoke.token}", content=body, headers={"X-Event": "item.changed"}
        )
        unknown = await client.post("/hooks/not-a-token", content=body, headers=headers)
    assert first.status_code == again.status_code == 202
    assert again.json()["duplicates"] == 1
    assert forged.status_code == unsigned.status_code == 401
    assert unknown.status_code == 404
    assert "s3cret" not in forged.text
    with hub.unit_of_work() as uow:
        items = uow.queue.count()
        rejections = TriggerRepository(uow.conn).rejections()
    assert items == 1
    assert sorted(r["status"] for r in rejections) == [401, 401, 404]
    assert all(spoke.token not in r["path"] for r in rejections)


async def test_standard_webhooks_batch_verified_with_registration_secrets(hub: Hub) -> None:
    spoke = add_subscription(hub, webhook=BATCHED)
    with hub.unit_of_work() as uow:
        TriggerRepository(uow.conn).save_registration(
            spoke.subscription_id,
            "product/all",
            state="enabled",
            callback_url="http://x",
            registration={"id": "1"},
            secret=conceal(hub, SW_SECRET),
        )
        uow.commit()
    body = json.dumps(
        {
            "value": [
                {"resource": "items", "changeType": "created", "key": "I1"},
                {"resource": "items", "changeType": "deleted", "key": "I2"},
            ]
        }
    ).encode()
    now = int(time.time())
    signed = {
        "webhook-id": "msg_1",
        "webhook-timestamp": str(now),
        "webhook-signature": sign_standard_webhooks(SW_SECRET, "msg_1", now, body),
    }
    stale = {
        "webhook-id": "msg_2",
        "webhook-timestamp": str(now - 3600),
        "webhook-signature": sign_standard_webhooks(SW_SECRET, "msg_2", now - 3600, body),
    }
    bad_topic = json.dumps({"value": [{"resource": "robots", "changeType": "created", "key": "R"}]})
    topic_headers = {
        "webhook-id": "msg_3",
        "webhook-timestamp": str(now),
        "webhook-signature": sign_standard_webhooks(SW_SECRET, "msg_3", now, bad_topic.encode()),
    }
    async with _client(hub) as client:
        accepted = await client.post(f"/hooks/{spoke.token}", content=body, headers=signed)
        too_old = await client.post(f"/hooks/{spoke.token}", content=body, headers=stale)
        unknown = await client.post(
            f"/hooks/{spoke.token}", content=bad_topic, headers=topic_headers
        )
    assert accepted.status_code == 202
    assert len(accepted.json()["tracking_ids"]) == 2
    assert too_old.status_code == 401
    assert unknown.status_code == 400
    assert unknown.json()["error"]["field"] == "events[0].scope"
    with hub.unit_of_work() as uow:
        assert uow.queue.count() == 2
