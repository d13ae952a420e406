"""Queue and transfer through HTTP on SQLite and PostgreSQL: depth and age, an item's whole
story, retry, discard, bulk retry, manual transfer, initialization; and the api-call log."""

from __future__ import annotations

from typing import Any

from resources_support import World, error_of, publish_demo, subscribe

from ipaas.domain import Direction, Method
from ipaas.store import NewQueueItem
from ipaas.store.api_calls import ApiCallRepository, NewApiCall
from ipaas.store.transfer import TransferStore
from ipaas.store.types import utcnow
from ipaas.transfer.logs import LogBuffer


def _seed(world: World) -> dict[str, Any]:
    """Five to_hub product items of the shop's subscription: two end in error (with api
    calls and log lines), one is done, two wait; one item of the rival."""
    integration = publish_demo(world)
    sub = subscribe(world, "shop", integration["id"], "store")
    rival = subscribe(world, "rival", integration["id"], "theirs")
    with world.hub.unit_of_work() as uow:
        keys = ["p1", "p2", "p3", "p4", "p5"]
        uow.queue.enqueue_many(
            [NewQueueItem(sub["id"], Direction.TO_HUB, "product", k, Method.READ) for k in keys]
        )
        uow.queue.enqueue(NewQueueItem(rival["id"], Direction.TO_HUB, "product", "r1", Method.READ))
        uow.commit()
    with world.hub.unit_of_work() as uow:
        claimed = [i for i in uow.queue.claim("w1", 10, 60) if i.subscription_id == sub["id"]]
        by_key = {i.record_key: i for i in claimed}
        for key in ("p1", "p2"):
            uow.queue.fail(by_key[key].id, "w1", "HTTP 500 from the shop: boom")
        uow.queue.complete([by_key["p3"].id], "w1")
        ApiCallRepository(uow.conn).insert_many(
            [
                NewApiCall(
                    at=utcnow(),
                    method="GET",
                    url="http://shop/api/products/p1",
                    duration_ms=12.5,
                    status=500,
                    subscription_id=sub["id"],
                    queue_item_id=by_key["p1"].id,
                    tracking_id=by_key["p1"].tracking_id,
                    data_type="product",
                    record_key="p1",
                    error="HTTP 500",
                ),
                NewApiCall(
                    at=utcnow(),
                    method="GET",
                    url="http://shop/api/products/p3",
                    duration_ms=8.0,
                    status=200,
                    subscription_id=sub["id"],
                    queue_item_id=by_key["p3"].id,
                    data_type="product",
                    record_key="p3",
                ),
            ]
        )
        logs = LogBuffer()
        logs.say(by_key["p1"], "could not read product p1 from store", level="error")
        logs.note(by_key["p1"], "error", {"reason": "HTTP 500"})
        logs.flush(TransferStore(uow.conn))
        uow.commit()
    return {"sub": sub, "rival": rival, "items": {k: i.id for k, i in by_key.items()}}


def test_depth_story_retry_discard(world: World) -> None:
    seeded = _seed(world)
    client = world.client("shop")
    sub_id = seeded["sub"]["id"]
    depth = client.get("/api/v1/queue/depth").json()
    assert [(d["subscription_id"], d["direction"], d["error"]) for d in depth] == [
        (sub_id, "to_hub", 2)
    ]
    errors = client.get("/api/v1/queue/items", params={"state": "error"}).json()["items"]
    assert [i["record_key"] for i in errors] == ["p1", "p2"]
    p1 = seeded["items"]["p1"]
    story = client.get(f"/api/v1/queue/items/{p1}").json()
    assert story["item"]["last_error"] == "HTTP 500 from the shop: boom"
    assert story["item"]["trigger"] == "webhook"
    assert [c["status"] for c in story["api_calls"]] == [500]
    assert [a["text"] for a in story["activity"]] == ["could not read product p1 from store"]
    assert [t["text"] for t in story["technical"]] == ["error"]
    assert client.post("/api/v1/queue/retry", json={"ids": [p1]}).json() == {"count": 1}
    retried = client.get(f"/api/v1/queue/items/{p1}").json()["item"]
    assert (retried["state"], retried["attempts"]) == ("pending", 0)
    p2 = seeded["items"]["p2"]
    assert client.post("/api/v1/queue/discard", json={"ids": [p2]}).json() == {"count": 1}
    assert client.get(f"/api/v1/queue/items/{p2}").json()["item"]["state"] == "discarded"
    # Only error items are retried; other tenants' items are untouched and invisible.
    done = seeded["items"]["p3"]
    assert client.post("/api/v1/queue/retry", json={"ids": [done]}).json() == {"count": 0}
    rival = world.client("rival")
    assert rival.get(f"/api/v1/queue/items/{p1}").status_code == 404
    assert rival.post("/api/v1/queue/discard", json={"ids": [p1]}).json() == {"count": 0}
    assert rival.get("/api/v1/queue/depth", params={"subscription_id": sub_id}).status_code == 404
    empty = client.post("/api/v1/queue/retry", json={"ids": []})
    assert empty.status_code == 422
    assert error_of(empty)["field"] == "ids"


def test_bulk_retry_manual_transfer_and_initialization(world: World) -> None:
    seeded = _seed(world)
    client = world.client("shop")
    sub_id = seeded["sub"]["id"]
    bulk = client.post("/api/v1/queue/retry-all", json={"subscription_id": sub_id})
    assert bulk.json() == {"count": 2}
    transfer = client.post(
        "/api/v1/queue/transfers",
        json={
            "subscription_id": sub_id,
            "data_type": "product",
            "direction": "to_hub",
            "ids": ["x1", "x2", "x3"],
            "debug": True,
        },
    )
    assert transfer.status_code == 202, transfer.text
    tracking = transfer.json()["tracking_id"]
    assert transfer.json()["queued"] == 3
    items = client.get("/api/v1/queue/items", params={"tracking_id": tracking}).json()["items"]
    assert [(i["record_key"], i["trigger"], i["debug"]) for i in items] == [
        ("x1", "manual", True),
        ("x2", "manual", True),
        ("x3", "manual", True),
    ]
    bad = client.post(
        "/api/v1/queue/transfers",
        json={"subscription_id": sub_id, "data_type": "product", "direction": "up", "ids": ["1"]},
    )
    assert error_of(bad)["field"] == "direction"
    foreign = client.post(
        "/api/v1/queue/transfers",
        json={
            "subscription_id": seeded["rival"]["id"],
            "data_type": "product",
            "direction": "to_hub",
            "ids": ["1"],
        },
    )
    assert foreign.status_code == 404
    company = world.companies["shop"]
    with world.hub.unit_of_work() as uow:
        for n in range(3):
            uow.hub_records.upsert(company, "product", {"sku": f"I-{n}"})
        uow.commit()
    started = client.post(
        "/api/v1/queue/initializations",
        json={"subscription_id": sub_id, "data_types": ["product"], "direction": "from_hub"},
    )
    assert started.status_code == 202, started.text
    progress = client.get("/api/v1/queue/initializations", params={"subscription_id": sub_id})
    assert [(r["state"], r["records"]) for r in progress.json()] == [("done", 3)]
    sent = client.get(
        "/api/v1/queue/items", params={"direction": "from_hub", "subscription_id": sub_id}
    ).json()["items"]
    assert len(sent) == 3


def test_api_call_log_filters_detail_and_export(world: World) -> None:
    seeded = _seed(world)
    client = world.client("shop")
    url = "/api/v1/api-calls"
    calls = client.get(url).json()["items"]
    assert [c["record_key"] for c in calls] == ["p3", "p1"]
    failed = client.get(url, params={"status_class": 5}).json()["items"]
    assert [c["status"] for c in failed] == [500]
    by_record = client.get(url, params={"record_key": "p3", "method": "GET"}).json()["items"]
    assert len(by_record) == 1
    detail = client.get(f"{url}/{calls[0]['id']}").json()
    assert "request_excerpt" in detail
    paged = client.get(url, params={"limit": 1}).json()
    more = client.get(url, params={"limit": 1, "cursor": paged["next_cursor"]}).json()
    assert [c["record_key"] for c in more["items"]] == ["p1"]
    csv_text = client.get(f"{url}/export", params={"format": "csv"}).text.splitlines()
    assert csv_text[0].startswith("id,at,subscription_id")
    assert len(csv_text) == 3
    lines = client.get(f"{url}/export", params={"status": 500}).text.splitlines()
    assert len(lines) == 1
    assert '"status":500' in lines[0]
    naive = client.get(url, params={"since": "2026-01-01T00:00:00"})
    assert error_of(naive)["field"] == "since"
    rival = world.client("rival")
    assert rival.get(url).json()["items"] == []
    assert rival.get(f"{url}/{calls[0]['id']}").status_code == 404
    assert rival.get(url, params={"subscription_id": seeded["sub"]["id"]}).status_code == 404


def test_monitoring_timeline_and_summaries(world: World) -> None:
    seeded = _seed(world)
    client = world.client("shop")
    sub_id = seeded["sub"]["id"]
    line = client.get(
        "/api/v1/monitoring/timeline", params={"subscription_id": sub_id, "bucket": "hour"}
    ).json()
    assert len(line["buckets"]) in (24, 25)
    totals = {
        k: sum(b[k] for b in line["buckets"])
        for k in ("records_in", "records_out", "errors", "api_calls", "api_call_errors")
    }
    assert totals == {
        "records_in": 1,
        "records_out": 0,
        "errors": 2,
        "api_calls": 2,
        "api_call_errors": 1,
    }
    summary = client.get("/api/v1/monitoring/summary").json()
    assert [c["company_id"] for c in summary["companies"]] == [world.companies["shop"]]
    only = summary["companies"][0]["subscriptions"][0]
    assert (only["in_error"], only["figures"]["errors"]) == (2, 2)
    assert only["figures"]["error_rate"] == round(2 / 3, 4)
    too_many = client.get(
        "/api/v1/monitoring/timeline",
        params={
            "bucket": "minute",
            "since": "2026-01-01T00:00:00Z",
            "until": "2026-03-01T00:00:00Z",
        },
    )
    assert error_of(too_many)["field"] == "bucket"
    backwards = client.get(
        "/api/v1/monitoring/summary",
        params={"since": "2026-03-01T00:00:00Z", "until": "2026-01-01T00:00:00Z"},
    )
    assert error_of(backwards)["field"] == "since"
    assert (
        world.client("rival")
        .get("/api/v1/monitoring/timeline", params={"subscription_id": sub_id})
        .status_code
        == 404
    )


def test_a_misp_summary_covers_its_subscribers(sqlite_world: World) -> None:
    integration = publish_demo(sqlite_world)
    managed = (
        sqlite_world.client("misp", "managed")
        .post("/api/v1/subscriptions", json={"integration_id": integration["id"], "name": "m"})
        .json()
    )
    subscribe(sqlite_world, "shop", integration["id"], "not theirs")
    summary = sqlite_world.client("misp").get("/api/v1/monitoring/summary").json()
    assert [c["company_id"] for c in summary["companies"]] == [sqlite_world.companies["managed"]]
    subs = summary["companies"][0]["subscriptions"]
    assert [s["subscription_id"] for s in subs] == [managed["id"]]
