"""Integration definitions: validation errors name the field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ipaas.connectors import IntegrationDefinition, load_integration_definition
from ipaas.connectors.rest.watermark import Watermark, parse_timestamp
from ipaas.errors import ValidationError

DEMO = Path(__file__).parents[3] / "src/ipaas/demo/integrations"


def _rest(**config: Any) -> dict[str, Any]:
    return {
        "key": "x",
        "name": "X",
        "connector": "rest",
        "settings": [{"name": "url"}],
        "data_types": [{"data_type": "product", "directions": ["to_hub"]}],
        "config": {"base_url": "${url}", "data_types": {"product": {}}, **config},
    }


def test_demo_definitions_load() -> None:
    shop = load_integration_definition(DEMO / "shop.yaml")
    erp = load_integration_definition(DEMO / "erp.yaml")
    assert shop.secret_settings() == {"api_token", "webhook_secret"}
    assert erp.secret_settings() == {"client_secret"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"auth": {"type": "api_key"}}, "config.auth.api_key.name"),
        ({"auth": {"type": "kerberos"}}, "config.auth"),
        ({"base_url": "${missing}"}, "config.base_url"),
        (
            {"data_types": {"product": {"pagination": {"type": "page", "page_size": 0}}}},
            "config.data_types.product.pagination.page.page_size",
        ),
        (
            {"webhooks": {"signature": {"scheme": "hmac_sha256_hex"}}},
            "config.webhooks.signature",
        ),
    ],
)
def test_config_errors_name_the_field(change: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        IntegrationDefinition.from_dict(_rest(**change))
    assert info.value.field == field


def test_definition_errors_name_the_field() -> None:
    data = _rest()
    data["data_types"] = [{"data_type": "spaceship", "directions": ["to_hub"]}]
    with pytest.raises(ValidationError) as info:
        IntegrationDefinition.from_dict(data)
    assert info.value.field == "data_types.0.data_type"


def test_watermark_skips_ties_already_seen() -> None:
    mark = Watermark()
    t1, t2 = parse_timestamp("2026-01-01T00:00:00Z"), parse_timestamp("2026-01-01T00:00:01Z")
    mark.advance(t1, "a")
    mark.advance(t2, "b")
    mark.advance(t2, "c")
    again = Watermark.parse(mark.dump())
    assert again.seen(t2, "b")
    assert again.seen(t1, "z")
    assert not again.seen(t2, "d")
