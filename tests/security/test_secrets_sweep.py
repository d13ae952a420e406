"""A sweep over the whole app with known secrets set: no answer, page, export, log record
or printed line carries one of them."""

from __future__ import annotations

import logging

import httpx
import pytest

from security.security_world import (
    PASSWORD,
    SecurityWorld,
    app_routes,
    demo_definition,
    fill_path,
    session_client,
    subscribe,
)

ACCESS_TOKEN = "AT-oauth-Secret-5f3a"
REFRESH_TOKEN = "RT-oauth-Secret-9b21"
CLIENT_SECRET = "CS-oauth-Secret-77d0"


def _token_server(request: httpx.Request) -> httpx.Response:
    return httpx.Response(
        200,
        json={"access_token": ACCESS_TOKEN, "refresh_token": REFRESH_TOKEN, "expires_in": 60},
    )


def _oauth_subscription(sw: SecurityWorld) -> None:
    """rival authorizes an OAuth subscription; the token endpoint answers known tokens."""
    sw.hub.extras["oauth_transport"] = httpx.MockTransport(_token_server)
    definition = demo_definition("shop")
    definition["key"] = "sweep-oauth"
    definition["settings"] = [
        *definition["settings"],
        {"name": "client_secret", "type": "password"},
    ]
    definition["oauth"] = {
        "authorize_url": "https://auth.example.test/authorize",
        "token_url": "https://auth.example.test/token",
        "client_id": "cid",
        "client_secret": "${client_secret}",
    }
    builder = sw.client("builder")
    made = builder.post("/api/v1/integrations", json=definition).json()
    builder.post(f"/api/v1/integrations/{made['id']}/publish", json={})
    sub = subscribe(sw.world, "rival", made["id"], "sweep oauth")["id"]
    rival = sw.client("rival")
    values = {
        "shop_url": "http://127.0.0.1:9",
        "api_token": "t-oauth",
        "webhook_secret": "w-oauth",
        "client_secret": CLIENT_SECRET,
    }
    assert rival.patch(f"/api/v1/subscriptions/{sub}/settings", json={"values": values}).is_success
    start = rival.post(f"/api/v1/subscriptions/{sub}/oauth/authorize", json={}).json()
    state = httpx.URL(start["authorize_url"]).params["state"]
    done = sw.anonymous().get("/api/v1/auth/oauth/callback", params={"state": state, "code": "c"})
    assert done.status_code < 400, done.text
    assert rival.post(f"/api/v1/subscriptions/{sub}/oauth/refresh").status_code == 200


def _secrets(sw: SecurityWorld) -> list[str]:
    values = [PASSWORD, ACCESS_TOKEN, REFRESH_TOKEN, CLIENT_SECRET, *sw.world.keys.values()]
    for who in ("managed", "rival"):
        mark = sw.objects[who].marker
        values += [f"tok-{mark}", f"whsec-{mark}", f"preset-{mark}", f"smtp-{mark}"]
    return values


def test_no_secret_in_any_answer_or_log(
    security_world: SecurityWorld,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    """Guarantee: with passwords, API keys, subscription secret settings, preset secrets,
    SMTP passwords, webhook signing secrets and OAuth tokens set, no API answer (every GET
    route, lists and objects, api-call exports, YAML exports, error answers), no dashboard
    page, no log record and nothing printed contains a plain secret value."""
    sw = security_world
    caplog.set_level(logging.DEBUG)
    _oauth_subscription(sw)
    texts: list[str] = []
    anonymous = sw.anonymous()
    for password in (PASSWORD, "wrong " + PASSWORD):
        for email in ("rival@example.test", "nobody@example.test"):
            answer = anonymous.post(
                "/api/v1/auth/login", json={"email": email, "password": password}
            )
            texts.append(answer.text + str(answer.headers))
    callers = [("rival", None), ("managed", None), ("misp", None), ("misp", "managed")]
    callers.append(("builder", None))
    gets = [path for method, path in app_routes() if method == "GET"]
    for who, company in callers:
        client = sw.client(who, company)
        objects = sw.objects[company or who]
        for path in gets:
            if not path.startswith("/api/v1/"):
                continue
            url = fill_path(path, objects)
            if url is None:
                continue
            for params in (None, {"format": "csv"}, {"format": "jsonl"}):
                if params and "export" not in path:
                    continue
                answer = client.get(url, params=params)
                assert answer.status_code < 500, (who, url, answer.text)
                texts.append(answer.text + str(answer.headers))
        # error paths: bad values typed into secret fields, unknown objects
        sub = objects.ids.get("subscription_id")
        if sub:
            bad = client.patch(
                f"/api/v1/subscriptions/{sub}/settings", json={"values": {"nope": PASSWORD}}
            )
            texts.append(bad.text)
    for who, company in (("rival", None), ("misp", "managed")):
        session, _ = session_client(sw, who, company)
        objects = sw.objects[company or who]
        for path in gets:
            if path.startswith("/app") and not path.startswith("/app/static"):
                url = fill_path(path, objects)
                if url is None:
                    continue
                answer = session.get(url)
                assert answer.status_code < 500, (who, url)
                texts.append(answer.text + str(answer.headers))
    logged = caplog.text + "\n".join(r.getMessage() for r in caplog.records)
    out, err = capfd.readouterr()
    everything = "\n".join(texts) + logged + out + err
    assert len(texts) > 100
    for secret in _secrets(sw):
        assert secret not in everything, secret
