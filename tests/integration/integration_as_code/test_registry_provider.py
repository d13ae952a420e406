"""The real connector provider: builds a subscription's connector from its integration's
definition and decrypted settings, caches it, and rebuilds it when the subscription changes."""

from __future__ import annotations

import asyncio
from pathlib import Path

from ipaas.bootstrap import Hub
from ipaas.connectors import ListRecorder
from ipaas.integration_as_code import apply_documents, load_documents
from ipaas.transfer.registry_provider import RegistryConnectorProvider

DEMO = Path(__file__).parents[3] / "src" / "ipaas" / "demo" / "integrations"
SUBSCRIPTION = """\
kind: subscription
name: Shop
company: Retailer
integration: {key: demo-shop}
settings:
  shop_url: http://127.0.0.1:9
  api_token: ${env:T_TOKEN}
  webhook_secret: ${env:T_HOOK}
"""


def test_connectors_are_built_cached_and_rebuilt_on_change(hub: Hub, tmp_path: Path) -> None:
    sub = tmp_path / "sub.yaml"
    sub.write_text(SUBSCRIPTION)
    env = {"T_TOKEN": "tok-1", "T_HOOK": "hook-1"}
    changes = apply_documents(hub, load_documents([DEMO / "shop.yaml", sub]), environ=env)
    sub_id = changes[-1].id
    assert sub_id is not None
    provider = RegistryConnectorProvider(hub, recorder=ListRecorder(), recheck_seconds=0)
    try:
        first = provider.get(sub_id)
        assert first.settings["api_token"] == "tok-1"
        assert first.settings["location"] == "main"  # the definition's default
        assert provider.get(sub_id) is first
        sub.write_text(SUBSCRIPTION.replace("127.0.0.1:9", "127.0.0.1:10"))
        apply_documents(hub, load_documents([sub]), environ={**env, "T_TOKEN": "tok-2"})
        second = provider.get(sub_id)
        assert second is not first
        assert second.settings["api_token"] == "tok-2"
        assert second.settings["shop_url"] == "http://127.0.0.1:10"
    finally:
        asyncio.run(provider.close())
