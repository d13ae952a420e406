"""The path of a record: source -> hub -> targets, on SQLite and PostgreSQL."""

from __future__ import annotations

from integration.transfer.world import BOTH, IN, OUT, PRODUCT_FROM_HUB, PRODUCT_TO_HUB, make_world
from ipaas.bootstrap import Hub
from ipaas.domain import Method, QueueState
from ipaas.store.transfer import TransferStore


def test_fan_out_to_two_targets_and_not_to_the_origin(hub: Hub) -> None:
    w = make_world(hub)
    shop = w.add_system("shop", OUT)
    erp = w.add_system("erp", IN)
    pos = w.add_system("pos", IN)
    ext = shop.put("product", {"code": "SKU-1", "title": "Mug", "price": "9.90"})
    tracking = w.webhook("shop", ext, Method.CREATE)
    w.run()
    for target in (erp, pos):
        [(_, body)] = target.all("product").items()
        assert body["code"] == "SKU-1"
        assert body["title"] == "Mug"
        assert target.counters["create"] == 1
    assert shop.writes == 0
    with hub.unit_of_work() as uow:
        assert uow.queue.count(state=QueueState.DONE) == 3
        lines = TransferStore(uow.conn).activity(tracking_id=tracking)
    assert len(lines) == 3
    assert any("created in the hub from shop" in line["message"] for line in lines)


def test_matching_by_key_on_first_sync(hub: Hub) -> None:
    w = make_world(hub)
    shop = w.add_system("shop", BOTH)
    erp_collections = [
        {"data_type": "product", "direction": "to_hub", "name": "in", **PRODUCT_TO_HUB},
        {
            "data_type": "product",
            "direction": "from_hub",
            "name": "out",
            "collision_method": "update_and_link",
            **PRODUCT_FROM_HUB,
        },
    ]
    erp = w.add_system("erp", BOTH, collections=erp_collections)
    existing = erp.put("product", {"code": "SKU-1", "title": "Old name", "price": "1"})
    w.webhook("shop", shop.put("product", {"code": "SKU-1", "title": "Mug", "price": "9.9"}))
    w.run()
    assert erp.counters["create"] == 0
    assert erp.get("product", existing)["title"] == "Mug"
    # erp now sends its record: it is matched through the link, one hub record stays
    w.webhook("erp", existing)
    w.run()
    with hub.unit_of_work() as uow:
        assert uow.hub_records.find_by_match_key(w.company_id, "product", "SKU-1") is not None
        count = uow.conn.exec_driver_sql("select count(*) from hub_records").scalar_one()
    assert count == 1
    assert shop.writes == 0


def test_inbound_record_matches_existing_hub_record_by_key(hub: Hub) -> None:
    w = make_world(hub)
    w.add_system("shop", OUT)
    pos = w.add_system("pos", OUT)
    w.webhook("shop", "s1", payload={"code": "SKU-9", "title": "Cup"})
    w.webhook("pos", "p1", payload={"code": "SKU-9", "title": "Cup"})
    w.run()
    with hub.unit_of_work() as uow:
        record = uow.hub_records.find_by_match_key(w.company_id, "product", "SKU-9")
        assert record is not None
        assert uow.external_ids.hub_id_for(w.ids["pos"], "product", "p1") == record.id
        assert uow.external_ids.hub_id_for(w.ids["shop"], "product", "s1") == record.id
    assert pos.writes == 0


def test_delete_propagates(hub: Hub) -> None:
    w = make_world(hub)
    shop = w.add_system("shop", OUT)
    delete = {"data_type": "product", "direction": "from_hub", "name": "del", "sync_type": "delete"}
    collections = [
        {"data_type": "product", "direction": "from_hub", "name": "o", **PRODUCT_FROM_HUB}
    ]
    erp = w.add_system("erp", IN, collections=[*collections, delete])
    pos = w.add_system("pos", IN)  # no delete mapping: keeps its record
    ext = shop.put("product", {"code": "SKU-1", "title": "Mug"})
    w.webhook("shop", ext, Method.CREATE)
    w.run()
    w.webhook("shop", ext, Method.DELETE)
    w.run()
    assert erp.all("product") == {}
    assert erp.counters["delete"] == 1
    assert len(pos.all("product")) == 1
    with hub.unit_of_work() as uow:
        record = uow.hub_records.find_by_match_key(w.company_id, "product", "SKU-1")
        assert record is not None
        assert record.deleted


def test_echo_settles_after_one_round(hub: Hub) -> None:
    w = make_world(hub)
    shop = w.add_system("shop", BOTH)
    erp = w.add_system("erp", BOTH)
    ext = shop.put("product", {"code": "SKU-1", "title": "Mug", "price": "9.90"})
    w.webhook("shop", ext, Method.CREATE)
    w.run()
    [erp_id] = erp.all("product")
    # the erp announces the record it was just given: identical, so it ends there
    w.webhook("erp", erp_id, Method.CREATE)
    w.run()
    assert (erp.counters["create"], erp.counters["update"], shop.writes) == (1, 0, 0)
    # a real change in the erp goes to the shop once; the shop's echo ends it
    erp.get("product", erp_id)["title"] = "Big mug"
    w.webhook("erp", erp_id)
    w.run()
    w.webhook("shop", ext)
    w.run()
    w.webhook("erp", erp_id)
    w.run()
    assert shop.counters["update"] == 1
    assert shop.get("product", ext)["title"] == "Big mug"
    assert erp.counters["update"] == 0
    with hub.unit_of_work() as uow:
        record = uow.hub_records.find_by_match_key(w.company_id, "product", "SKU-1")
        assert record is not None
        assert record.version == 2


def test_consecutive_updates_coalesce_into_one_delivery(hub: Hub) -> None:
    w = make_world(hub)
    w.add_system("shop", OUT)
    erp = w.add_system("erp", IN)
    for n in range(5):
        w.webhook("shop", "s1", payload={"code": "SKU-1", "title": f"v{n}"})
    w.run()
    assert erp.counters["create"] == 1
    assert erp.counters["update"] == 0
    [body] = erp.all("product").values()
    assert body["title"] == "v4"
    with hub.unit_of_work() as uow:
        folded = uow.conn.exec_driver_sql(
            "select count(*) from queue_items where parent_item_id is not null "
            "and direction = 'to_hub'"
        ).scalar_one()
    assert folded == 4


def test_prerequisite_is_sent_first_in_the_same_tracking_id(hub: Hub) -> None:
    w = make_world(hub)
    variant_out = {
        "data_type": "product_variant",
        "direction": "from_hub",
        "name": "variants",
        "field_mappings": [
            {"target": "code", "type": "field", "source": "sku"},
            {
                "target": "parent",
                "type": "formula",
                "expression": '$externalId("product", custom_fields.product_hub_id)',
            },
        ],
    }
    product_out = {"data_type": "product", "direction": "from_hub", "name": "p", **PRODUCT_FROM_HUB}
    flows = {"product": {"from_hub": True}, "product_variant": {"to_hub": True, "from_hub": True}}
    w.add_system("shop", {"product_variant": {"to_hub": True}}, collections=[])
    erp = w.add_system("erp", flows, collections=[variant_out, product_out])
    with hub.unit_of_work() as uow:
        product = uow.hub_records.upsert(w.company_id, "product", {"sku": "P-1", "name": "Tee"})
        uow.commit()
    body = {
        "sku": "P-1-RED",
        "product_sku": "P-1",
        "custom_fields": {"product_hub_id": str(product.record.id)},
    }
    tracking = w.webhook("shop", "v1", Method.CREATE, data_type="product_variant", payload=body)
    w.run()
    [(product_ext, _)] = erp.all("product").items()
    [variant] = erp.all("product_variant").values()
    assert variant["parent"] == product_ext
    creates = [c for c in erp.calls if c.operation == "create"]
    assert [c.data_type for c in creates] == ["product", "product_variant"]
    assert {c.tracking_id for c in creates} == {tracking}
    with hub.unit_of_work() as uow:
        lines = TransferStore(uow.conn).activity(tracking_id=tracking)
    assert any("sending it first" in line["message"] for line in lines)
