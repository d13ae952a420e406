"""Outbound calls to cloud metadata addresses are refused by the recording client."""

from __future__ import annotations

import httpx
import pytest

from ipaas.connectors import ListRecorder, RecordingHttpClient
from ipaas.connectors.http import is_metadata_host
from ipaas.errors import IpaasError
from ipaas.notifications.senders import DeliveryError, post_json, send_email
from ipaas.store.notifications import SmtpSettings
from security.security_world import SecurityWorld, demo_definition, subscribe

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
        "http://169.254.169.254:80/computeMetadata/v1/",
        "https://169.254.169.254/",
        "http://[fd00:ec2::254]/latest/meta-data/",
        "http://metadata.google.internal/computeMetadata/v1/",
        "http://METADATA.GOOGLE.INTERNAL/",
        "http://100.100.100.200/latest/meta-data/",
        # the other spellings the system resolver turns into 169.254.169.254
        "http://2852039166/latest/meta-data/",
        "http://0xa9fea9fe/",
        "http://169.254.43518/",
        "http://[::ffff:169.254.169.254]/",
        "http://metadata.google.internal./",
    ],
)
async def test_metadata_addresses_are_refused_by_default(url: str) -> None:
    """Guarantee: a connector (or a user-configured base URL) can never make the hub call
    a cloud metadata service: the recording client refuses before any connection, and
    the refusal is an IpaasError (the caller's answer is a clear error, not a crash)."""

    def no_network(request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"a request was sent to {request.url}")

    client = RecordingHttpClient(ListRecorder(), transport=httpx.MockTransport(no_network))
    with pytest.raises(IpaasError, match="metadata"):
        await client.request("GET", url)


#: Metadata addresses in the forms the brief names, plus a decimal spelling.
METADATA_URLS = [
    "http://169.254.169.254/latest/meta-data/",
    "http://[fd00:ec2::254]/latest/meta-data/",
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://100.100.100.200/latest/meta-data/",
    "http://2852039166/latest/meta-data/",
]


def test_ordinary_hosts_are_not_mistaken_for_metadata() -> None:
    """Guarantee: the refusal is narrow: loopback, public and look-alike hosts pass."""
    for host in ("127.0.0.1", "example.com", "169.254.169.253", "10.0.0.1", "1e100.net", "::1"):
        assert not is_metadata_host(host), host


class _Recorder:
    """An httpx transport that records what the hub tried to send and answers 200."""

    def __init__(self) -> None:
        self.urls: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.urls.append(str(request.url))
        return httpx.Response(200, json={"access_token": "at", "token_type": "Bearer"})


@pytest.mark.parametrize("url", METADATA_URLS)
def test_alert_webhooks_and_smtp_never_reach_metadata(url: str) -> None:
    """Guarantee: an alert delivery to a metadata URL or SMTP host is refused before any
    connection (a rule stored before validation existed, or edited in the database, cannot
    be used to reach the metadata service)."""
    seen = _Recorder()
    with pytest.raises(DeliveryError, match="metadata"):
        post_json(url, {"text": "alert"}, transport=httpx.MockTransport(seen))
    assert seen.urls == []
    host = httpx.URL(url).host
    smtp = SmtpSettings(1, host, 25, None, None, "a@example.test", "none")
    with pytest.raises(DeliveryError, match="metadata"):
        send_email(smtp, None, "ops@example.test", "s", "t")


def test_user_controlled_urls_to_metadata_are_refused(security_world: SecurityWorld) -> None:
    """Guarantee: every URL a tenant controls that the hub calls refuses cloud metadata
    addresses: the integration base URL through the connection test, a notification
    webhook target and SMTP host (422 naming the field), and an OAuth token URL (the
    callback answers 4xx and no token request is sent)."""
    sw = security_world
    seen = _Recorder()
    sw.hub.extras["oauth_transport"] = httpx.MockTransport(seen)
    sw.hub.extras["alert_transport"] = httpx.MockTransport(seen)
    rival = sw.client("rival")
    sub_id = sw.objects["rival"]["subscription_id"]
    settings_url = f"/api/v1/subscriptions/{sub_id}/settings"
    builder = sw.client("builder")
    definition = demo_definition("shop")
    definition["key"] = "oauth-shop"
    definition["settings"] = [
        *definition["settings"],
        {"name": "token_url", "type": "string"},
        {"name": "client_id", "type": "string"},
    ]
    definition["oauth"] = {
        "authorize_url": "https://auth.example.test/authorize",
        "token_url": "${token_url}",
        "client_id": "${client_id}",
    }
    created = builder.post("/api/v1/integrations", json=definition)
    assert created.status_code == 201, created.text
    oauth_id = created.json()["id"]
    assert builder.post(f"/api/v1/integrations/{oauth_id}/publish", json={}).status_code == 200
    oauth_sub = subscribe(sw.world, "rival", oauth_id, "oauth store")["id"]
    for n, url in enumerate(METADATA_URLS):
        base = url.rstrip("/")
        patched = rival.patch(settings_url, json={"values": {"shop_url": base}})
        assert patched.status_code == 200, patched.text
        tested = rival.post(f"/api/v1/subscriptions/{sub_id}/test")
        assert tested.status_code == 200, tested.text
        assert tested.json()["ok"] is False
        assert tested.json()["code"] == "VALD_BLOCKED_HOST", (url, tested.text)
        rule = {
            "name": f"ssrf {n}",
            "kind": "item_errors",
            "threshold": 1,
            "channel": "webhook",
            "target": url,
        }
        refused = rival.post("/api/v1/notifications/rules", json=rule)
        assert refused.status_code == 422, (url, refused.text)
        assert refused.json()["error"]["field"] == "target"
        smtp = {"host": httpx.URL(url).host, "sender": "a@example.test", "security": "none"}
        refused = rival.put("/api/v1/notifications/smtp", json=smtp)
        assert refused.status_code == 422, (url, refused.text)
        assert refused.json()["error"]["field"] == "host"
        values = {
            "shop_url": "http://127.0.0.1:9",
            "api_token": "t",
            "webhook_secret": "w",
            "token_url": f"{base}/token",
            "client_id": "cid",
        }
        oauth_settings = f"/api/v1/subscriptions/{oauth_sub}/settings"
        assert rival.patch(oauth_settings, json={"values": values}).status_code == 200
        start = rival.post(f"/api/v1/subscriptions/{oauth_sub}/oauth/authorize", json={})
        assert start.status_code == 200, start.text
        state = httpx.URL(start.json()["authorize_url"]).params["state"]
        callback = sw.anonymous().get(
            "/api/v1/auth/oauth/callback", params={"state": state, "code": "c"}
        )
        assert 400 <= callback.status_code < 500, (url, callback.status_code, callback.text)
        assert "metadata" in callback.text, callback.text
    assert seen.urls == []
