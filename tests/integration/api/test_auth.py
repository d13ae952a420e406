"""Login, sessions, lock-out, API keys, password change, invitations and company choice."""

from __future__ import annotations

import sqlalchemy as sa

from integration.api.conftest import PASSWORD, Client, World
from ipaas.api.app import create_app
from ipaas.store.accounts_tables import api_keys, auth_sessions


def _login(client: Client, email: str, password: str = PASSWORD) -> object:
    return client.post("/api/v1/auth/login", json={"email": email, "password": password})


def test_login_sets_a_hashed_expiring_session_cookie_and_logout_ends_it(world: World) -> None:
    client = world.client()
    answer = _login(client, "SHOP@example.test")
    assert answer.status_code == 200, answer.text
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Max-Age=43200" in cookie
    token = client.http.cookies["ipaas_session"]
    with world.hub.engine.connect() as conn:
        stored = conn.execute(sa.select(auth_sessions.c.token_hash)).scalars().all()
    assert token not in stored
    assert len(stored) == 1
    assert answer.json()["companies"][0]["company_id"] == world.companies["shop"]
    assert client.get("/api/v1/me").json()["user"]["email"] == "shop@example.test"
    assert client.post("/api/v1/auth/logout").status_code == 204
    client.http.cookies.set("ipaas_session", token)
    after = client.get("/api/v1/me")
    assert after.status_code == 401
    assert after.json()["error"]["code"] == "AUTH_REQUIRED"


def test_wrong_password_and_unknown_email_look_the_same(world: World) -> None:
    client = world.client()
    wrong = _login(client, "shop@example.test", "not the password")
    unknown = _login(client, "nobody@example.test", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["error"]["code"] == "AUTH_INVALID_CREDENTIALS"


def test_login_locks_after_five_failures_across_processes(world: World) -> None:
    client = world.client()
    for _ in range(5):
        assert _login(client, "shop@example.test", "wrong password").status_code == 401
    locked = _login(client, "shop@example.test")  # even the right password
    assert locked.status_code == 429
    error = locked.json()["error"]
    assert error["code"] == "AUTH_LOCKED"
    assert "too many failed logins for this email; try again in" in error["message"]
    assert int(locked.headers["retry-after"]) > 0
    # another process (a second app on the same database) sees the same lock
    other = Client(world.portal, create_app(world.hub), {})
    assert _login(other, "shop@example.test").status_code == 429
    # other accounts are not locked
    assert _login(client, "misp@example.test").status_code == 200


def test_api_keys_are_shown_once_hashed_touched_and_revocable(world: World) -> None:
    client = world.client()
    _login(client, "builder@example.test")
    created = client.post("/api/v1/api-keys", json={"name": "deploy script"})
    assert created.status_code == 201
    token = created.json()["token"]
    assert token.startswith("ipk_")
    listed = client.get("/api/v1/api-keys").json()["items"]
    assert all("token" not in k for k in listed)
    with world.hub.engine.connect() as conn:
        assert token not in conn.execute(sa.select(api_keys.c.key_hash)).scalars().all()
    script = Client(world.portal, world.app, {"Authorization": f"Bearer {token}"})
    assert script.get("/api/v1/me").status_code == 200
    key = next(
        k for k in client.get("/api/v1/api-keys").json()["items"] if k["id"] == created.json()["id"]
    )
    assert key["last_used_at"] is not None
    assert client.delete(f"/api/v1/api-keys/{key['id']}").status_code == 204
    revoked = script.get("/api/v1/me")
    assert revoked.status_code == 401
    assert revoked.json()["error"]["message"] == "the API key is unknown or revoked"
    garbage = Client(world.portal, world.app, {"Authorization": "Basic abc"})
    assert garbage.get("/api/v1/me").json()["error"]["code"] == "AUTH_REQUIRED"


def test_password_change(world: World) -> None:
    client = world.client()
    _login(client, "shop@example.test")
    other = world.client()
    _login(other, "shop@example.test")
    wrong = client.post(
        "/api/v1/auth/password",
        json={"current_password": "nope", "new_password": "a brand new password"},
    )
    assert wrong.status_code == 401
    assert wrong.json()["error"]["field"] == "current_password"
    short = client.post(
        "/api/v1/auth/password", json={"current_password": PASSWORD, "new_password": "short"}
    )
    assert short.status_code == 422
    assert short.json()["error"]["field"] == "new_password"
    done = client.post(
        "/api/v1/auth/password",
        json={"current_password": PASSWORD, "new_password": "a brand new password"},
    )
    assert done.status_code == 204
    assert client.get("/api/v1/me").status_code == 200  # this session stays
    assert other.get("/api/v1/me").status_code == 401  # the others end
    assert _login(world.client(), "shop@example.test", "a brand new password").status_code == 200


def test_invitation_and_choosing_among_several_companies(world: World) -> None:
    shop = world.client("shop")
    bad_role = shop.post(
        "/api/v1/members/invitations", json={"email": "builder@example.test", "role": "misp"}
    )
    assert bad_role.status_code == 403
    assert bad_role.json()["error"] == {
        "code": "AUTZ_FIELD",
        "message": "a subscriber company's members may have the role subscriber, not misp",
        "field": "role",
    }
    invitation = shop.post(
        "/api/v1/members/invitations",
        json={"email": "builder@example.test", "role": "subscriber"},
    ).json()
    anonymous = world.client()
    wrong = anonymous.post(
        "/api/v1/auth/invitations/accept",
        json={"token": invitation["token"], "password": "not mine at all"},
    )
    assert wrong.status_code == 401
    accepted = anonymous.post(
        "/api/v1/auth/invitations/accept", json={"token": invitation["token"], "password": PASSWORD}
    )
    assert accepted.status_code == 200, accepted.text
    reused = anonymous.post(
        "/api/v1/auth/invitations/accept", json={"token": invitation["token"], "password": PASSWORD}
    )
    assert reused.status_code == 404
    members = {m["email"] for m in shop.get("/api/v1/members").json()["items"]}
    assert "builder@example.test" in members

    builder = world.client("builder")
    need = builder.get("/api/v1/companies")
    assert need.status_code == 422
    assert need.json()["error"]["code"] == "VALD_COMPANY_REQUIRED"
    in_shop = world.client("builder", "shop").get("/api/v1/me").json()["active"]
    assert in_shop["company_id"] == world.companies["shop"]
    assert in_shop["role"] == "subscriber"

    browser = world.client()
    _login(browser, "builder@example.test")
    chosen = browser.put(
        "/api/v1/me/active-company", json={"company_id": world.companies["builder"]}
    )
    assert chosen.status_code == 200, chosen.text
    assert browser.get("/api/v1/me").json()["active"]["role"] == "integrator"
    assert browser.get("/api/v1/companies").status_code == 200
    api_key_choice = builder.put(
        "/api/v1/me/active-company", json={"company_id": world.companies["shop"]}
    )
    assert api_key_choice.status_code == 422


def test_new_user_by_invitation_then_role_change_and_removal(world: World) -> None:
    shop = world.client("shop")
    token = shop.post(
        "/api/v1/members/invitations", json={"email": "new@example.test", "role": "subscriber"}
    ).json()["token"]
    joined = world.client().post(
        "/api/v1/auth/invitations/accept",
        json={"token": token, "name": "New Person", "password": "a long password!"},
    )
    user_id = joined.json()["user_id"]
    assert _login(world.client(), "new@example.test", "a long password!").status_code == 200
    same = shop.patch(f"/api/v1/members/{user_id}", json={"role": "subscriber"})
    assert same.status_code == 200
    wrong = shop.patch(f"/api/v1/members/{user_id}", json={"role": "integrator"})
    assert (wrong.status_code, wrong.json()["error"]["field"]) == (403, "role")
    assert shop.delete(f"/api/v1/members/{user_id}").status_code == 204
    last = shop.delete(f"/api/v1/members/{world.users['shop']}")
    assert (last.status_code, last.json()["error"]["code"]) == (409, "BIZL_CONFLICT")
    actions = [e["action"] for e in shop.get("/api/v1/audit").json()["items"]]
    assert {"member.invite", "member.join", "member.change_role", "member.remove"} <= set(actions)
