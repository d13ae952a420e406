"""``$preset`` in mappings: a subscription's settings without the fields declared secret."""

from __future__ import annotations

import sqlalchemy as sa

from integration.transfer.world import IN, OUT, PRODUCT_FROM_HUB, make_world
from ipaas.bootstrap import Hub
from ipaas.store.tables import integrations, subscriptions

DECLARED = [
    {"name": "shop_url", "type": "string"},
    {"name": "api_key", "type": "password"},
    {"name": "signing_key", "type": "encrypted"},
]


def test_formulas_see_public_settings_but_never_secrets(hub: Hub) -> None:
    w = make_world(hub)
    w.add_system("shop", OUT)
    out = {
        "data_type": "product",
        "direction": "from_hub",
        "name": "out",
        "field_mappings": [
            *PRODUCT_FROM_HUB["field_mappings"],
            {"target": "url", "type": "formula", "expression": "$preset.shop_url"},
            {"target": "key", "type": "formula", "expression": "$preset.api_key"},
            {"target": "all", "type": "formula", "expression": "$string($preset)"},
        ],
    }
    erp = w.add_system("erp", IN, collections=[out])
    with hub.unit_of_work() as uow:
        uow.conn.execute(
            sa.update(integrations)
            .where(integrations.c.id == w.integration_id)
            .values(definition={"settings": DECLARED})
        )
        # secrets typed into plain settings (as an old import might have left them)
        uow.conn.execute(
            sa.update(subscriptions)
            .where(subscriptions.c.id == w.ids["erp"])
            .values(
                settings={"shop_url": "https://erp.test", "api_key": "K-SECRET", "signing_key": "S"}
            )
        )
        uow.commit()
    w.webhook("shop", "s1", payload={"code": "SKU-1", "title": "Mug"})
    w.run()
    [body] = erp.all("product").values()
    assert body["url"] == "https://erp.test"
    assert "key" not in body or body["key"] is None
    assert "K-SECRET" not in body["all"]
    assert "signing_key" not in body["all"]
