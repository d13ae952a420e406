"""A subscription authorized through the OAuth2 authorization-code flow calls its API with
the stored access token (``oauth2_authorization_code`` auth): against a token server and
an API on 127.0.0.1, with a refresh after a 401 and before the token expires."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlparse

from fastapi import FastAPI, Form, Header, HTTPException
from resources_support import World, subscribe

from ipaas.transfer.registry_provider import RegistryConnectorProvider
from loopback_support import serve_in_thread


class Server:
    """Issues tokens (``at-N``) and serves a product to a caller with a live token."""

    def __init__(self) -> None:
        self.app = FastAPI()
        self.grants: list[str] = []
        self.live: set[str] = set()
        self.expires_in = 3600
        self.seen: list[str | None] = []
        self.app.post("/token")(self.token)
        self.app.get("/api/products/{product_id}")(self.product)

    def token(
        self,
        grant_type: str = Form(),
        client_id: str = Form(),
        client_secret: str = Form(),
        code: str | None = Form(None),
        refresh_token: str | None = Form(None),
        redirect_uri: str | None = Form(None),
    ) -> dict[str, Any]:
        if client_id != "cid" or client_secret != "cs-123":
            raise HTTPException(400, "invalid_client")
        self.grants.append(grant_type)
        token = f"at-{len(self.grants)}"
        self.live.add(token)
        return {
            "access_token": token,
            "refresh_token": f"rt-{len(self.grants)}",
            "token_type": "Bearer",
            "expires_in": self.expires_in,
        }

    def product(self, product_id: str, authorization: str | None = Header(None)) -> Any:
        self.seen.append(authorization)
        if authorization is None or authorization.removeprefix("Bearer ") not in self.live:
            raise HTTPException(401, "invalid_token")
        return {"product": {"id": product_id, "sku": f"SKU-{product_id}"}}


def definition(base: str) -> dict[str, Any]:
    return {
        "key": "oauth-api",
        "name": "OAuth API",
        "version": "1.0.0",
        "connector": "rest",
        "settings": [
            {"name": "api_url", "type": "string", "required": True},
            {"name": "client_id", "type": "string", "required": True},
            {"name": "client_secret", "type": "password", "required": True},
        ],
        "data_types": [{"data_type": "product", "directions": ["to_hub"]}],
        "oauth": {
            "authorize_url": f"{base}/authorize",
            "token_url": f"{base}/token",
            "client_id": "${client_id}",
            "client_secret": "${client_secret}",
        },
        "config": {
            "base_url": "${api_url}/api",
            "auth": {"type": "oauth2_authorization_code"},
            "test_path": "/products/ping",
            "data_types": {
                "product": {"read": {"path": "/products/{id}", "record_path": "product"}}
            },
        },
    }


def _authorize(world: World, sub_id: int) -> None:
    client = world.client("shop")
    start = client.post(f"/api/v1/subscriptions/{sub_id}/oauth/authorize", json={})
    assert start.status_code == 200, start.text
    state = parse_qs(urlparse(start.json()["authorize_url"]).query)["state"][0]
    anonymous = world.client("shop")
    anonymous.http.headers.clear()
    done = anonymous.get("/api/v1/auth/oauth/callback", params={"code": "c", "state": state})
    assert done.status_code == 200, done.text


def test_an_authorized_subscription_calls_its_api_with_the_stored_token(
    sqlite_world: World,
) -> None:
    server = Server()
    with serve_in_thread(server.app) as base:
        builder = sqlite_world.client("builder")
        created = builder.post("/api/v1/integrations", json=definition(base))
        assert created.status_code == 201, created.text
        published = builder.post(f"/api/v1/integrations/{created.json()['id']}/publish", json={})
        assert published.status_code == 200, published.text
        sub = subscribe(sqlite_world, "shop", created.json()["id"], "oauth api")
        client = sqlite_world.client("shop")
        url = f"/api/v1/subscriptions/{sub['id']}"
        values = {"api_url": base, "client_id": "cid", "client_secret": "cs-123"}
        assert client.patch(f"{url}/settings", json={"values": values}).status_code == 200
        # Not authorized yet: the connection test says so instead of crashing.
        before = client.post(f"{url}/test")
        assert before.status_code == 200, before.text
        assert before.json()["ok"] is False
        _authorize(sqlite_world, sub["id"])
        tested = client.post(f"{url}/test")
        assert tested.json()["ok"] is True, tested.text
        assert server.seen[-1] == "Bearer at-1"

        provider = RegistryConnectorProvider(sqlite_world.hub)
        try:
            connector = provider.get(sub["id"])
            record = sqlite_world.portal.call(lambda: connector.read("product", "7"))
            assert record.body["sku"] == "SKU-7"
            assert server.seen[-1] == "Bearer at-1"
            # The server revokes the token early: the 401 forces a refresh, the retry passes.
            server.live.clear()
            record = sqlite_world.portal.call(lambda: connector.read("product", "8"))
            assert record.body["sku"] == "SKU-8"
            assert server.grants[-1] == "refresh_token"
            assert server.seen[-1] == "Bearer at-2"
        finally:
            sqlite_world.portal.call(provider.close)

        # A token about to expire is refreshed before it is used.
        server.expires_in = 30
        assert client.post(f"{url}/oauth/refresh").status_code == 200
        grants = len(server.grants)
        provider = RegistryConnectorProvider(sqlite_world.hub)
        try:
            connector = provider.get(sub["id"])
            sqlite_world.portal.call(lambda: connector.read("product", "9"))
        finally:
            sqlite_world.portal.call(provider.close)
        assert len(server.grants) == grants + 1
        assert server.seen[-1] == f"Bearer at-{grants + 1}"
        calls = client.get("/api/v1/api-calls", params={"subscription_id": sub["id"]}).text
        assert "at-" not in calls
