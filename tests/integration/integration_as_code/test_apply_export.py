"""Integration as code: apply is idempotent, export gives the demo integrations back,
secrets stay out of the files, and errors name the file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ipaas.bootstrap import Hub
from ipaas.integration_as_code import (
    DocumentError,
    apply_documents,
    export_documents,
    load_documents,
)
from ipaas.security.secret_box import secret_box_for
from ipaas.store.definitions import DefinitionStore

DEMO = Path(__file__).parents[3] / "src" / "ipaas" / "demo" / "integrations"

SUBSCRIPTION = """\
kind: subscription
name: Shop
company: Retailer
integration: {key: demo-shop, version: "1.0.0"}
settings:
  shop_url: http://127.0.0.1:9
  api_token: ${env:TEST_SHOP_TOKEN}
  webhook_secret: ${env:TEST_SHOP_HOOK}
flows:
  product: {to_hub: true, from_hub: true}
  product_inventory: {from_hub: true}
polling:
  product: {interval_seconds: 300}
throttle: {rate: 5, period: second, concurrency: 2}
"""
ENV = {"TEST_SHOP_TOKEN": "tok-123", "TEST_SHOP_HOOK": "hook-456"}


def _apply(hub: Hub, *paths: Path) -> list[str]:
    changes = apply_documents(hub, load_documents(paths), environ=ENV)
    return [c.outcome for c in changes]


def test_apply_then_export_gives_the_demo_integrations_back(hub: Hub, tmp_path: Path) -> None:
    assert _apply(hub, DEMO) == ["created", "created"]
    assert _apply(hub, DEMO) == ["unchanged", "unchanged"]
    written = export_documents(hub, tmp_path / "out", integration=None)
    exported = {p.name: yaml.safe_load(p.read_text()) for p in written}
    for name in ("shop", "erp"):
        original = yaml.safe_load((DEMO / f"{name}.yaml").read_text())
        assert exported[f"integration-demo-{name}-1-0-0.yaml"] == original
    # The exported files apply cleanly onto the same hub: nothing changes.
    assert set(_apply(hub, tmp_path / "out")) == {"unchanged"}


def test_a_subscription_keeps_secrets_encrypted_and_out_of_exports(
    hub: Hub, tmp_path: Path
) -> None:
    sub = tmp_path / "shop-subscription.yaml"
    sub.write_text(SUBSCRIPTION)
    outcomes = apply_documents(hub, load_documents([DEMO / "shop.yaml", sub]), environ=ENV)
    assert [(c.kind, c.outcome) for c in outcomes] == [
        ("integration", "created"),
        ("subscription", "created"),
        ("polling", "scheduled"),
    ]
    again = apply_documents(hub, load_documents([DEMO / "shop.yaml", sub]), environ=ENV)
    assert [c.outcome for c in again] == ["unchanged", "unchanged"]
    sub_id = outcomes[1].id
    assert sub_id is not None
    with hub.unit_of_work() as uow:
        store = DefinitionStore(uow.conn)
        row = store.subscription(sub_id)
        assert row is not None
        assert "tok-123" not in str(row["settings"])
        assert "tok-123" not in str(row["secrets"])
        assert secret_box_for(hub).decrypt(row["secrets"]) == {
            "api_token": "tok-123",
            "webhook_secret": "hook-456",
        }
        # A new subscription starts with a copy of the integration's templates.
        assert len(store.collections("subscription", sub_id)) == 5
    [path] = export_documents(hub, tmp_path / "out", subscription=sub_id)
    text = path.read_text()
    assert "tok-123" not in text
    assert "hook-456" not in text
    exported = yaml.safe_load(text)
    assert exported["settings"]["api_token"] == "${env:SHOP_API_TOKEN}"
    assert exported["throttle"] == {"rate": 5.0, "period": "second", "concurrency": 2}
    assert "mappings" not in exported  # still the templates
    # A changed secret in the environment is an update.
    changed = apply_documents(
        hub, load_documents([sub]), environ={**ENV, "TEST_SHOP_TOKEN": "tok-789"}
    )
    assert [c.outcome for c in changed] == ["updated"]


def test_a_secret_in_plain_text_is_refused_with_file_line_and_field(
    hub: Hub, tmp_path: Path
) -> None:
    sub = tmp_path / "bad.yaml"
    sub.write_text(SUBSCRIPTION.replace("${env:TEST_SHOP_TOKEN}", "plain-token"))
    with pytest.raises(DocumentError) as caught:
        apply_documents(hub, load_documents([DEMO / "shop.yaml", sub]), environ=ENV)
    assert caught.value.field == "settings.api_token"
    assert caught.value.line == 7
    assert str(sub) in caught.value.message
    assert "plain-token" not in caught.value.message


def test_an_invalid_mapping_names_its_line_and_nothing_is_written(hub: Hub, tmp_path: Path) -> None:
    text = (DEMO / "erp.yaml").read_text()
    broken = text.replace("{target: sku, type: field, source: ItemNo}", "{target: sku, type: fild}")
    bad = tmp_path / "erp.yaml"
    bad.write_text(broken)
    with pytest.raises(DocumentError) as caught:
        apply_documents(hub, load_documents([bad]), environ=ENV)
    line = broken.splitlines().index(next(x for x in broken.splitlines() if "type: fild" in x)) + 1
    assert caught.value.line == line
    assert caught.value.field is not None
    assert caught.value.field.startswith("mappings[0]")
    with hub.unit_of_work() as uow:
        assert DefinitionStore(uow.conn).integrations() == []
