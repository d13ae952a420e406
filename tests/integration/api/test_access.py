"""Every role against the feature table, and tenant isolation: another tenant's objects
answer 404 exactly like objects that do not exist."""

from __future__ import annotations

import pytest

from integration.api.conftest import World
from ipaas.api.routing import feature_router
from ipaas.domain import FEATURES, Feature, Role

# (who, company header, role acted with, switched view)
ACTORS = [
    ("misp", None, Role.MISP, False),
    ("misp", "managed", Role.SUBSCRIBER, False),
    ("shop", None, Role.SUBSCRIBER, False),
    ("builder", None, Role.INTEGRATOR, False),
    ("builder", "builder", Role.SUBSCRIBER, True),
]


def _add_probes(world: World) -> None:
    for feature in Feature:
        router = feature_router(feature, f"/probe/{feature.value}")
        router.get("")(lambda: {"ok": True})
        world.app.include_router(router)


def _switch_builder_to_shop(world: World) -> None:
    answer = world.client("builder").post(
        "/api/v1/switch-view", json={"company_id": world.companies["shop"]}
    )
    assert answer.status_code == 201, answer.text


def _allowed(role: Role, feature: Feature, switched: bool) -> bool:
    if switched and feature is Feature.USER_MANAGEMENT:
        return False
    return role in FEATURES[feature]


def test_every_feature_for_every_role(world: World) -> None:
    _add_probes(world)
    for who, company, role, switched in ACTORS:
        if switched:
            _switch_builder_to_shop(world)
        client = world.client(who, company)
        for feature in Feature:
            answer = client.get(f"/api/v1/probe/{feature.value}")
            if _allowed(role, feature, switched):
                assert answer.status_code == 200, (who, company, feature, answer.text)
            else:
                assert answer.status_code == 403, (who, company, feature, answer.text)
                assert answer.json()["error"]["code"] == "AUTZ_FEATURE"


def test_real_endpoints_follow_the_feature_table(world: World) -> None:
    preset = {"name": "p", "fields": [{"name": "a"}], "values": {"a": "x"}}
    calls = {
        ("GET", "/api/v1/presets", None): {Role.MISP, Role.SUBSCRIBER},
        ("POST", "/api/v1/presets", "preset"): {Role.MISP, Role.SUBSCRIBER},
        ("GET", "/api/v1/members", None): set(Role),
        ("GET", "/api/v1/companies", None): set(Role),
        ("GET", "/api/v1/audit", None): set(Role),
    }
    for who, company, role, _switched in ACTORS[:4]:
        client = world.client(who, company)
        for (method, path, body), roles in calls.items():
            payload = {**preset, "name": f"p-{who}-{company}"} if body else None
            answer = client.request(method, path, json=payload)
            if role in roles:
                assert answer.status_code in (200, 201), (who, method, path, answer.text)
            else:
                assert answer.status_code == 403, (who, method, path, answer.text)
                assert answer.json()["error"]["code"].startswith("AUTZ")
    shop_id = world.companies["shop"]
    for who in ("misp", "shop"):
        answer = world.client(who).post("/api/v1/switch-view", json={"company_id": shop_id})
        assert answer.status_code == 403
        assert answer.json()["error"]["code"] == "AUTZ_FEATURE"
    created = world.client("misp").post("/api/v1/companies", json={"name": "New Sub"})
    assert created.status_code == 201
    assert created.json()["managing_misp_id"] == world.companies["misp"]
    for who in ("shop", "builder"):
        answer = world.client(who).post("/api/v1/companies", json={"name": "Nope"})
        assert answer.status_code == 403
        assert answer.json()["error"]["code"] == "AUTZ_FEATURE"


def _not_found(answer: object) -> None:
    assert getattr(answer, "status_code", None) == 404, getattr(answer, "text", "")
    assert answer.json()["error"]["code"].startswith("NFND")  # type: ignore[attr-defined]


def test_another_tenants_objects_are_not_found(world: World) -> None:
    shop = world.client("shop")
    preset = shop.post(
        "/api/v1/presets",
        json={
            "name": "shop creds",
            "fields": [{"name": "k", "type": "password"}],
            "values": {"k": "v"},
        },
    ).json()
    shop_key = shop.get("/api/v1/api-keys").json()["items"][0]["id"]
    outsiders = [
        world.client("misp"),
        world.client("misp", "managed"),
        world.client("builder"),
        world.client("other_builder"),
    ]
    for client in outsiders:
        _not_found(client.get(f"/api/v1/companies/{world.companies['shop']}"))
        _not_found(client.delete(f"/api/v1/api-keys/{shop_key}"))
    for client in outsiders[:2]:  # the roles that may use presets at all
        _not_found(client.get(f"/api/v1/presets/{preset['id']}"))
        _not_found(client.patch(f"/api/v1/presets/{preset['id']}", json={"name": "mine"}))
        _not_found(client.delete(f"/api/v1/presets/{preset['id']}"))
        _not_found(client.get("/api/v1/presets/999999"))
        assert all(p["id"] != preset["id"] for p in client.get("/api/v1/presets").json()["items"])
    for client in (world.client("misp"), world.client("builder")):
        _not_found(client.patch(f"/api/v1/members/{world.users['shop']}", json={"role": "misp"}))
        _not_found(client.delete(f"/api/v1/members/{world.users['shop']}"))
    # still there for its owner
    assert shop.get(f"/api/v1/presets/{preset['id']}").status_code == 200
    assert shop.get("/api/v1/members").json()["items"][0]["user_id"] == world.users["shop"]


def test_misp_sees_its_subscribers_but_acts_inside_them_by_choice(world: World) -> None:
    misp = world.client("misp")
    ids = {c["id"] for c in misp.get("/api/v1/companies").json()["items"]}
    assert ids == {world.companies["misp"], world.companies["managed"]}
    inside = world.client("misp", "managed")
    me = inside.get("/api/v1/me").json()
    assert me["active"]["via"] == "misp"
    assert "data_management" in me["features"]
    made = inside.post(
        "/api/v1/presets", json={"name": "m", "fields": [{"name": "a"}], "values": {"a": "1"}}
    )
    assert made.json()["company_id"] == world.companies["managed"]
    # another company's id in the header is refused without saying whether it exists
    for company in (world.companies["shop"], 999999):
        answer = world.client("misp").get(
            "/api/v1/companies", headers={"X-Company-Id": str(company)}
        )
        assert answer.status_code == 403
        assert answer.json()["error"] == {
            "code": "AUTZ_COMPANY",
            "message": f"you cannot act in company {company}",
            "field": "X-Company-Id",
        }


@pytest.mark.parametrize("value", ["abc", "-1", "1" * 30])
def test_bad_company_header(sqlite_world: World, value: str) -> None:
    answer = sqlite_world.client("shop").get("/api/v1/companies", headers={"X-Company-Id": value})
    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "X-Company-Id"
