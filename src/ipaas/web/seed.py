"""A seeded dashboard world: companies, users, an integration, two subscriptions with
in-memory systems, hub records, queue items (one in error) and api calls.

Used by the browser tests, the screenshot script and the dashboard benchmark.
``seed_bulk`` adds many rows quickly (bulk inserts) to measure page times.
"""

from __future__ import annotations

import asyncio
import json
import random
import threading
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from ipaas.bootstrap import Hub
from ipaas.connectors.memory import InMemoryConnector
from ipaas.domain import Direction, Method, QueueState, RetryPolicy
from ipaas.domain.roles import Role
from ipaas.security.passwords import hash_password
from ipaas.store import NewQueueItem
from ipaas.store.accounts import AccountRepository
from ipaas.store.api_calls import ApiCallRepository, NewApiCall
from ipaas.store.portal import PortalRepository
from ipaas.store.tables import (
    api_calls,
    hub_record_versions,
    hub_records,
    lookup_tables,
    mapping_collections,
    queue_items,
    subscriptions,
)
from ipaas.store.triggers_tables import poll_states, webhook_events
from ipaas.store.types import utcnow
from ipaas.transfer.engine import WorkerOptions
from ipaas.transfer.provider import StaticConnectorProvider
from ipaas.transfer.worker import drain

PASSWORD = "correct horse battery"

SHOP_TO_HUB: dict[str, Any] = {
    "data_type": "product",
    "direction": "to_hub",
    "name": "Shop products into the hub",
    "field_mappings": [
        {"target": "sku", "type": "field", "source": "code"},
        {"target": "name", "type": "field", "source": "title"},
        {"target": "price", "type": "field", "source": "price"},
        {"target": "status", "type": "lookup", "source": "state", "table": "shop_status",
         "default": "active"},
    ],
}  # fmt: skip
ERP_FROM_HUB: dict[str, Any] = {
    "data_type": "product",
    "direction": "from_hub",
    "name": "Hub products to the ERP",
    "field_mappings": [
        {"target": "code", "type": "field", "source": "sku"},
        {"target": "title", "type": "formula", "expression": "$uppercase(name)"},
        {"target": "price", "type": "field", "source": "price"},
        {"target": "channel", "type": "static", "value": "web"},
    ],
}  # fmt: skip
DEFINITION: dict[str, Any] = {
    "data_types": [{"data_type": "product", "directions": ["to_hub", "from_hub"]}],
    "settings": [
        {"name": "shop_url", "type": "string", "required": True},
        {"name": "api_key", "type": "password"},
    ],
}
ERP_DEFINITION: dict[str, Any] = {
    "data_types": [{"data_type": "product", "directions": ["to_hub", "from_hub"]}],
    "settings": [
        {"name": "base_url", "type": "string", "required": True},
        {"name": "api_key", "type": "password"},
    ],
}
STATUS_TABLE = {"name": "shop_status", "entries": {"live": "active", "hidden": "draft"}}


@dataclass
class Seeded:
    hub: Hub
    misp_id: int
    subscriber_id: int
    integrator_id: int
    integration_id: int
    shop_id: int
    erp_id: int
    error_item_id: int
    record_ids: list[int] = field(default_factory=list)
    systems: dict[int, InMemoryConnector] = field(default_factory=dict)
    users: dict[str, str] = field(default_factory=dict)

    def provider(self) -> StaticConnectorProvider:
        return StaticConnectorProvider(self.systems)


OPTIONS = WorkerOptions(
    batch_size=20,
    prerequisite_delay=0.01,
    retry_policy=RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.05, jitter=0.0),
)


def run_async(make: Any) -> Any:
    """Run ``make()`` (a coroutine factory) on a fresh event loop in its own thread, so the
    seed works beside a running loop (Playwright's sync API keeps one)."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = asyncio.run(make())
        except BaseException as exc:
            box["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box.get("value")


def drain_all(hub: Hub, seeded: Seeded) -> int:
    """Process every due queue item with the seeded systems."""
    return int(run_async(lambda: drain(hub, provider=seeded.provider(), options=OPTIONS)))


def _collection(conn: sa.Connection, sub_id: int, definition: dict[str, Any]) -> None:
    now = utcnow()
    conn.execute(
        sa.insert(mapping_collections).values(
            subscription_id=sub_id,
            data_type=definition["data_type"],
            direction=definition["direction"],
            name=definition["name"],
            sync_type="add_and_update",
            collision_method="error",
            sort_order=0,
            definition=definition,
            created_at=now,
            updated_at=now,
        )
    )


def seed(hub: Hub) -> Seeded:
    """Create the demo world and run it once, leaving one item in error."""
    secret = hash_password(PASSWORD)
    with hub.unit_of_work() as uow:
        t = uow.tenants
        misp = t.create_company("Northwind Integrations", "misp")
        sub = t.create_company("Acme Outdoor", "subscriber", managing_misp_id=misp)
        builder = t.create_company("Builder Labs", "integrator")
        integration = t.create_integration(
            builder, "memory-shop", "Storefront", "memory", definition=DEFINITION
        )
        erp_integration = t.create_integration(
            builder, "memory-erp", "Back-office ERP", "memory", definition=ERP_DEFINITION
        )
        portal = PortalRepository(uow.conn)
        portal.save_branding(
            misp, {"name": "Northwind", "primary_color": "#2f5d8a", "logo_url": None,
                   "secondary_color": None},
        )  # fmt: skip
        portal.add_article(
            misp,
            {"kind": "training", "title": "Reading an error's story",
             "roles": ["subscriber", "integrator"],
             "body": "Open Queue & errors, pick the item, read its timeline and API calls, "
                     "fix the cause, then Retry."},
        )  # fmt: skip
        portal.add_article(
            misp,
            {"kind": "knowledgebase", "title": "Mapping a status through a lookup table",
             "roles": ["subscriber"],
             "body": "Create a lookup table (live = active), then pick the Lookup type."},
        )  # fmt: skip
        accounts = AccountRepository(uow.conn)
        users = {}
        for email, name, company, role in (
            ("misp@example.com", "Mia Partner", misp, Role.MISP),
            ("sub@example.com", "Sam Subscriber", sub, Role.SUBSCRIBER),
            ("int@example.com", "Ivo Integrator", builder, Role.INTEGRATOR),
        ):
            user_id = accounts.create_user(email, name, secret)
            accounts.add_membership(user_id, company, role)
            users[role.value] = email
        # a second subscriber member, so the Users page has someone to remove
        ops = accounts.create_user("ops@example.com", "Olga Ops", secret)
        accounts.add_membership(ops, sub, Role.SUBSCRIBER)
        shop = t.create_subscription(sub, integration, "Acme web shop")
        erp = t.create_subscription(sub, erp_integration, "Acme ERP")
        uow.conn.execute(
            sa.update(subscriptions)
            .where(subscriptions.c.id == shop)
            .values(flows={"product": {"to_hub": True}}, throttle_rate=5.0)
        )
        uow.conn.execute(
            sa.update(subscriptions)
            .where(subscriptions.c.id == erp)
            .values(flows={"product": {"from_hub": True}}, throttle_rate=2.0)
        )
        _collection(uow.conn, shop, SHOP_TO_HUB)
        _collection(uow.conn, erp, ERP_FROM_HUB)
        now = utcnow()
        uow.conn.execute(
            sa.insert(lookup_tables).values(
                subscription_id=shop, name="shop_status", definition=STATUS_TABLE,
                created_at=now, updated_at=now,
            )
        )  # fmt: skip
        uow.commit()
    shop_system = InMemoryConnector(id_prefix="shop-", match_fields={"product": ("code",)})
    erp_system = InMemoryConnector(id_prefix="erp-", match_fields={"product": ("code",)})
    seeded = Seeded(hub, misp, sub, builder, integration, shop, erp, 0, users=users)
    seeded.systems = {shop: shop_system, erp: erp_system}
    products = [
        ("TENT-2P", "Ridge tent 2p", "249.00", "live"),
        ("BAG-35L", "Trail pack 35 l", "119.00", "live"),
        ("LAMP-H", "Head lamp", "39.90", "hidden"),
        ("MUG-TI", "Titanium mug", "24.50", "live"),
    ]
    with hub.unit_of_work() as uow:
        for i, (code, title, price, state) in enumerate(products):
            uow.queue.enqueue(
                NewQueueItem(
                    shop, Direction.TO_HUB, "product", f"s{i + 1}", Method.UPDATE,
                    {"code": code, "title": title, "price": price, "state": state},
                )
            )  # fmt: skip
        uow.commit()
    drain_all(hub, seeded)
    # A record the ERP refuses three times: it ends in error, with its story.
    erp_system.fail_next("500", times=3)
    with hub.unit_of_work() as uow:
        uow.queue.enqueue(
            NewQueueItem(
                shop, Direction.TO_HUB, "product", "s9", Method.UPDATE,
                {"code": "STOVE-1", "title": "Camp stove", "price": "89.00", "state": "live"},
            )
        )  # fmt: skip
        uow.commit()
    drain_all(hub, seeded)
    with hub.unit_of_work() as uow:
        [error] = uow.queue.items(state=QueueState.ERROR)
        seeded.error_item_id = error.id
        _record_calls(uow.conn, seeded, error.id, error.tracking_id, error.created_at)
        _trigger_state(uow.conn, shop, erp)
        seeded.record_ids = [
            int(i)
            for i in uow.conn.execute(
                sa.select(hub_records.c.id).order_by(hub_records.c.id)
            ).scalars()
        ]
        uow.commit()
    return seeded


def _record_calls(
    conn: sa.Connection, s: Seeded, item_id: int, tracking: str, created: Any
) -> None:
    now = utcnow()
    rows = []
    for n in reversed(range(40)):  # oldest first, as they would be recorded
        rows.append(
            NewApiCall(
                at=now - timedelta(minutes=n * 17),
                method=("GET", "POST", "PUT")[n % 3],
                url=(
                    f"https://shop.example.test/admin/products/{1000 + n}.json"
                    if n % 2
                    else f"https://erp.example.test/api/products/{1000 + n}"
                ),
                duration_ms=40.0 + (n * 7) % 120,
                status=(200, 200, 201, 200, 429)[n % 5],
                subscription_id=s.shop_id if n % 2 else s.erp_id,
                data_type="product",
                record_key=f"s{n % 5}",
                request_excerpt=None if n % 3 == 0 else '{"product": {"title": "Head lamp"}}',
                response_excerpt=json.dumps({"product": {"id": 1000 + n}}),
            )
        )
    for n in range(3):
        rows.append(
            NewApiCall(
                # the attempts follow the item's creation, as in the story they tell
                at=created + timedelta(milliseconds=40 + n * 60),
                method="POST",
                url="https://erp.example.test/api/products?api_key=[redacted]",
                duration_ms=180.0 + n * 20,
                status=500,
                subscription_id=s.erp_id,
                queue_item_id=item_id,
                tracking_id=tracking,
                data_type="product",
                record_key="STOVE-1",
                request_bytes=96,
                response_bytes=58,
                request_excerpt='{"code": "STOVE-1", "title": "CAMP STOVE", "price": "89.00", '
                '"channel": "web"}',
                response_excerpt='{"error": "database is locked, try again later"}',
                error="HTTP 500 Internal Server Error",
            )
        )
    ApiCallRepository(conn).insert_many(rows)


def _trigger_state(conn: sa.Connection, shop: int, erp: int) -> None:
    now = utcnow()
    conn.execute(
        sa.insert(webhook_events).values(
            subscription_id=shop, dedupe_key="seed-1", scope="product/updated",
            external_id="s1", tracking_id="seed", received_at=now - timedelta(minutes=3),
        )
    )  # fmt: skip
    conn.execute(
        sa.insert(poll_states).values(
            subscription_id=erp, data_type="product", interval_seconds=300.0, cron=None,
            lookback_seconds=0.0, enabled=True, watermark=None, next_run_at=now,
            last_run_at=now - timedelta(minutes=4), last_error=None, records_total=0,
        )
    )  # fmt: skip


def seed_history(hub: Hub, s: Seeded, *, per_hour: int = 12, seed_value: int = 7) -> None:
    """Done queue items spread over the last day, so charts have a shape."""
    rnd = random.Random(seed_value)
    now = utcnow()
    rows = []
    for hour in range(24):
        for sub_id, direction in ((s.shop_id, "to_hub"), (s.erp_id, "from_hub")):
            for _ in range(max(0, int(per_hour * (0.4 + rnd.random())))):
                at = now - timedelta(hours=23 - hour, minutes=rnd.randint(0, 59))
                at = min(at, now)
                rows.append(_done_item(sub_id, direction, f"h{hour}-{rnd.randint(1, 999)}", at))
    rows.sort(key=lambda r: r["created_at"])
    with hub.unit_of_work() as uow:
        uow.conn.execute(sa.insert(queue_items), rows)
        uow.commit()


def _done_item(sub_id: int, direction: str, key: str, at: Any) -> dict[str, Any]:
    return {
        "subscription_id": sub_id, "direction": direction, "data_type": "product",
        "record_key": key, "method": "update", "payload": None, "state": "done",
        "priority": 0, "attempts": 1, "next_try_at": at, "tracking_id": f"hist{key}",
        "hub_version": None, "trigger": "webhook", "debug": False, "parent_item_id": None,
        "created_at": at, "finished_at": at,
    }  # fmt: skip


def seed_bulk(hub: Hub, s: Seeded, *, records: int, calls: int, chunk: int = 20_000) -> None:
    """Add ``records`` hub records (with a version each) and ``calls`` api calls."""
    now = utcnow()
    with hub.unit_of_work() as uow:
        start = int(
            uow.conn.execute(sa.select(sa.func.count()).select_from(hub_records)).scalar_one()
        )
        for base in range(0, records, chunk):
            n = min(chunk, records - base)
            rows = [
                {
                    "company_id": s.subscriber_id, "data_type": "product",
                    "match_key": f"BULK-{start + base + i:07d}",
                    "body": {"sku": f"BULK-{start + base + i:07d}", "name": f"Bulk item {base + i}",
                             "status": "active", "price": "10.00"},
                    "version": 1, "content_hash": f"{base + i:064d}", "deleted": False,
                    "created_at": now, "updated_at": now,
                }
                for i in range(n)
            ]  # fmt: skip
            uow.conn.execute(sa.insert(hub_records), rows)
        first = int(uow.conn.execute(sa.select(sa.func.min(hub_records.c.id)).where(
            hub_records.c.match_key.like("BULK-%"))).scalar_one() or 0)  # fmt: skip
        last = int(uow.conn.execute(sa.select(sa.func.max(hub_records.c.id))).scalar_one() or 0)
        for base in range(first, last + 1, chunk):
            uow.conn.execute(
                sa.insert(hub_record_versions).from_select(
                    ["hub_record_id", "version", "body", "content_hash", "deleted", "created_at"],
                    sa.select(hub_records.c.id, hub_records.c.version, hub_records.c.body,
                              hub_records.c.content_hash, hub_records.c.deleted,
                              hub_records.c.created_at)
                    .where(hub_records.c.id.between(base, base + chunk - 1),
                           hub_records.c.match_key.like("BULK-%")),
                )
            )  # fmt: skip
        uow.commit()
        for base in range(0, calls, chunk):
            n = min(chunk, calls - base)
            rows = [
                {
                    "at": now - timedelta(seconds=(calls - base - i) * 2),
                    "subscription_id": s.shop_id if i % 2 else s.erp_id,
                    "queue_item_id": None, "tracking_id": None, "data_type": "product",
                    "record_key": f"BULK-{(base + i) % max(records, 1):07d}",
                    "method": ("GET", "PUT", "POST")[i % 3],
                    "url": f"https://shop.example.test/admin/products/{base + i}.json",
                    "status": 500 if i % 97 == 0 else (429 if i % 53 == 0 else 200),
                    "duration_ms": 20.0 + i % 200, "request_bytes": 120, "response_bytes": 800,
                    "request_excerpt": None, "response_excerpt": '{"ok": true}', "error": None,
                }
                for i in range(n)
            ]  # fmt: skip
            uow.conn.execute(sa.insert(api_calls), rows)
            uow.commit()
