"""Role escalation and mass assignment: nobody gets more than their role in their company,
and no request body sets ids, owners, roles or timestamps."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from ipaas.store.accounts_tables import auth_sessions
from ipaas.store.types import utcnow
from security.security_world import (
    SecurityWorld,
    body_fields,
    changed_tables,
    fill_path,
    session_client,
    snapshot,
)

#: (caller, method, path, body): integrator-only and MiSP-only endpoints a subscriber tries.
SUBSCRIBER_DENIED: list[tuple[str, str, Any]] = [
    ("GET", "/api/v1/integrations", None),
    ("POST", "/api/v1/integrations", {"name": "x"}),
    ("PUT", "/api/v1/portal/branding", {"name": "mine"}),
    ("POST", "/api/v1/portal/knowledgebase", {"title": "t", "body": "b"}),
    ("POST", "/api/v1/portal/resources", {"kind": "link", "title": "t", "url": "https://x.test"}),
    ("GET", "/api/v1/portal/deals", None),
    ("POST", "/api/v1/companies", {"name": "Mine"}),
    ("POST", "/api/v1/switch-view", {"company_id": 1}),
]


def test_subscriber_cannot_use_integrator_or_misp_features(security_world: SecurityWorld) -> None:
    """Guarantee: a subscriber calling integrator-only or MiSP-only endpoints gets 403 with
    an AUTZ code, and nothing is created."""
    sw = security_world
    rival = sw.client("rival")
    before = snapshot(sw.hub)
    for method, path, body in SUBSCRIBER_DENIED:
        answer = rival.request(method, path, json=body)
        assert answer.status_code == 403, (method, path, answer.text)
        assert answer.json()["error"]["code"].startswith("AUTZ"), (method, path, answer.text)
    assert not changed_tables(before, snapshot(sw.hub))


def test_no_one_raises_their_own_role_or_joins_another_company(
    security_world: SecurityWorld,
) -> None:
    """Guarantee: a user cannot change their own role, act in (or invite themselves into)
    a company they do not belong to, a MiSP cannot act in a subscriber it does not
    manage, and an integrator cannot switch into a company it does not build for."""
    sw = security_world
    rival = sw.client("rival")
    own = sw.users["rival"]
    before = snapshot(sw.hub)
    for role in ("misp", "integrator"):
        answer = rival.patch(f"/api/v1/members/{own}", json={"role": role})
        assert 400 <= answer.status_code < 500, answer.text
    # acting in another company by header, with an API key or a session
    for company in ("managed", "misp", "builder"):
        answer = sw.client("rival", company).post(
            "/api/v1/members/invitations", json={"email": "rival@example.test", "role": "misp"}
        )
        assert answer.status_code == 403, answer.text
        assert answer.json()["error"]["code"] == "AUTZ_COMPANY"
    session, _ = session_client(sw, "rival")
    chosen = session.put("/api/v1/me/active-company", json={"company_id": sw.company("managed")})
    assert 400 <= chosen.status_code < 500, chosen.text
    # a MiSP in a subscriber it does not manage
    for method, path in (("GET", "/api/v1/subscriptions"), ("GET", "/api/v1/members")):
        answer = sw.client("misp", "rival").request(method, path)
        assert answer.status_code == 403, answer.text
        assert answer.json()["error"]["code"] == "AUTZ_COMPANY"
    # other_builder builds for nobody; builder does not build for the MiSP's own company
    for who, target in (("other_builder", "rival"), ("builder", "misp"), ("builder", "shop")):
        answer = sw.client(who).post("/api/v1/switch-view", json={"company_id": sw.company(target)})
        assert answer.status_code in (403, 404), (who, target, answer.text)
        assert answer.json()["error"]["code"].startswith(("AUTZ", "NFND"))
    assert not changed_tables(before, snapshot(sw.hub))
    me = rival.get("/api/v1/me").json()
    assert [c["company_id"] for c in me["companies"]] == [sw.company("rival")], me
    assert me["active"]["role"] == "subscriber"


def test_revoked_keys_and_expired_sessions_are_refused(security_world: SecurityWorld) -> None:
    """Guarantee: a revoked API key and an expired session authenticate nothing (401),
    on the API and on the dashboard."""
    sw = security_world
    rival = sw.client("rival")
    made = rival.post("/api/v1/api-keys", json={"name": "short-lived"}).json()
    key_client = sw.anonymous()
    headers = {"Authorization": f"Bearer {made['token']}"}
    assert key_client.get("/api/v1/me", headers=headers).status_code == 200
    assert rival.delete(f"/api/v1/api-keys/{made['id']}").status_code in (200, 204)
    refused = key_client.get("/api/v1/me", headers=headers)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"].startswith("AUTH")
    session, _ = session_client(sw, "rival")
    sw.sessions.clear()  # this session is about to expire: no other test may reuse it
    assert session.get("/api/v1/me").status_code == 200
    with sw.hub.engine.begin() as conn:
        user_sessions = auth_sessions.c.user_id == sw.users["rival"]
        conn.execute(
            sa.update(auth_sessions)
            .where(user_sessions)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    assert session.get("/api/v1/me").status_code == 401
    page = session.get("/app/subscriptions")
    assert page.status_code in (302, 303, 401), page.status_code
    if page.status_code in (302, 303):
        assert "/app/login" in page.headers["location"]


FORBIDDEN_FIELDS: dict[str, Any] = {
    "company_id": 1,
    "id": 1,
    "role": "misp",
    "owner_id": 1,
    "created_at": "2020-01-01T00:00:00Z",
    "password_hash": "x",
    "is_admin": True,
}
#: A valid body per write route (a route missing here still gets the field refused, but
#: possibly with a "missing" error first).
VALID: dict[str, Any] = {
    "/auth/login": {"email": "rival@example.test", "password": "wrong password"},
    "/auth/password": {"current_password": "wrong password", "new_password": "another pass 12"},
    "/auth/invitations/accept": {"token": "nope", "password": "some password 1"},
    "/me/active-company": {"company_id": None},
    "/api-keys": {"name": "k"},
    "/api/v1/companies": {"name": "c"},
    "/members/invitations": {"email": "x@example.test", "role": "subscriber"},
    "/presets": {"name": "p", "fields": []},
    "/presets/{preset_id}": {"name": "p"},
    "/switch-view": {"company_id": 4},
    "/subscriptions": {"integration_id": 1, "name": "s"},
    "/subscriptions/{subscription_id}": {"name": "s"},
    "/settings": {"values": {}},
    "/subscriptions/{subscription_id}/presets": {"preset_id": 1},
    "/flows": {"flows": {}},
    "/triggers/{data_type}": {"mode": "off"},
    "/state": {"values": {}},
    "/upgrade": {"version": "1.0.0"},
    "/clone": {"name": "c"},
    "/reverse-clone": {},
    "/preview": {"sample": {}},
    "/mappings/import": {"yaml": "x"},
    "/reset-link": {"subscription_id": 1},
    "/queue/retry": {"ids": [1]},
    "/queue/discard": {"ids": [1]},
    "/queue/retry-all": {},
    "/queue/transfers": {
        "subscription_id": 1,
        "data_type": "product",
        "direction": "to_hub",
        "ids": ["1"],
    },
    "/queue/initializations": {
        "subscription_id": 1,
        "data_types": ["product"],
        "direction": "to_hub",
    },
    "/notifications/rules/{rule_id}": {"enabled": True},
    "/notifications/smtp": {"host": "127.0.0.1", "sender": "a@example.test"},
    "/portal/branding": {"name": "b"},
    "/knowledgebase/{article_id}": {"title": "t"},
    "/training/{article_id}": {"title": "t"},
    "/deals/{deal_id}": {"notes": "n"},
    "/members/{user_id}": {"role": "subscriber"},
    "/mappings": {"data_type": "product", "direction": "to_hub", "name": "n"},
    "/mappings/{collection_id}": {"data_type": "product", "direction": "to_hub", "name": "n"},
    "/lookup-tables": {"name": "t", "entries": {}},
    "/lookup-tables/{lookup_id}": {"name": "t", "entries": {}},
    "/notifications/rules": {
        "name": "r",
        "kind": "item_errors",
        "threshold": 1,
        "channel": "email",
        "target": "a@example.test",
    },
    "/portal/knowledgebase": {"title": "t", "body": "b"},
    "/portal/training": {"title": "t", "body": "b"},
    "/portal/resources": {"kind": "link", "title": "t", "url": "https://example.test"},
    "/portal/deals": {"prospect": "p", "contact_name": "c", "contact_email": "c@example.test"},
    "/api/v1/integrations": {"key": "k", "name": "n", "version": "1.0.0", "connector": "rest"},
    "/webhooks/enable": {"scopes": ["product/created"]},
    "/oauth/authorize": {},
    "/integrations/{integration_id}": {"description": "d"},
    "/versions": {"version": "9.0.0"},
    "/publish": {},
}


def _valid(path: str) -> Any:
    for suffix, body in sorted(VALID.items(), key=lambda kv: -len(kv[0])):
        if path.endswith(suffix):
            return body
    return None


def _caller(path: str) -> str:
    if path.startswith(("/api/v1/integrations", "/api/v1/switch-view")):
        return "builder"
    if path.startswith(("/api/v1/portal/", "/api/v1/companies")):
        return "misp"
    return "rival"


BODY_FIELDS = body_fields()


@pytest.mark.parametrize(("method", "path"), sorted(BODY_FIELDS))
def test_mass_assignment_is_refused_naming_the_field(
    security_world: SecurityWorld, method: str, path: str
) -> None:
    """Guarantee: on every route taking a JSON body, adding ``company_id``, ``id``,
    ``role``, ``owner_id``, ``created_at``, ``password_hash`` or ``is_admin`` (where the
    body does not declare it) is refused with 422 VALD_UNKNOWN_FIELD naming the field, and
    no row changes."""
    sw = security_world
    who = _caller(path)
    url = fill_path(path, sw.objects[who])
    assert url is not None, path
    public = path.startswith(("/api/v1/auth/login", "/api/v1/auth/invitations"))
    client = sw.anonymous() if public else sw.client(who)
    valid = _valid(path)
    assert valid is not None, f"add a valid body for {method} {path} to VALID"
    for name, value in FORBIDDEN_FIELDS.items():
        if name in BODY_FIELDS[(method, path)]:
            continue  # declared by the body (an invitation's role): checked by the use case
        before = snapshot(sw.hub)
        answer = client.request(method, url, json={**valid, name: value})
        error = answer.json().get("error", {}) if answer.content else {}
        assert answer.status_code == 422, (method, url, name, answer.text)
        assert error == {
            "code": "VALD_UNKNOWN_FIELD",
            "message": f"{name} may not be set here",
            "field": name,
        }, (method, url, name)
        assert not changed_tables(before, snapshot(sw.hub)), (method, url, name)
