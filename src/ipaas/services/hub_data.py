"""Hub data for people: search, versions and their differences, links to external systems,
unmatched records, resetting a link, deactivating and reactivating a record."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ipaas.domain import Direction, get_data_type
from ipaas.domain.accounts import TenantScope
from ipaas.errors import NotFoundError, ValidationError
from ipaas.store import NewQueueItem, hub_data, new_tracking_id
from ipaas.store.catalog import CatalogRepository
from ipaas.store.records import HubRecord, HubRecordVersion
from ipaas.store.transfer import TransferStore
from ipaas.store.unit_of_work import UnitOfWork
from ipaas.transfer.directory import SubscriptionDirectory
from ipaas.transfer.to_hub import fan_out_methods

#: Most field filters a search may carry.
MAX_FILTERS = 10


@dataclass(frozen=True, slots=True)
class Change:
    """One difference between two versions: a dotted path and its values before and after."""

    path: str
    before: Any
    after: Any
    kind: str  # added, removed, changed


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict) and value:
        out: dict[str, Any] = {}
        for key, inner in value.items():
            out.update(_flatten(inner, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(value, list) and value:
        out = {}
        for n, inner in enumerate(value):
            out.update(_flatten(inner, f"{prefix}[{n}]"))
        return out
    return {prefix: value}


def diff(before: dict[str, Any], after: dict[str, Any]) -> list[Change]:
    """Field-level differences between two record bodies, by path."""
    a, b = _flatten(before), _flatten(after)
    changes = []
    for path in sorted(set(a) | set(b)):
        if path not in a:
            changes.append(Change(path, None, b[path], "added"))
        elif path not in b:
            changes.append(Change(path, a[path], None, "removed"))
        elif a[path] != b[path]:
            changes.append(Change(path, a[path], b[path], "changed"))
    return changes


def check_data_type(data_type: str) -> None:
    """``UnknownDataTypeError`` (field ``data_type``) for a type the hub does not know."""
    try:
        get_data_type(data_type)
    except ValidationError as exc:
        raise type(exc)(exc.message, field="data_type") from None


def search(
    uow: UnitOfWork,
    scope: TenantScope,
    data_type: str,
    fields: dict[str, str],
    *,
    deleted: bool | None,
    after_id: int,
    limit: int,
) -> list[HubRecord]:
    """Records of the scope's company by data type and field values, by id."""
    check_data_type(data_type)
    if len(fields) > MAX_FILTERS:
        raise ValidationError(f"at most {MAX_FILTERS} field filters", field="fields")
    spec = get_data_type(data_type)
    # Filters naming the whole match key (e.g. sku) go through its unique index.
    key = spec.match_key(fields) if set(spec.match_keys) <= set(fields) else None
    return hub_data.search(
        uow.conn,
        scope.visible,
        data_type,
        fields,
        deleted=deleted,
        after_id=after_id,
        limit=limit,
        match_key=key,
    )


def record(uow: UnitOfWork, scope: TenantScope, record_id: int) -> HubRecord:
    """A record of the scope's companies."""
    for company_id in sorted(scope.visible):
        try:
            return uow.hub_records.get(company_id, record_id)
        except NotFoundError:
            continue
    raise NotFoundError(f"hub record {record_id} not found")


def versions(uow: UnitOfWork, scope: TenantScope, record_id: int) -> list[HubRecordVersion]:
    found = record(uow, scope, record_id)
    return uow.hub_records.versions(found.company_id, record_id)


def version_diff(
    uow: UnitOfWork, scope: TenantScope, record_id: int, old: int, new: int
) -> list[Change]:
    """What changed from version ``old`` to version ``new``."""
    by_number = {v.version: v for v in versions(uow, scope, record_id)}
    for name, number in (("from", old), ("to", new)):
        if number not in by_number:
            raise NotFoundError(f"record {record_id} has no version {number}", field=name)
    return diff(by_number[old].body, by_number[new].body)


def links(uow: UnitOfWork, scope: TenantScope, record_id: int) -> list[tuple[int, str, str]]:
    """(subscription id, subscription name, external id) of every system holding the record."""
    found = record(uow, scope, record_id)
    catalog = CatalogRepository(uow.conn)
    names = {
        s.id: s.name for s in catalog.subscriptions(TenantScope.single(found.company_id), 0, 10_000)
    }
    return [
        (link.subscription_id, names.get(link.subscription_id, ""), link.external_id)
        for link in uow.external_ids.links_of(record_id)
    ]


def unmatched(
    uow: UnitOfWork,
    scope: TenantScope,
    subscription_id: int,
    data_type: str,
    *,
    after_id: int,
    limit: int,
) -> list[HubRecord]:
    """Records the subscription's system has no external id for."""
    check_data_type(data_type)
    sub = CatalogRepository(uow.conn).subscription(scope, subscription_id)
    return hub_data.unmatched(
        uow.conn, sub.company_id, subscription_id, data_type, after_id=after_id, limit=limit
    )


def reset_link(uow: UnitOfWork, scope: TenantScope, record_id: int, subscription_id: int) -> None:
    """Forget the record's external id in one subscription (the next transfer re-matches)."""
    found = record(uow, scope, record_id)
    CatalogRepository(uow.conn).subscription(scope, subscription_id)
    if not uow.external_ids.unlink(subscription_id, found.data_type, record_id):
        raise NotFoundError(
            f"record {record_id} has no link in subscription {subscription_id}",
            field="subscription_id",
        )


def set_active(uow: UnitOfWork, scope: TenantScope, record_id: int, active: bool) -> HubRecord:
    """Deactivate (soft delete) or reactivate a record; each writes a new version and, in the
    same transaction, sends the change on to the subscriptions receiving its data type: a
    deactivation to those that hold the record (a delete, or the update their collection
    makes of a delete), a reactivation to all (an update where linked, else a create)."""
    found = record(uow, scope, record_id)
    if active:
        if not found.deleted:
            return found
        result = uow.hub_records.upsert(
            found.company_id, found.data_type, found.body, hub_id=record_id
        )
    else:
        result = uow.hub_records.delete(found.company_id, record_id)
    if result.changed:
        _send_on(uow, result.record)
    return result.record


def _send_on(uow: UnitOfWork, changed: HubRecord) -> int:
    """Enqueue from_hub items for a record changed in the hub (not by a subscription), as
    the transfer engine's fan-out does; returns how many."""
    targets = SubscriptionDirectory().targets(
        uow.conn, changed.company_id, changed.data_type, exclude=None
    )
    linked = TransferStore(uow.conn).links_of_record(changed.id)
    tracking = new_tracking_id()
    items = [
        NewQueueItem(
            subscription_id=target.id,
            direction=Direction.FROM_HUB,
            data_type=changed.data_type,
            record_key=str(changed.id),
            method=method,
            tracking_id=tracking,
            hub_version=changed.version,
            trigger="manual",
        )
        for target, method in fan_out_methods(targets, linked, deleted=changed.deleted)
    ]
    if items:
        uow.queue.enqueue_many(items)
    return len(items)
