"""The OAuth2 authorization-code flow of a subscription against a real token server on
127.0.0.1: authorize URL, callback storing tokens encrypted, refresh, bad states."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlparse

import sqlalchemy as sa
from fastapi import FastAPI, Form, HTTPException
from resources_support import World, demo_definition, error_of, subscribe

from loopback_support import serve_in_thread


def token_server() -> tuple[FastAPI, list[dict[str, Any]]]:
    app = FastAPI()
    seen: list[dict[str, Any]] = []

    @app.post("/token")
    def token(
        grant_type: str = Form(),
        client_id: str = Form(),
        client_secret: str = Form(),
        code: str | None = Form(None),
        refresh_token: str | None = Form(None),
        redirect_uri: str | None = Form(None),
    ) -> dict[str, Any]:
        seen.append({"grant_type": grant_type, "client_id": client_id, "code": code})
        if client_secret != "cs-123" or code == "bad":
            raise HTTPException(400, "invalid_grant")
        n = len(seen)
        return {
            "access_token": f"at-{n}",
            "refresh_token": f"rt-{n}",
            "token_type": "Bearer",
            "expires_in": 3600,
        }

    return app, seen


def test_authorization_code_flow(sqlite_world: World) -> None:
    app, seen = token_server()
    with serve_in_thread(app) as base:
        definition = demo_definition("shop")
        definition["settings"] = [
            *definition["settings"],
            {"name": "client_id", "type": "string"},
            {"name": "client_secret", "type": "password"},
        ]
        definition["oauth"] = {
            "authorize_url": f"{base}/authorize",
            "token_url": f"{base}/token",
            "client_id": "${client_id}",
            "client_secret": "${client_secret}",
            "scopes": ["read_products", "write_products"],
        }
        builder = sqlite_world.client("builder")
        created = builder.post("/api/v1/integrations", json=definition)
        assert created.status_code == 201, created.text
        assert created.json()["uses_oauth"] is True
        builder.post(f"/api/v1/integrations/{created.json()['id']}/publish", json={})
        sub = subscribe(sqlite_world, "shop", created.json()["id"], "oauth store")
        client = sqlite_world.client("shop")
        url = f"/api/v1/subscriptions/{sub['id']}"
        unfilled = client.post(f"{url}/oauth/authorize", json={})
        assert unfilled.status_code == 422
        assert error_of(unfilled)["field"] == "client_id"
        values = {
            "shop_url": "http://127.0.0.1:9",
            "api_token": "t",
            "webhook_secret": "w",
            "client_id": "cid",
            "client_secret": "cs-123",
        }
        assert client.patch(f"{url}/settings", json={"values": values}).status_code == 200
        start = client.post(f"{url}/oauth/authorize", json={}).json()["authorize_url"]
        query = parse_qs(urlparse(start).query)
        assert start.startswith(f"{base}/authorize?")
        assert query["client_id"] == ["cid"]
        assert query["scope"] == ["read_products write_products"]
        assert query["redirect_uri"] == ["http://127.0.0.1:8000/api/v1/auth/oauth/callback"]
        assert "cs-123" not in start
        anonymous = sqlite_world.client("shop")
        anonymous.http.headers.clear()
        done = anonymous.get(
            "/api/v1/auth/oauth/callback", params={"code": "c-1", "state": query["state"][0]}
        )
        assert done.status_code == 200, done.text
        assert done.json()["authorized"] is True
        assert "at-1" not in done.text
        # A state works once.
        replay = anonymous.get(
            "/api/v1/auth/oauth/callback", params={"code": "c-1", "state": query["state"][0]}
        )
        assert replay.status_code == 401
        assert error_of(replay)["code"] == "AUTH_OAUTH"
        with sqlite_world.hub.engine.connect() as conn:
            stored = conn.execute(sa.text("SELECT tokens FROM oauth_tokens")).scalar_one()
        assert "at-1" not in stored
        assert "rt-1" not in stored
        refreshed = client.post(f"{url}/oauth/refresh")
        assert refreshed.status_code == 200, refreshed.text
        assert seen[-1]["grant_type"] == "refresh_token"
        assert client.get(f"{url}/oauth").json()["authorized"] is True
        assert sqlite_world.client("rival").get(f"{url}/oauth").status_code == 404
        # A refused code is an authentication error, not a crash.
        state = parse_qs(
            urlparse(client.post(f"{url}/oauth/authorize", json={}).json()["authorize_url"]).query
        )["state"][0]
        refused = anonymous.get(
            "/api/v1/auth/oauth/callback", params={"code": "bad", "state": state}
        )
        assert refused.status_code == 401
