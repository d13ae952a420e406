"""The shipped mapping templates map real records of the demo systems (read through their
APIs) into valid canonical records, and canonical records into what the systems accept."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from ipaas.connectors import load_integration_definition
from ipaas.demo.erp import create_erp_app
from ipaas.demo.shop import create_shop_app
from ipaas.domain import get_data_type
from ipaas.mapping import (
    InMemoryLinkResolver,
    LookupTable,
    MappingCollection,
    MappingContext,
    preview,
)

pytestmark = pytest.mark.anyio
DEMO = Path(__file__).parents[3] / "src" / "ipaas" / "demo" / "integrations"
CANONICAL = {
    "product": {"sku": "SKU-1", "name": "Mug", "price": "9.99", "weight_kg": "0.25",
                "tags": ["home", "blue"], "status": "active"},
    "product_inventory": {"sku": "SKU-1", "location_code": "MAIN", "quantity": "12"},
    "customer": {"email": "a@example.com", "first_name": "Ann", "last_name": "Lee"},
    "transaction": {"type": "order", "number": "#1001", "customer_email": "a@example.com",
                    "ordered_at": "2026-01-02T10:00:00+00:00", "currency": "EUR",
                    "lines": [{"sku": "SKU-1", "quantity": "2", "unit_price": "9.99"}]},
}  # fmt: skip


@pytest.fixture
def records() -> Iterator[dict[str, Any]]:
    shop_app, erp_app = create_shop_app(), create_erp_app()
    shop_app.state.system.generate("orders", 1)
    erp_app.state.system.generate("items", 2)
    erp_app.state.system.generate("stock", 2)
    yield {"shop": shop_app, "erp": erp_app}
    shop_app.state.system.close()
    erp_app.state.system.close()


async def _read(apps: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    found: dict[tuple[str, str], dict[str, Any]] = {}
    shop = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=apps["shop"]),
        base_url="http://shop",
        headers={"X-Shop-Token": "shop-demo-token"},
    )
    async with shop:
        found["shop", "product"] = (await shop.get("/api/products")).json()["products"][0]
        found["shop", "customer"] = (await shop.get("/api/customers")).json()["customers"][0]
        found["shop", "transaction"] = (await shop.get("/api/orders")).json()["orders"][0]
    erp = httpx.AsyncClient(transport=httpx.ASGITransport(app=apps["erp"]), base_url="http://erp")
    async with erp:
        form = {"grant_type": "client_credentials", "client_id": "erp-demo-client",
                "client_secret": "erp-demo-secret"}  # fmt: skip
        token = (await erp.post("/oauth/token", data=form)).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        found["erp", "product"] = (await erp.get("/v1/items", headers=auth)).json()["value"][0]
        stock = (await erp.get("/v1/stock", headers=auth)).json()["value"][0]
        found["erp", "product_inventory"] = stock
    return found


async def test_every_template_maps_real_demo_records(records: dict[str, Any]) -> None:
    samples = await _read(records)
    checked = 0
    for system in ("shop", "erp"):
        definition = load_integration_definition(DEMO / f"{system}.yaml")
        tables = {t["name"]: LookupTable.model_validate(t) for t in definition.lookup_tables}
        for raw in definition.mappings:
            collection = MappingCollection.model_validate(raw)
            resolver = InMemoryLinkResolver(strict=True)
            resolver.link("customer", "a@example.com", "C00001")
            if collection.direction == "to_hub":
                sample = samples[system, collection.data_type]
            else:
                sample = CANONICAL[collection.data_type]
            result = preview(collection, sample, tables, MappingContext(resolver=resolver))
            assert result.ok, (collection.name, result.to_dict())
            if collection.direction == "to_hub":
                get_data_type(collection.data_type).validate(result.output)
            checked += 1
            outcome = result.output
            if collection.name == "shop product to hub":
                assert outcome["sku"] == sample["variants"][0]["sku"]
                assert outcome["weight_kg"] == str(sample["variants"][0]["weight"] / 1000)
                assert outcome["tags"] == [t.strip() for t in sample["tags"].split(",")]
            if collection.name == "ERP item to hub":
                assert outcome["status"] == ("archived" if sample["Blocked"] else "active")
                assert outcome["price"] == str(sample["UnitPrice"])
            if collection.name == "shop order to hub":
                assert len(outcome["lines"]) == len(sample["line_items"])
            if collection.name == "hub order to ERP sales order":
                assert outcome["CustomerNo"] == "C00001"
                assert outcome["Lines"] == [{"ItemNo": "SKU-1", "Quantity": 2, "UnitPrice": 9.99}]
    assert checked == 9
