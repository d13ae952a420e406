"""``ipaas preview``: a collection from a YAML file applied to a sample, offline."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from ipaas.cli import app
from ipaas.mapping import FieldMapping, LookupTable, MappingCollection, dump_collections

SHOP = Path(__file__).resolve().parents[3] / "src/ipaas/demo/integrations/shop.yaml"

SHOP_PRODUCT = {
    "id": 7001,
    "title": "Organic cotton T-shirt",
    "vendor": "Acme",
    "tags": "summer, organic",
    "variants": [{"sku": "TS-00042", "price": "20.00", "barcode": "8712345678906", "weight": 200}],
}
SHOP_ORDER = {
    "name": "#1007",
    "financial_status": "paid",
    "email": "jane.doe@example.com",
    "currency": "EUR",
    "created_at": "2026-11-29T10:15:00+01:00",
    "subtotal_price": "40.00",
    "total_tax": "8.40",
    "total_price": "48.40",
    "shipping_address": {
        "first_name": "Jane",
        "last_name": "Doe",
        "address1": "Keizersgracht 1",
        "city": "Amsterdam",
        "zip": "1015 CJ",
        "country_code": "NL",
    },
    "line_items": [
        {"id": 1, "sku": "TS-00042", "title": "T-shirt", "quantity": 2, "price": "20.00"}
    ],
}


def _run(tmp_path: Path, sample: object, *args: str) -> tuple[int, str]:
    path = tmp_path / "sample.json"
    path.write_text(json.dumps(sample))
    result = CliRunner().invoke(app, ["preview", *args, "-s", str(path)])
    return result.exit_code, result.output


def test_a_shop_product_maps_through_the_integration_template(tmp_path: Path) -> None:
    code, out = _run(tmp_path, SHOP_PRODUCT, "-f", str(SHOP), "-c", "shop product to hub", "--json")
    assert code == 0, out
    preview = json.loads(out)
    assert preview["ok"] is True
    assert preview["output"]["sku"] == "TS-00042"
    assert preview["output"]["weight_kg"] == "0.2"
    assert preview["output"]["tags"] == ["summer", "organic"]


def test_an_order_maps_with_its_lines(tmp_path: Path) -> None:
    code, out = _run(tmp_path, SHOP_ORDER, "-f", str(SHOP), "-c", "shop order to hub")
    assert code == 0, out
    assert out.startswith("shop order to hub (transaction, to_hub): ok (")
    output = json.loads(out[out.index("{") :])
    assert output["number"] == "#1007"
    assert output["shipping_address"]["name"] == "Jane Doe"
    assert output["lines"][0]["sku"] == "TS-00042"


def test_field_errors_are_listed_and_the_exit_status_is_1(tmp_path: Path) -> None:
    code, out = _run(tmp_path, {"title": 5}, "-f", str(SHOP), "-c", "shop product to hub")
    assert code == 1
    assert 'error in sku (schema): invalid field "sku": Field required' in out
    assert "error in name (schema)" in out


def test_a_collections_file_with_lookup_tables_and_presets(tmp_path: Path) -> None:
    collection = MappingCollection(
        data_type="product",
        direction="from_hub",
        name="hub product to erp",
        field_mappings=[
            FieldMapping(target="code", type="field", source="sku"),
            FieldMapping(target="state", type="lookup", source="status", table="states"),
            FieldMapping(target="warehouse", type="formula", expression="$preset.warehouse"),
        ],
    )
    table = LookupTable(name="states", entries={"active": "A"}, default="X")
    file = tmp_path / "collections.yaml"
    file.write_text(dump_collections([collection], [table]))
    code, out = _run(
        tmp_path,
        {"sku": "TS-1", "status": "active"},
        "-f",
        str(file),
        "--preset",
        "warehouse=AMS",
        "--json",
    )
    assert code == 0, out
    assert json.loads(out)["output"] == {"code": "TS-1", "state": "A", "warehouse": "AMS"}


def test_bad_input_names_what_is_wrong(tmp_path: Path) -> None:
    code, out = _run(tmp_path, SHOP_PRODUCT, "-f", str(SHOP))
    assert code == 2
    assert "holds 5 collections; name one with --collection" in out
    code, out = _run(tmp_path, SHOP_PRODUCT, "-f", str(SHOP), "-c", "nope")
    assert code == 2
    assert "no collection named 'nope'" in out
    code, out = _run(tmp_path, [1], "-f", str(SHOP), "-c", "shop product to hub")
    assert code == 2
    assert "the sample must be a JSON object" in out
    code, out = _run(
        tmp_path, {}, "-f", str(SHOP), "-c", "shop product to hub", "--preset", "novalue"
    )
    assert code == 2
    assert "is not NAME=VALUE" in out
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        "collections:\n  - data_type: product\n    direction: to_hub\n    name: x\n"
        "    field_mappings:\n      - {target: sku, type: nonsense}\n"
    )
    code, out = _run(tmp_path, {}, "-f", str(broken))
    assert code == 2
    assert "collections[0].field_mappings[0].type" in out
    assert "(line 6)" in out
