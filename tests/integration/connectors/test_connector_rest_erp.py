"""The rest connector against the demo ERP: OAuth2, @odata.nextLink, Standard Webhooks."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from connector_support import Logged, WebhookReceiver, assert_no_secrets

from ipaas.connectors import WebhookRequest, build_connector, load_integration_definition
from ipaas.connectors.auth import OAuth2ClientCredentials
from ipaas.connectors.rest import RestConnector
from ipaas.connectors.testing import check_connector
from ipaas.demo.erp import create_erp_app
from ipaas.demo.systems.settings import DemoSettings
from ipaas.domain import Method
from ipaas.errors import AuthenticationError
from loopback_support import serve_in_thread

pytestmark = pytest.mark.anyio
ERP_YAML = Path(__file__).parents[3] / "src/ipaas/demo/integrations/erp.yaml"


def _descriptions(body: Mapping[str, Any], expected: Mapping[str, Any], step: str) -> None:
    assert body["Description"] == expected["Description"], step


async def test_erp_crud_poll_oauth_webhooks_all_logged(
    logged: Logged, receiver: WebhookReceiver
) -> None:
    client_secret = secrets.token_hex(12)
    demo = DemoSettings(erp_client_secret=client_secret, webhook_batch_window_s=0.01)
    app = create_erp_app(None, demo)
    definition = load_integration_definition(ERP_YAML)
    definition.config["data_types"]["product"]["pagination"]["page_size"] = 2
    tokens: list[str] = []
    try:
        with serve_in_thread(app) as erp_url:
            settings = {
                "erp_url": erp_url,
                "client_id": demo.erp_client_id,
                "client_secret": client_secret,
            }
            connector = build_connector(
                definition,
                settings,
                recorder=logged.recorder,
                subscription_id=logged.subscription_id,
            )
            assert isinstance(connector, RestConnector)
            auth = connector.auth
            assert isinstance(auth, OAuth2ClientCredentials)
            try:
                records = [{"Description": f"Item {i}", "UnitPrice": 10 + i} for i in range(5)]
                report = await check_connector(
                    connector,
                    "product",
                    records,
                    change={"Description": "Renamed"},
                    compare=_descriptions,
                )
                assert len(report.polled) == 5
                assert auth.fetches == 1  # the token is cached
                tokens.append(await auth.token(connector.http))

                created = await connector.create("product", {"Description": "Hooked item"})
                found = await connector.find("product", {"ItemNo": created.external_id})
                assert found is not None
                assert await connector.find("product", {"ItemNo": "NOPE"}) is None

                # A token the server no longer accepts: one 401, a new token, then success.
                auth._token = "revoked-token-value"
                await connector.read("product", created.external_id)
                assert auth.fetches == 2
                tokens.append(await auth.token(connector.http))

                registration = await connector.enable_webhooks(receiver.url, ["product/all"])
                [kept] = registration["registrations"]
                assert kept["secret"].startswith("whsec_")
                assert kept["id"]
                await connector.update("product", created.external_id, {"Description": "Changed"})
                [delivery] = receiver.wait_for(1)
                request = WebhookRequest("POST", "/hook", delivery.headers, {}, delivery.body)
                # A connector built later from the stored registration verifies as well.
                later = build_connector(
                    definition,
                    settings,
                    recorder=logged.recorder,
                    subscription_id=logged.subscription_id,
                    webhook_registration=registration,
                )
                later.verify_webhook(request)
                await later.close()
                events = connector.parse_webhook(request)
                assert (events[-1].data_type, events[-1].external_id, events[-1].method) == (
                    "product",
                    created.external_id,
                    Method.UPDATE,
                )
                tampered = dict(delivery.headers, **{"webhook-id": "msg_other"})
                with pytest.raises(AuthenticationError):
                    connector.verify_webhook(
                        WebhookRequest("POST", "/", tampered, {}, delivery.body)
                    )
                await connector.disable_webhooks(registration)
            finally:
                await connector.close()
    finally:
        app.state.system.close()

    calls = logged.calls()
    assert {"GET", "POST", "PATCH", "DELETE"} <= {c.method for c in calls}
    assert all(c.subscription_id == logged.subscription_id for c in calls)
    assert any(c.url.endswith("/oauth/token") and c.status == 200 for c in calls)
    assert any(c.status == 401 for c in calls)
    assert any("%24skip=" in c.url or "$skip=" in c.url for c in calls)  # nextLink pages
    assert_no_secrets(calls, [client_secret, *tokens, kept["secret"]])
