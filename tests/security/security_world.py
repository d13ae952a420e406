"""A populated tenant world for the security tests.

Built on the resource-API world (``resources_support.build_world``: a MiSP managing
``managed``, independent subscribers ``shop`` and ``rival``, integrators ``builder`` and
``other_builder``) plus a second MiSP ``other_misp``. Tenant A is ``managed`` and tenant B is
``rival``: each gets the same full set of objects (subscription with secret settings,
mapping collections, lookup tables, preset, hub records, queue items incl. one in error,
api calls, notification rule, SMTP settings, API key). The MiSP gets portal content, the
builder a published integration with templates and a template lookup table.

``Objects`` maps a path parameter name (``subscription_id``, ``record_id``, ...) to the id
of one object of that kind, so route walks fill paths by parameter name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from anyio.from_thread import BlockingPortal

from integration.api_resources.resources_support import (
    PASSWORD,
    Client,
    World,
    build_world,
    demo_definition,
    subscribe,
)
from ipaas.bootstrap import Hub
from ipaas.cli.accounts import create_company, create_user
from ipaas.domain import Direction, Method
from ipaas.domain.roles import CompanyKind, Role
from ipaas.store import NewQueueItem
from ipaas.store.accounts import AccountRepository
from ipaas.store.api_calls import ApiCallRepository, NewApiCall
from ipaas.store.tables import api_calls
from ipaas.store.types import utcnow

__all__ = [
    "PASSWORD",
    "Client",
    "Objects",
    "SecurityWorld",
    "build_security_world",
    "demo_definition",
    "subscribe",
]

#: A marker in every name, title and value of a tenant's objects: a list answer of another
#: tenant containing it has leaked.
MARK = "TENANTMARK"


@dataclass
class Objects:
    """One tenant's objects by path parameter name."""

    ids: dict[str, int] = field(default_factory=dict)
    marker: str = ""

    def __getitem__(self, name: str) -> int:
        return self.ids[name]


@dataclass
class SecurityWorld:
    world: World
    #: by tenant name: ``managed`` (A), ``rival`` (B), ``builder``, ``misp``
    objects: dict[str, Objects] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)
    #: the published integration of ``builder`` every subscriber subscribes to
    integration_id: int = 0
    #: signed-in dashboard clients by (who, company), see ``session_client``
    sessions: dict[tuple[str, str | None], tuple[Client, str]] = field(default_factory=dict)

    @property
    def hub(self) -> Hub:
        return self.world.hub

    @property
    def app(self) -> Any:
        return self.world.app

    def client(self, who: str, company: str | None = None) -> Client:
        return self.world.client(who, company)

    def anonymous(self) -> Client:
        return Client(self.world.portal, self.world.app, {})

    def company(self, name: str) -> int:
        return self.world.companies[name]


def _ok(answer: Any, *codes: int) -> Any:
    assert answer.status_code in (codes or (200, 201)), answer.text
    return answer.json() if answer.content else None


def _populate_subscriber(sw: SecurityWorld, who: str) -> Objects:
    """Give subscriber ``who`` one of every tenant object, through the API where it can."""
    mark = f"{MARK}-{who}"
    client = sw.client(who)
    objects = Objects(marker=mark)
    ids = objects.ids
    ids["company_id"] = sw.company(who)
    ids["user_id"] = sw.users[who]
    sub = subscribe(sw.world, who, sw.integration_id, f"{mark} store")
    ids["subscription_id"] = ids["owner_id"] = ids["sub_id"] = sub["id"]
    base = f"/api/v1/subscriptions/{sub['id']}"
    _ok(
        client.patch(
            f"{base}/settings",
            json={
                "values": {
                    "shop_url": f"http://127.0.0.1:9/{mark}",
                    "api_token": f"tok-{mark}",
                    "webhook_secret": f"whsec-{mark}",
                }
            },
        )
    )
    collections = _ok(client.get(f"{base}/mappings"))["collections"]
    ids["collection_id"] = collections[0]["id"]
    table = {"name": f"{mark}_status", "entries": {"live": "active"}, "default": "active"}
    ids["lookup_id"] = _ok(client.post(f"{base}/lookup-tables", json=table), 201)["id"]
    preset = {
        "name": f"{mark} creds",
        "fields": [{"name": "token", "type": "password"}, {"name": "note"}],
        "values": {"token": f"preset-{mark}", "note": mark},
    }
    ids["preset_id"] = _ok(client.post("/api/v1/presets", json=preset), 201)["id"]
    _ok(client.post(f"{base}/presets", json={"preset_id": ids["preset_id"]}), 204)
    rule = {
        "name": f"{mark} errors",
        "kind": "item_errors",
        "threshold": 1,
        "channel": "webhook",
        "target": f"http://127.0.0.1:9/{mark}",
        "subscription_id": sub["id"],
    }
    ids["rule_id"] = _ok(client.post("/api/v1/notifications/rules", json=rule), 201)["id"]
    smtp = {
        "host": "127.0.0.1",
        "port": 2525,
        "username": mark,
        "password": f"smtp-{mark}",
        "sender": "alerts@example.test",
        "security": "none",
    }
    _ok(client.put("/api/v1/notifications/smtp", json=smtp))
    ids["key_id"] = _ok(client.post("/api/v1/api-keys", json={"name": f"{mark} key"}), 201)["id"]
    _store_data(sw, who, objects)
    return objects


def _store_data(sw: SecurityWorld, who: str, objects: Objects) -> None:
    """Hub records, a queue item in error and api calls (no API creates these directly)."""
    ids, mark, sub_id = objects.ids, objects.marker, objects["subscription_id"]
    with sw.hub.unit_of_work() as uow:
        record = uow.hub_records.upsert(
            sw.company(who), "product", {"sku": f"{mark}-SKU", "name": f"{mark} product"}
        ).record
        uow.hub_records.upsert(
            sw.company(who), "product", {"sku": f"{mark}-SKU", "name": f"{mark} renamed"}
        )
        uow.external_ids.link(sub_id, "product", f"{mark}-ext", record.id)
        ids["record_id"] = record.id
        uow.queue.enqueue(
            NewQueueItem(sub_id, Direction.TO_HUB, "product", f"{mark}-key", Method.READ)
        )
        uow.commit()
    with sw.hub.unit_of_work() as uow:
        claimed = [i for i in uow.queue.claim("sec", 50, 60) if i.subscription_id == sub_id]
        item = claimed[0]
        uow.queue.fail(item.id, "sec", f"HTTP 500 from {mark}")
        ids["item_id"] = item.id
        ApiCallRepository(uow.conn).insert_many(
            [
                NewApiCall(
                    at=utcnow(),
                    method="GET",
                    url=f"http://127.0.0.1:9/{mark}/products/1",
                    duration_ms=3.0,
                    status=500,
                    subscription_id=sub_id,
                    queue_item_id=item.id,
                    tracking_id=item.tracking_id,
                    data_type="product",
                    record_key=f"{mark}-key",
                    response_excerpt=mark,
                    error="HTTP 500",
                )
            ]
        )
        ids["call_id"] = int(
            uow.conn.execute(
                sa.select(sa.func.max(api_calls.c.id)).where(api_calls.c.subscription_id == sub_id)
            ).scalar_one()
        )
        uow.commit()


def _populate_misp(sw: SecurityWorld) -> Objects:
    mark = f"{MARK}-misp"
    misp = sw.client("misp")
    objects = Objects(marker=mark)
    ids = objects.ids
    _ok(misp.put("/api/v1/portal/branding", json={"name": f"{mark} brand"}))
    article = {"title": f"{mark} kb", "body": mark, "roles": ["subscriber"]}
    ids["kb_article_id"] = _ok(misp.post("/api/v1/portal/knowledgebase", json=article), 201)["id"]
    training = {"title": f"{mark} training", "body": mark, "roles": ["subscriber"]}
    ids["article_id"] = _ok(misp.post("/api/v1/portal/training", json=training), 201)["id"]
    resource = {"kind": "link", "title": f"{mark} res", "url": "https://example.test/r"}
    ids["resource_id"] = _ok(misp.post("/api/v1/portal/resources", json=resource), 201)["id"]
    deal = {
        "prospect": f"{mark} prospect",
        "contact_name": "Pat",
        "contact_email": "pat@example.test",
    }
    ids["deal_id"] = _ok(misp.post("/api/v1/portal/deals", json=deal), 201)["id"]
    ids["company_id"] = sw.company("misp")
    ids["user_id"] = sw.users["misp"]
    return objects


def _populate_builder(sw: SecurityWorld) -> Objects:
    mark = f"{MARK}-builder"
    builder = sw.client("builder")
    objects = Objects(marker=mark)
    ids = objects.ids
    ids["integration_id"] = ids["owner_id"] = sw.integration_id
    base = f"/api/v1/integrations/{sw.integration_id}"
    ids["collection_id"] = _ok(builder.get(f"{base}/mappings"))["collections"][0]["id"]
    table = {"name": f"{mark}_status", "entries": {"a": "b"}}
    ids["lookup_id"] = _ok(builder.post(f"{base}/lookup-tables", json=table), 201)["id"]
    ids["company_id"] = sw.company("builder")
    ids["user_id"] = sw.users["builder"]
    return objects


def build_security_world(hub: Hub, portal: BlockingPortal) -> SecurityWorld:
    """The populated world (see the module docstring)."""
    world = build_world(hub, portal)
    sw = SecurityWorld(world)
    world.companies["other_misp"] = create_company(hub, "Other Misp", CompanyKind.MISP, None)
    create_user(
        hub, "other_misp@example.test", "Other", world.companies["other_misp"], Role.MISP, PASSWORD
    )
    with hub.unit_of_work() as uow:
        accounts = AccountRepository(uow.conn)
        for name in world.companies:
            user = accounts.user_by_email(f"{name}@example.test")
            assert user is not None
            sw.users[name] = user.id
        world.keys["other_misp"] = accounts.create_api_key(sw.users["other_misp"], "tests")[1]
        uow.commit()
    builder = sw.client("builder")
    definition = {**demo_definition("shop"), "description": f"{MARK}-builder integration"}
    sw.integration_id = _ok(builder.post("/api/v1/integrations", json=definition), 201)["id"]
    sw.objects["builder"] = _populate_builder(sw)
    _ok(builder.post(f"/api/v1/integrations/{sw.integration_id}/publish", json={}))
    sw.objects["misp"] = _populate_misp(sw)
    for who in ("managed", "rival"):
        sw.objects[who] = _populate_subscriber(sw, who)
    return sw


def fill_path(path: str, objects: Objects, fallback: int | None = None) -> str | None:
    """``path`` with every ``{param}`` replaced by the id of ``objects``; None when a
    parameter names an object kind the tenant does not have."""
    missing = False

    def value(match: re.Match[str]) -> str:
        nonlocal missing
        name = match.group(1).split(":")[0]
        if name == "data_type":
            return "product"
        if fallback is not None:
            return str(fallback)
        if name == "article_id" and "/knowledgebase/" in path:
            name = "kb_article_id"
        if name not in objects.ids:
            missing = True
            return "0"
        return str(objects.ids[name])

    filled = re.sub(r"\{([^}]+)\}", value, path)
    return None if missing else filled


def _served() -> list[Any]:
    import tempfile
    from pathlib import Path

    from ipaas.api.app import create_app
    from ipaas.api.routing import served_routes
    from ipaas.bootstrap import bootstrap
    from ipaas.settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        hub = bootstrap(Settings(data_dir=Path(tmp)))
        try:
            return served_routes(create_app(hub))
        finally:
            hub.close()


def app_routes() -> list[tuple[str, str]]:
    """Every (method, path) the app serves (API and dashboard), read from a freshly built
    app at collection time, so a new endpoint joins every walk without editing a test."""
    return sorted(
        (method, route.path) for route in _served() for method in route.methods if method != "HEAD"
    )


def body_fields() -> dict[tuple[str, str], frozenset[str]]:
    """Every API route taking a JSON body model, with the top-level fields it declares."""
    from pydantic import BaseModel

    found: dict[tuple[str, str], frozenset[str]] = {}
    for route in _served():
        if not route.path.startswith("/api/"):
            continue
        for param in route.dependant.body_params:
            model = param.field_info.annotation
            if isinstance(model, type) and issubclass(model, BaseModel):
                for method in route.methods:
                    found[(method, route.path)] = frozenset(model.model_fields)
    return found


#: Rows that an answered request may change without changing anyone's data: the audit trail,
#: sign-in bookkeeping and a key's last use.
_BOOKKEEPING = frozenset({"audit_log", "login_attempts", "auth_sessions", "leases"})
_VOLATILE_COLUMNS = frozenset({"last_used_at"})


def snapshot(hub: Hub) -> dict[str, list[tuple[Any, ...]]]:
    """Every tenant-data row of the database, for before/after comparisons."""
    import ipaas.store.all_tables  # noqa: F401  (registers every table on the metadata)
    from ipaas.store.tables import metadata

    out: dict[str, list[tuple[Any, ...]]] = {}
    with hub.engine.connect() as conn:
        for table in metadata.sorted_tables:
            if table.name in _BOOKKEEPING:
                continue
            columns = [c for c in table.columns if c.name not in _VOLATILE_COLUMNS]
            rows = conn.execute(sa.select(*columns).order_by(*table.primary_key.columns))
            out[table.name] = [tuple(r) for r in rows]
    return out


def changed_tables(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return [name for name in before if before[name] != after.get(name)]


def session_client(sw: SecurityWorld, who: str, company: str | None = None) -> tuple[Client, str]:
    """A client signed in as ``who`` with a session cookie (acting in ``company`` when
    given), and its dashboard CSRF token."""
    from ipaas.web import csrf

    if (who, company) in sw.sessions:
        return sw.sessions[(who, company)]
    client = sw.anonymous()
    answer = client.post(
        "/api/v1/auth/login", json={"email": f"{who}@example.test", "password": PASSWORD}
    )
    assert answer.status_code == 200, answer.text
    cookie = client.http.cookies.get("ipaas_session")
    assert cookie
    if company is not None:
        chosen = client.put("/api/v1/me/active-company", json={"company_id": sw.company(company)})
        assert chosen.status_code == 200, chosen.text
    sw.sessions[(who, company)] = (client, csrf.session_token(sw.hub, cookie))
    return sw.sessions[(who, company)]
