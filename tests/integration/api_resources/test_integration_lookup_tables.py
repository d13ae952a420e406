"""A whole definition with ``lookup_tables`` (the demo ERP's YAML) is accepted by the API."""

from __future__ import annotations

from resources_support import World, demo_definition, error_of, publish_demo, subscribe


def test_the_demo_erp_definition_brings_its_lookup_tables(sqlite_world: World) -> None:
    detail = publish_demo(sqlite_world, "erp")
    assert "lookup_tables" not in detail["config"]
    builder = sqlite_world.client("builder")
    tables = builder.get(f"/api/v1/integrations/{detail['id']}/lookup-tables").json()
    assert [(t["table"]["name"], t["table"]["entries"]) for t in tables] == [
        ("erp_blocked_status", {"true": "archived", "false": "active"})
    ]
    # Subscribing copies the table beside the templates that use it.
    subscription = subscribe(sqlite_world, "shop", detail["id"], "erp")
    shop = sqlite_world.client("shop")
    copied = shop.get(f"/api/v1/subscriptions/{subscription['id']}/lookup-tables").json()
    assert [t["table"]["name"] for t in copied] == ["erp_blocked_status"]


def test_a_bad_lookup_table_names_the_field(sqlite_world: World) -> None:
    definition = {**demo_definition("erp"), "lookup_tables": [{"entries": {"a": "b"}}]}
    answer = sqlite_world.client("builder").post("/api/v1/integrations", json=definition)
    assert answer.status_code == 422
    assert error_of(answer)["field"] == "lookup_tables.0.name"
