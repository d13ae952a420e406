"""The hub record repository on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from ipaas.bootstrap import Hub
from ipaas.domain import Direction, Method
from ipaas.errors import (
    DuplicateExternalIdError,
    NotFoundError,
    RecordValidationError,
    UnknownDataTypeError,
)
from ipaas.store import NewQueueItem


def _company_and_subscriptions(hub: Hub) -> tuple[int, int, int]:
    with hub.unit_of_work() as uow:
        integrator = uow.tenants.create_company("Builder", "integrator")
        company = uow.tenants.create_company("Shop Ltd", "subscriber")
        integration = uow.tenants.create_integration(integrator, "shop", "Shop", "rest")
        shop = uow.tenants.create_subscription(company, integration, "shop")
        erp = uow.tenants.create_subscription(company, integration, "erp")
        uow.commit()
    return company, shop, erp


def test_upsert_creates_then_versions_only_on_change(hub: Hub) -> None:
    company, _, _ = _company_and_subscriptions(hub)
    with hub.unit_of_work() as uow:
        first = uow.hub_records.upsert(company, "product", {"sku": "A-1", "price": "9.90"})
        same = uow.hub_records.upsert(company, "product", {"price": "9.9", "sku": "A-1"})
        changed = uow.hub_records.upsert(company, "product", {"sku": "A-1", "price": "10.50"})
        uow.commit()
    assert first.created
    assert first.changed
    assert not same.created
    assert not same.changed
    assert changed.changed
    assert changed.record.version == 2
    assert changed.record.id == first.record.id
    with hub.unit_of_work() as uow:
        versions = uow.hub_records.versions(company, first.record.id)
    assert [v.version for v in versions] == [1, 2]
    assert versions[1].body["price"] == "10.5"


def test_upsert_by_hub_id_and_match_key_are_the_same_record(hub: Hub) -> None:
    company, _, _ = _company_and_subscriptions(hub)
    with hub.unit_of_work() as uow:
        created = uow.hub_records.upsert(company, "customer", {"email": "Ann@example.com"})
        by_key = uow.hub_records.upsert(
            company, "customer", {"email": "ann@example.com", "first_name": "Ann"}
        )
        by_id = uow.hub_records.upsert(
            company,
            "customer",
            {"email": "ann@example.com", "first_name": "Anna"},
            hub_id=created.record.id,
        )
        uow.commit()
    assert by_key.record.id == created.record.id == by_id.record.id
    assert by_id.record.version == 3


def test_soft_delete_keeps_the_record_and_a_version(hub: Hub) -> None:
    company, _, _ = _company_and_subscriptions(hub)
    with hub.unit_of_work() as uow:
        rec = uow.hub_records.upsert(company, "location", {"code": "WH1"}).record
        deleted = uow.hub_records.delete(company, rec.id, tracking_id="t1")
        again = uow.hub_records.delete(company, rec.id)
        uow.commit()
    assert deleted.record.deleted
    assert deleted.changed
    assert not again.changed
    with hub.unit_of_work() as uow:
        versions = uow.hub_records.versions(company, rec.id)
    assert versions[-1].deleted
    assert versions[-1].tracking_id == "t1"


def test_records_of_another_company_are_not_found(hub: Hub) -> None:
    company, _, _ = _company_and_subscriptions(hub)
    with hub.unit_of_work() as uow:
        other = uow.tenants.create_company("Other", "subscriber")
        rec = uow.hub_records.upsert(company, "product", {"sku": "X"}).record
        uow.commit()
        with pytest.raises(NotFoundError):
            uow.hub_records.get(other, rec.id)


def test_bad_input_raises_typed_errors_naming_the_problem(hub: Hub) -> None:
    company, shop, _ = _company_and_subscriptions(hub)
    with hub.unit_of_work() as uow:
        with pytest.raises(UnknownDataTypeError, match="unknown data type 'widget'"):
            uow.hub_records.upsert(company, "widget", {})
        with pytest.raises(RecordValidationError) as excinfo:
            uow.hub_records.upsert(company, "product", {"sku": "A", "price": "cheap"})
        assert excinfo.value.field == "price"
        a = uow.hub_records.upsert(company, "product", {"sku": "A"}).record
        b = uow.hub_records.upsert(company, "product", {"sku": "B"}).record
        uow.external_ids.link(shop, "product", "100", a.id)
        with pytest.raises(DuplicateExternalIdError, match="'100'"):
            uow.external_ids.link(shop, "product", "100", b.id)
        with pytest.raises(DuplicateExternalIdError, match="hub record"):
            uow.external_ids.link(shop, "product", "101", a.id)


def test_external_ids_look_up_both_ways_per_subscription(hub: Hub) -> None:
    company, shop, erp = _company_and_subscriptions(hub)
    with hub.unit_of_work() as uow:
        rec = uow.hub_records.upsert(company, "product", {"sku": "A"}).record
        uow.external_ids.link(shop, "product", "s-1", rec.id)
        uow.external_ids.link(erp, "product", "e-1", rec.id, synced_hash="h")
        uow.commit()
    with hub.unit_of_work() as uow:
        assert uow.external_ids.hub_id_for(shop, "product", "s-1") == rec.id
        assert uow.external_ids.external_id_for(erp, "product", rec.id) == "e-1"
        assert uow.external_ids.external_id_for(erp, "customer", rec.id) is None
        assert {link.external_id for link in uow.external_ids.links_of(rec.id)} == {"s-1", "e-1"}
        assert uow.external_ids.unlink(shop, "product", rec.id)
        uow.commit()
        assert uow.external_ids.hub_id_for(shop, "product", "s-1") is None


def test_record_and_enqueue_commit_or_roll_back_together(hub: Hub) -> None:
    company, shop, erp = _company_and_subscriptions(hub)
    with hub.unit_of_work() as uow:
        rec = uow.hub_records.upsert(company, "product", {"sku": "A"}).record
        uow.queue.enqueue(
            NewQueueItem(erp, Direction.FROM_HUB, "product", str(rec.id), Method.CREATE)
        )
        # leaving without commit rolls both back
    with hub.unit_of_work() as uow:
        assert uow.hub_records.find_by_match_key(company, "product", "A") is None
        assert uow.queue.count() == 0
        rec = uow.hub_records.upsert(company, "product", {"sku": "A"}).record
        ids = uow.queue.enqueue_many(
            [
                NewQueueItem(erp, Direction.FROM_HUB, "product", str(rec.id), Method.CREATE),
                NewQueueItem(shop, Direction.TO_HUB, "product", "s-1", Method.READ),
            ]
        )
        uow.commit()
    assert len({tracking for _, tracking in ids}) == 2
    with hub.unit_of_work() as uow:
        assert uow.queue.count() == 2


def test_database_enforces_external_id_uniqueness(hub: Hub) -> None:
    company, shop, _ = _company_and_subscriptions(hub)
    from ipaas.store.tables import external_ids
    from ipaas.store.types import utcnow

    with hub.unit_of_work() as uow:
        rec = uow.hub_records.upsert(company, "product", {"sku": "A"}).record
        row = {
            "subscription_id": shop,
            "data_type": "product",
            "external_id": "1",
            "hub_record_id": rec.id,
            "created_at": utcnow(),
            "updated_at": utcnow(),
        }
        uow.conn.execute(sa.insert(external_ids).values(**row))
        with pytest.raises(sa.exc.IntegrityError):
            uow.conn.execute(sa.insert(external_ids).values(**row))


def test_sqlite_runs_in_wal_mode_with_foreign_keys(hub: Hub) -> None:
    if hub.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    with hub.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
