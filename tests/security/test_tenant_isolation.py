"""Cross-tenant walk: every route with a path parameter, called by another tenant with the
victim's object ids, answers 404 and changes nothing; list answers never carry another
tenant's objects. Routes are read from the app, so new endpoints join automatically."""

from __future__ import annotations

import json
from typing import Any

import pytest

from security.security_world import (
    SecurityWorld,
    app_routes,
    changed_tables,
    fill_path,
    session_client,
    snapshot,
)

ROUTES = app_routes()
#: Published integrations are the shared marketplace: every company may read them.
SHARED = {("GET", "/api/v1/marketplace/{integration_id}")}

#: A valid body per write route, so the answer is about the id, not about the body.
PRODUCT = {
    "data_type": "product",
    "direction": "to_hub",
    "name": "probe",
    "field_mappings": [{"target": "sku", "type": "field", "source": "sku"}],
}
TABLE = {"name": "probe_table", "entries": {"a": "b"}}
BODIES: dict[str, Any] = {
    "/members/{user_id}": {"role": "subscriber"},
    "/presets/{preset_id}": {"name": "probe"},
    "/integrations/{integration_id}": {"description": "probe"},
    "/integrations/{integration_id}/versions": {"version": "9.9.9"},
    "/subscriptions/{subscription_id}": {"name": "probe"},
    "/subscriptions/{subscription_id}/settings": {"values": {"location": "probe"}},
    "/subscriptions/{subscription_id}/presets": {"preset_id": 1},
    "/subscriptions/{subscription_id}/flows": {"flows": {"product": {"to_hub": True}}},
    "/subscriptions/{subscription_id}/triggers/{data_type}": {"mode": "off"},
    "/subscriptions/{subscription_id}/state": {"values": {"k": "v"}},
    "/subscriptions/{subscription_id}/upgrade": {"version": "1.0.0"},
    "/subscriptions/{subscription_id}/webhooks/enable": {"scopes": ["product/created"]},
    "/{owner_id}/mappings": PRODUCT,
    "/{owner_id}/mappings/import": {"yaml": "collections: []"},
    "/mappings/{collection_id}": PRODUCT,
    "/mappings/{collection_id}/clone": {"name": "probe"},
    "/mappings/{collection_id}/preview": {"sample": {"sku": "x"}},
    "/{owner_id}/lookup-tables": TABLE,
    "/lookup-tables/{lookup_id}": TABLE,
    "/records/{record_id}/reset-link": {"subscription_id": 1},
    "/notifications/rules/{rule_id}": {"enabled": False},
    "/knowledgebase/{article_id}": {"title": "probe"},
    "/training/{article_id}": {"title": "probe"},
    "/deals/{deal_id}": {"status": "won"},
}


#: Form fields of dashboard posts, so the answer is about the id.
FORMS: dict[str, dict[str, str]] = {
    "/role": {"role": "subscriber"},
    "/send": {"subscription_id": "1"},
    "/initialize": {"data_type": "product", "direction": "to_hub"},
    "/lookups": {"name": "probe", "entries": ""},
    "/mappings": {"name": "probe", "data_type": "product", "direction": "to_hub"},
    "/pause": {"paused": "true"},
}
#: Required query parameters, so the answer is about the id.
QUERIES: dict[str, dict[str, Any]] = {"/diff": {"from": 1, "to": 2}}


def _query(path: str) -> dict[str, Any] | None:
    return next((q for suffix, q in QUERIES.items() if path.endswith(suffix)), None)


def _body(method: str, path: str) -> Any:
    if method not in ("POST", "PUT", "PATCH") or path.startswith("/app"):
        return None
    for suffix, body in BODIES.items():
        if path.endswith(suffix):
            return body
    return {}


def _actors(path: str) -> list[tuple[str, str | None, str]]:
    """(attacker, company header, victim) pairs that a route is walked with."""
    if path.startswith("/api/v1/integrations/"):
        return [("other_builder", None, "builder")]
    if path.startswith("/api/v1/portal/"):
        return [("other_misp", None, "misp")]
    # B against A (A is managed by the MiSP), and the MiSP inside A against B
    return [("rival", None, "managed"), ("misp", "managed", "rival")]


CASES = [
    pytest.param(method, path, id=f"{method} {path}")
    for method, path in ROUTES
    if "{" in path and (method, path) not in SHARED and not path.startswith("/app/static")
]


@pytest.mark.parametrize(("method", "path"), CASES)
def test_another_tenants_object_is_not_found(
    security_world: SecurityWorld, method: str, path: str
) -> None:
    """Guarantee: a user of one tenant naming another tenant's object in a path gets 404
    (exactly as for an id that does not exist: never 403, 2xx or 5xx) for every method, and
    the database is unchanged afterwards. Dashboard pages (/app) are walked with a signed-in
    session and a valid CSRF token, so only the id can make them refuse."""
    sw = security_world
    for attacker, company, victim in _actors(path):
        url = fill_path(path, sw.objects[victim])
        assert url is not None, f"no {victim} object fills {path}: add one to security_world"
        headers = {}
        if path.startswith("/app"):
            client, token = session_client(sw, attacker, company)
            headers["x-csrf-token"] = token
        else:
            client = sw.client(attacker, company)
        writes = method != "GET"
        before = snapshot(sw.hub) if writes else {}
        form = next((f for k, f in FORMS.items() if path.endswith(k)), None)
        if path.startswith("/app") and method == "POST":
            answer = client.request(method, url, data=form or {}, headers=headers)
        else:
            answer = client.request(
                method, url, json=_body(method, path), params=_query(path), headers=headers
            )
        after = snapshot(sw.hub) if writes else {}
        label = (attacker, company, method, url, answer.status_code, answer.text[:300])
        assert answer.status_code == 404, label
        if not path.startswith("/app"):
            assert answer.json()["error"]["code"].startswith("NFND"), label
        assert sw.objects[victim].marker not in answer.text, label
        assert not changed_tables(before, after), (label, changed_tables(before, after))


LISTS = [
    pytest.param(path, id=path)
    for method, path in ROUTES
    if method == "GET" and "{" not in path and path.startswith(("/api/v1/", "/app"))
]


def _leaks(value: Any, foreign_subs: set[int], foreign_companies: set[int]) -> list[str]:
    """Keys in a JSON answer that point at another tenant's subscription or company."""
    found = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "subscription_id" and item in foreign_subs:
                found.append(f"{key}={item}")
            if key == "company_id" and item in foreign_companies:
                found.append(f"{key}={item}")
            found += _leaks(item, foreign_subs, foreign_companies)
    elif isinstance(value, list):
        for item in value:
            found += _leaks(item, foreign_subs, foreign_companies)
    return found


@pytest.mark.parametrize("path", LISTS)
def test_lists_never_show_another_tenants_objects(security_world: SecurityWorld, path: str) -> None:
    """Guarantee: every list, search, export and page without an id answers a tenant
    (subscriber B; the MiSP acting inside A; a second integrator) with its own objects
    only: no marker of another tenant's names, no other tenant's subscription or
    company id, and never a 5xx."""
    sw = security_world
    viewers = [("rival", None, ["managed", "misp", "builder"])]
    viewers.append(("misp", "managed", ["rival"]))
    viewers.append(("other_builder", None, ["builder"]))
    for who, company, foreign in viewers:
        if path.startswith("/app"):
            client, _ = session_client(sw, who, company)
        else:
            client = sw.client(who, company)
        params = {"data_type": "product"} if "hub-data" in path else None
        answer = client.get(path, params=params)
        assert answer.status_code < 500, (who, path, answer.status_code)
        for victim in foreign:
            if victim in ("misp", "builder") and who == "rival":
                # a subscriber sees its MiSP's content and the marketplace by design;
                # rival has no MiSP, and marketplace entries are public
                if "marketplace" in path:
                    continue
            assert sw.objects[victim].marker not in answer.text, (who, path, victim)
        if "json" in answer.headers.get("content-type", "") and "marketplace" not in path:
            foreign_subs = {
                sw.objects[v]["subscription_id"]
                for v in foreign
                if "subscription_id" in sw.objects[v].ids
            }
            foreign_companies = {sw.company(v) for v in foreign}
            assert not _leaks(answer.json(), foreign_subs, foreign_companies), (who, path)


def test_ids_inside_bodies_are_checked_too(security_world: SecurityWorld) -> None:
    """Guarantee: another tenant's ids carried in a body (attaching its preset, a rule or
    reset-link on its subscription, retrying or discarding its queue items, transfers
    and initializations into its subscription) are refused or touch nothing."""
    sw = security_world
    a, b = sw.objects["managed"], sw.objects["rival"]
    rival = sw.client("rival")
    own_sub = b["subscription_id"]
    cases: list[tuple[str, str, dict[str, Any]]] = [
        ("POST", f"/api/v1/subscriptions/{own_sub}/presets", {"preset_id": a["preset_id"]}),
        (
            "POST",
            f"/api/v1/hub-data/records/{b['record_id']}/reset-link",
            {"subscription_id": a["subscription_id"]},
        ),
        (
            "POST",
            "/api/v1/notifications/rules",
            {
                "name": "steal",
                "kind": "item_errors",
                "threshold": 1,
                "channel": "webhook",
                "target": "http://127.0.0.1:9/x",
                "subscription_id": a["subscription_id"],
            },
        ),
        (
            "POST",
            "/api/v1/queue/transfers",
            {
                "subscription_id": a["subscription_id"],
                "data_type": "product",
                "direction": "to_hub",
                "ids": ["1"],
            },
        ),
        (
            "POST",
            "/api/v1/queue/initializations",
            {
                "subscription_id": a["subscription_id"],
                "data_types": ["product"],
                "direction": "to_hub",
            },
        ),
        ("POST", "/api/v1/queue/retry-all", {"subscription_id": a["subscription_id"]}),
        ("POST", "/api/v1/subscriptions", {"integration_id": 999_999, "name": "x"}),
    ]
    for method, url, body in cases:
        before = snapshot(sw.hub)
        answer = rival.request(method, url, json=body)
        assert answer.status_code in (404, 422), (url, answer.status_code, answer.text)
        assert not changed_tables(before, sw.hub and snapshot(sw.hub)), url
    for verb in ("retry", "discard"):
        before = snapshot(sw.hub)
        answer = rival.post(f"/api/v1/queue/{verb}", json={"ids": [a["item_id"]]})
        assert answer.status_code == 200
        assert answer.json() == {"count": 0}
        assert not changed_tables(before, snapshot(sw.hub)), verb
    for params in (
        {"subscription_id": a["subscription_id"]},
        {"company_id": sw.company("managed")},
    ):
        for url in ("/api/v1/api-calls", "/api/v1/queue/items", "/api/v1/api-calls/export"):
            answer = rival.get(url, params=params)
            assert answer.status_code < 500
            assert a.marker not in answer.text, (url, params)


def test_json_of_answers_is_parsed(security_world: SecurityWorld) -> None:
    """Guarantee (sanity of the walk): the victim itself still reads its objects, so the
    404s above come from tenancy, not from broken fixtures."""
    sw = security_world
    a = sw.objects["managed"]
    client = sw.client("managed")
    for url in (
        f"/api/v1/subscriptions/{a['subscription_id']}",
        f"/api/v1/presets/{a['preset_id']}",
        f"/api/v1/hub-data/records/{a['record_id']}",
        f"/api/v1/queue/items/{a['item_id']}",
        f"/api/v1/api-calls/{a['call_id']}",
        f"/api/v1/notifications/rules/{a['rule_id']}",
    ):
        answer = client.get(url)
        assert answer.status_code == 200, (url, answer.text)
        assert json.loads(answer.text)
