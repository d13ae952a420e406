"""to_hub work: an external record is mapped, matched and stored as a hub record, then
fanned out to every other subscription that receives its data type.

No echo: a record identical to the hub's version ends here, and so does a record equal
to what the hub last wrote to that same system (``synced_hash``), even when the hub has
moved on since.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ipaas.domain import DataType, Direction, Method, content_hash, get_data_type
from ipaas.errors import FatalError, MappingError
from ipaas.mapping import MappingContext, merge_onto
from ipaas.store import NewQueueItem, UnitOfWork
from ipaas.store.external_ids import ExternalIdLink
from ipaas.store.queue import QueueItem
from ipaas.store.records import HubRecord
from ipaas.store.transfer import SubscriptionInfo, TransferStore
from ipaas.transfer.directory import SubscriptionDirectory
from ipaas.transfer.logs import LogBuffer
from ipaas.transfer.outcome import Outcome, done, failed, label
from ipaas.transfer.preset import public_preset
from ipaas.transfer.resolver import DatabaseLinkResolver


@dataclass
class BatchWrites:
    """What a batch's transaction accumulates: fan-out items and log lines."""

    uow: UnitOfWork
    store: TransferStore
    directory: SubscriptionDirectory
    logs: LogBuffer
    fan_out: list[NewQueueItem] = field(default_factory=list)


def handle_to_hub(w: BatchWrites, item: QueueItem, body: dict[str, Any] | None) -> Outcome:
    """Store one external record in the hub (inside the batch's transaction)."""
    conn = w.uow.conn
    sub = w.directory.info(conn, item.subscription_id)
    if not sub.flows_to_hub(item.data_type):
        return done(f"{item.data_type} is not sent to the hub by {sub.name}: flow is off")
    link = w.uow.external_ids.get(sub.id, item.data_type, external_id=item.record_key)
    if item.method is Method.DELETE:
        return _delete(w, item, sub, link.hub_record_id if link else None)
    if body is None:
        return failed(FatalError(f"no record body for {item.data_type} {item.record_key}"))
    current = w.uow.hub_records.get(sub.company_id, link.hub_record_id) if link else None
    spec = get_data_type(item.data_type)
    try:
        partial = map_to_hub(w, item, sub, body, current)
    except SkippedByFilter as skipped:
        return done(str(skipped))
    except MappingError as error:
        return failed(error)
    if current is None:
        # First sync of this external record: match an existing hub record by its key.
        first = spec.validate(merge_onto({}, partial))
        key = spec.match_key(first)
        current = (
            w.uow.hub_records.find_by_match_key(sub.company_id, item.data_type, key)
            if key is not None
            else None
        )
    merged = spec.validate(merge_onto(current.body, partial) if current else partial)
    digest = content_hash(merged)
    name = label(item.data_type, merged, item.record_key)
    if current is not None:
        unchanged = settled(w.store, spec, sub, name, current, link, partial, digest)
        if unchanged is not None:
            if link is None:
                w.uow.external_ids.link(
                    sub.id, item.data_type, item.record_key, current.id, synced_hash=digest
                )
            return done(unchanged, current.id)
    upserted = w.uow.hub_records.upsert(
        sub.company_id,
        item.data_type,
        merged,
        hub_id=current.id if current else None,
        origin_subscription_id=sub.id,
        tracking_id=item.tracking_id,
    )
    record = upserted.record
    if link is None:
        w.uow.external_ids.link(
            sub.id, item.data_type, item.record_key, record.id, synced_hash=record.content_hash
        )
    else:
        w.uow.external_ids.set_synced_hash(sub.id, item.data_type, record.id, record.content_hash)
    verb = change_verb(
        created=upserted.created, matched_by_key=current is not None and link is None
    )
    targets = fan_out(w, item, sub, record.id, record.version, deleted=False)
    return done(f"{name} {verb} the hub from {sub.name}; sent on to {targets}", record.id)


def _delete(w: BatchWrites, item: QueueItem, sub: SubscriptionInfo, hub_id: int | None) -> Outcome:
    name = label(item.data_type, None, item.record_key)
    if hub_id is None:
        return done(f"{name} deleted in {sub.name}: the hub never had it")
    result = w.uow.hub_records.delete(
        sub.company_id, hub_id, origin_subscription_id=sub.id, tracking_id=item.tracking_id
    )
    name = label(item.data_type, result.record.body, item.record_key)
    if not result.changed:
        return done(f"{name} deleted in {sub.name}: already deleted in the hub", hub_id)
    targets = fan_out(w, item, sub, hub_id, result.record.version, deleted=True)
    return done(f"{name} deleted in {sub.name}; deleted in the hub; sent on to {targets}", hub_id)


def settled(
    store: TransferStore,
    spec: DataType,
    sub: SubscriptionInfo,
    name: str,
    current: HubRecord,
    link: ExternalIdLink | None,
    partial: dict[str, Any],
    digest: str,
) -> str | None:
    """Why a record that ``sub`` sent changes nothing in the hub (the activity message), or
    None when it is a change. Unchanged: same content as the hub's record (without a
    ``link``, the caller still links it). Echo: what the hub sent ``sub`` earlier, coming
    back, while the hub has moved on since."""
    if current.deleted:
        return None
    if digest == current.content_hash:
        if link is None:
            return f"{name} from {sub.name} matched the hub record by key; linked, no change"
        return f"{name} from {sub.name}: no change"
    if link is not None and link.synced_hash and link.synced_hash != current.content_hash:
        older = store.version_body(current.id, link.synced_hash)
        if older is not None:
            echoed = content_hash(spec.validate(merge_onto(older, partial)))
            if echoed == link.synced_hash:
                return (
                    f"{name} from {sub.name} is the version the hub sent it earlier: ignored (echo)"
                )
    return None


def change_verb(*, created: bool, matched_by_key: bool) -> str:
    """How the activity log says a record reached the hub."""
    if created:
        return "created in"
    return "matched by key and updated in" if matched_by_key else "updated in"


def fan_out_methods(
    targets: list[SubscriptionInfo], linked: Mapping[int, str], *, deleted: bool
) -> list[tuple[SubscriptionInfo, Method]]:
    """What each receiving subscription gets of a changed hub record (``linked``: its
    external id per subscription): create where unlinked, update where linked, delete where
    linked and the record was deleted; a target that never had a deleted record gets
    nothing."""
    if deleted:
        return [(t, Method.DELETE) for t in targets if t.id in linked]
    return [(t, Method.UPDATE if t.id in linked else Method.CREATE) for t in targets]


def fan_out(
    w: BatchWrites,
    item: QueueItem,
    origin: SubscriptionInfo,
    hub_id: int,
    version: int,
    *,
    deleted: bool,
    linked: Mapping[int, str] | None = None,
) -> str:
    """Enqueue from_hub items for every receiving subscription except the origin; says
    which. ``linked`` (subscription id -> external id of the record) is looked up when
    not given."""
    conn = w.uow.conn
    targets = w.directory.targets(conn, origin.company_id, item.data_type, exclude=origin.id)
    if not targets:
        return "no other system"
    if linked is None:
        linked = w.store.links_of_record(hub_id)
    names = []
    for target, method in fan_out_methods(targets, linked, deleted=deleted):
        w.fan_out.append(
            NewQueueItem(
                subscription_id=target.id,
                direction=Direction.FROM_HUB,
                data_type=item.data_type,
                record_key=str(hub_id),
                method=method,
                tracking_id=item.tracking_id,
                hub_version=version,
                trigger=item.trigger,
                priority=item.priority,
                debug=item.debug,
                parent_item_id=item.id,
            )
        )
        names.append(target.name)
    return ", ".join(names) if names else "no other system"


class SkippedByFilter(Exception):
    """The collection's mapping filter left the record out; the message says why."""


def map_to_hub(
    w: BatchWrites,
    item: QueueItem,
    sub: SubscriptionInfo,
    body: dict[str, Any],
    current: HubRecord | None,
) -> dict[str, Any]:
    """Map an inbound body with the subscription's to_hub collection (the body itself when
    there is none); raises ``SkippedByFilter`` or ``MappingError``."""
    conn = w.uow.conn
    compiled = w.directory.collection(conn, sub.id, item.data_type, Direction.TO_HUB, item.method)
    if compiled is None:
        return body
    context = MappingContext(
        preset=public_preset(sub),
        hub=current.body if current else None,
        system={"name": sub.name, "id": sub.id},
        resolver=DatabaseLinkResolver(conn, sub.id, strict=False),
    )
    result = compiled.apply(body, context)
    if result.skipped is not None:
        raise SkippedByFilter(
            f"{label(item.data_type, None, item.record_key)} from {sub.name} "
            f"skipped by the mapping filter: {result.skipped}"
        )
    if not result.ok:
        field_name = result.errors[0].field if result.errors else None
        raise MappingError(result.describe(), field=field_name)
    return result.output
