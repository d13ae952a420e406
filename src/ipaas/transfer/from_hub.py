"""from_hub work: a hub record is mapped for one target and created, updated or deleted there.

Three steps so a claim batch shares its database work: ``plan_delivery`` (in the claim
transaction: filters, mapping, prerequisites), ``send`` (the api calls, no transaction
open) and ``store_delivery`` (in the batch's transaction: links and extra ids).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ipaas.connectors.base import Connector
from ipaas.domain import Direction, Method
from ipaas.errors import FatalError, MappingError, NotFoundError
from ipaas.mapping import (
    CollisionAction,
    CompiledCollection,
    MappingContext,
    MissingPrerequisite,
    decide_collision,
)
from ipaas.store import NewQueueItem, UnitOfWork
from ipaas.store.queue import QueueItem
from ipaas.store.records import HubRecord
from ipaas.store.transfer import SubscriptionInfo
from ipaas.transfer.directory import SubscriptionDirectory
from ipaas.transfer.logs import LogBuffer
from ipaas.transfer.outcome import Outcome, done, failed, label, wait
from ipaas.transfer.preset import public_preset
from ipaas.transfer.resolver import DatabaseLinkResolver
from ipaas.transfer.throttle import SubscriptionThrottle
from ipaas.transfer.to_hub import BatchWrites


@dataclass
class Delivery:
    """One record to write to one target: the call to make and what to remember after."""

    item: QueueItem
    sub: SubscriptionInfo
    record: HubRecord
    operation: str  # create | update | delete | delete_update
    output: dict[str, Any] = field(default_factory=dict)
    external_id: str | None = None
    collision_method: str = "error"
    update_output: dict[str, Any] | None = None  # for remap_and_link
    name: str = ""


@dataclass(frozen=True, slots=True)
class Delivered:
    """What the target answered."""

    external_id: str | None
    extra_ids: dict[str, str]
    link: bool
    unlink: bool
    how: str


def plan_delivery(
    uow: UnitOfWork,
    directory: SubscriptionDirectory,
    logs: LogBuffer,
    item: QueueItem,
    records: dict[int, HubRecord],
    links: dict[tuple[int, str], dict[int, tuple[str, str | None]]],
    prerequisite_delay: float,
) -> Delivery | Outcome:
    """Decide the call for one from_hub item, or its outcome when no call is needed."""
    conn = uow.conn
    sub = directory.info(conn, item.subscription_id)
    if not sub.flows_from_hub(item.data_type):
        return done(f"{item.data_type} is not sent to {sub.name}: flow is off")
    record = records.get(int(item.record_key))
    if record is None or record.company_id != sub.company_id:
        return failed(NotFoundError(f"hub record {item.record_key} not found"))
    name = label(item.data_type, record.body, item.record_key)
    linked = links.get((sub.id, item.data_type), {}).get(record.id)
    external_id, synced = linked if linked else (None, None)
    if record.deleted:
        if external_id is None:
            return done(f"{name} was deleted; {sub.name} never had it", record.id)
        method = Method.DELETE
    elif external_id is not None:
        if synced == record.content_hash:
            return done(f"{name} is already up to date in {sub.name}", record.id)
        method = Method.UPDATE
    else:
        method = Method.CREATE
    compiled = directory.collection(conn, sub.id, item.data_type, Direction.FROM_HUB, method)
    if compiled is None:
        return done(f"{name} not sent to {sub.name}: no mapping serves {method.value}", record.id)
    sync_type = compiled.collection.sync_type.value
    if method is Method.DELETE and sync_type == "delete":
        return Delivery(item, sub, record, "delete", external_id=external_id, name=name)
    try:
        output = _map(uow, compiled, sub, record)
        update_output = None
        collision = compiled.collection.collision_method.value
        if method is Method.CREATE and collision == "remap_and_link":
            update = directory.collection(
                conn, sub.id, item.data_type, Direction.FROM_HUB, Method.UPDATE
            )
            update_output = _map(uow, update, sub, record) if update is not None else output
    except MissingPrerequisite as missing:
        return _prerequisite(uow, directory, logs, item, sub, name, missing, prerequisite_delay)
    except _Skipped as skipped:
        return done(f"{name} not sent to {sub.name}: {skipped}", record.id)
    except MappingError as exc:
        return failed(exc, record.id)
    operation = {Method.CREATE: "create", Method.UPDATE: "update"}.get(method, "delete_update")
    logs.mapped(item, output)  # the item story shows what this attempt sent
    return Delivery(
        item,
        sub,
        record,
        operation,
        output=output,
        external_id=external_id,
        collision_method=collision,
        update_output=update_output,
        name=name,
    )


class _Skipped(Exception):
    pass


def _map(
    uow: UnitOfWork, compiled: CompiledCollection, sub: SubscriptionInfo, record: HubRecord
) -> dict[str, Any]:
    context = MappingContext(
        preset=public_preset(sub),
        hub=record.body,
        system={"name": sub.name, "id": sub.id},
        resolver=DatabaseLinkResolver(uow.conn, sub.id, strict=True),
    )
    result = compiled.apply(record.body, context)
    if result.skipped is not None:
        raise _Skipped(f"skipped by the mapping filter: {result.skipped}")
    if not result.ok:
        field_name = result.errors[0].field if result.errors else None
        raise MappingError(result.describe(), field=field_name)
    return result.output


def _prerequisite(
    uow: UnitOfWork,
    directory: SubscriptionDirectory,
    logs: LogBuffer,
    item: QueueItem,
    sub: SubscriptionInfo,
    name: str,
    missing: MissingPrerequisite,
    delay: float,
) -> Outcome:
    """Send the linked record first (same tracking id), and wait for it."""
    data_type, hub_id = missing.data_type, missing.hub_id
    other = f"{data_type.replace('_', ' ')} {hub_id}"
    if not (
        sub.flows_from_hub(data_type)
        and directory.has_collection(uow.conn, sub.id, data_type, Direction.FROM_HUB)
    ):
        return failed(FatalError(f"{name} refers to {other}, which {sub.name} does not receive"))
    latest = uow.queue.latest(sub.id, Direction.FROM_HUB, data_type, hub_id)
    if latest is not None and latest.state == "error":
        return failed(
            FatalError(
                f"{name} needs {other} in {sub.name} first, and it failed "
                f"(queue item {latest.id}): {latest.last_error}"
            )
        )
    if latest is not None and latest.state == "done" and latest.id > item.id:
        return failed(
            FatalError(
                f"{name} needs {other} in {sub.name} first; it was processed "
                f"(queue item {latest.id}) but not linked: check its mapping and filters"
            )
        )
    if latest is not None and latest.state in ("pending", "in_flight"):
        first_id = latest.id
    else:
        first_id, _ = uow.queue.enqueue(
            NewQueueItem(
                subscription_id=sub.id,
                direction=Direction.FROM_HUB,
                data_type=data_type,
                record_key=hub_id,
                method=Method.CREATE,
                tracking_id=item.tracking_id,
                trigger="prerequisite",
                priority=item.priority + 1,
                debug=item.debug,
                parent_item_id=item.id,
            )
        )
        logs.say(item, f"{name} needs {other} in {sub.name} first: sending it first")
    logs.note(item, "prerequisite", {"data_type": data_type, "hub_id": hub_id, "item": first_id})
    return wait(
        f"waiting for prerequisite {other} to reach {sub.name} (queue item {first_id})", delay
    )


async def send(d: Delivery, connector: Connector, throttle: SubscriptionThrottle) -> Delivered:
    """Make the calls of one delivery within the subscription's throttle."""
    dt = d.item.data_type
    if d.operation == "delete":
        assert d.external_id is not None
        external_id = d.external_id
        await throttle.call(d.sub, lambda: connector.delete(dt, external_id))
        return Delivered(d.external_id, {}, link=False, unlink=True, how="deleted in")
    if d.operation in ("update", "delete_update"):
        assert d.external_id is not None
        external_id = d.external_id
        result = await throttle.call(d.sub, lambda: connector.update(dt, external_id, d.output))
        how = "updated in" if d.operation == "update" else "updated (deleted in the hub) in"
        return Delivered(result.external_id, result.extra_ids, link=True, unlink=False, how=how)
    key = f"ipaas-{d.item.id}" if connector.idempotent_create else None
    # The queue counts an attempt when the item is claimed, so more than one means an
    # earlier try may have written the record and lost the answer (a timeout after the
    # write, a killed worker, a lost database connection before the commit).
    retried = d.item.attempts > 1
    if retried and key is not None:
        # The target answers a repeated key with the record the first try made.
        return await _create(d, connector, throttle, key)
    existing = await throttle.call(d.sub, lambda: connector.find(dt, d.output))
    if retried and existing is not None:
        # Without idempotency keys a record found on a retry is most likely our own
        # earlier write; linking it keeps the target free of duplicates and the item
        # out of the error list. A real collision would have stopped the first try.
        found = existing.external_id
        result = await throttle.call(d.sub, lambda: connector.update(dt, found, d.output))
        return Delivered(result.external_id, result.extra_ids, True, False, "created (retried) in")
    decision = decide_collision(d.collision_method, existing.external_id if existing else None)
    if decision.action is CollisionAction.ERROR:
        raise FatalError(f"{d.name} already exists in {d.sub.name}: {decision.reason}")
    if decision.action is CollisionAction.UPDATE and existing is not None:
        body = d.update_output if decision.remap and d.update_output is not None else d.output
        found_id = existing.external_id
        result = await throttle.call(d.sub, lambda: connector.update(dt, found_id, body))
        how = "matched and updated in" if decision.link else "updated (not linked) in"
        return Delivered(result.external_id, result.extra_ids, decision.link, False, how)
    return await _create(d, connector, throttle, key)


async def _create(
    d: Delivery, connector: Connector, throttle: SubscriptionThrottle, key: str | None
) -> Delivered:
    dt = d.item.data_type
    result = await throttle.call(d.sub, lambda: connector.create(dt, d.output, idempotency_key=key))
    return Delivered(
        result.external_id, result.extra_ids, link=True, unlink=False, how="created in"
    )


def store_delivery(w: BatchWrites, d: Delivery, answer: Delivered) -> Outcome:
    """Remember the target's id (and extra ids) of the record just written."""
    dt = d.item.data_type
    if answer.unlink:
        w.uow.external_ids.unlink(d.sub.id, dt, d.record.id)
        w.store.store_extra_ids(d.sub.id, dt, d.record.id, {})
    elif answer.link and answer.external_id is not None:
        w.uow.external_ids.link(
            d.sub.id, dt, answer.external_id, d.record.id, synced_hash=d.record.content_hash
        )
        if answer.extra_ids:
            w.store.store_extra_ids(d.sub.id, dt, d.record.id, answer.extra_ids)
    where = f" as {answer.external_id}" if answer.external_id and not answer.unlink else ""
    return done(f"{d.name} {answer.how} {d.sub.name}{where}", d.record.id)
