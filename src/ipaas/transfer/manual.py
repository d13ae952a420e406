"""Manual transfers and initialization: queue records on demand, either direction.

``transfer_records`` queues thousands of ids in one statement; ``debug`` puts them ahead
of the queue (priority) and records full bodies. ``initialize`` streams every record of
a data type in pages (``connector.poll(since=None)`` to the hub, hub records from it),
storing progress after each page so an interrupted run resumes where it stopped.
"""

from __future__ import annotations

from dataclasses import dataclass

from ipaas.bootstrap import Hub
from ipaas.domain import Direction, Method, dependency_order, get_data_type
from ipaas.errors import ValidationError
from ipaas.store import NewQueueItem, UnitOfWork, new_tracking_id
from ipaas.store.transfer import InitializationRow, TransferStore
from ipaas.transfer.provider import ConnectorProvider

DEBUG_PRIORITY = 10


@dataclass(frozen=True, slots=True)
class ManualTransfer:
    """A queued manual transfer: its tracking id and how many items it queued (ids the
    subscription has no link for, or hub records of another company, are left out)."""

    tracking_id: str
    queued: int


def transfer_records(
    hub: Hub,
    subscription_id: int,
    data_type: str,
    direction: Direction | str,
    ids: list[str],
    *,
    by: str = "external",
    debug: bool = False,
) -> ManualTransfer:
    """Queue records of one subscription by external ids or hub ids.

    to_hub reads each record from the system; from_hub sends the hub's version to it.
    """
    with hub.unit_of_work() as uow:
        company_id = uow.tenants.subscription_company(subscription_id)
        queued = queue_transfer(
            uow, subscription_id, company_id, data_type, Direction(direction), ids, by, debug
        )
        uow.commit()
    return queued


def queue_transfer(
    uow: UnitOfWork,
    subscription_id: int,
    company_id: int,
    data_type: str,
    direction: Direction,
    ids: list[str],
    by: str,
    debug: bool,
) -> ManualTransfer:
    """``transfer_records`` inside the caller's unit of work (not committed)."""
    get_data_type(data_type)
    if by not in ("external", "hub"):
        raise ValidationError("by must be 'external' or 'hub'", field="by")
    if by == "hub" and not all(i.isdigit() and len(i) < 19 for i in ids):
        raise ValidationError("hub ids are numbers", field="ids")
    store = TransferStore(uow.conn)
    keys: list[str]
    if direction is Direction.TO_HUB:
        if by == "hub":
            links = store.links_by_hub_id(subscription_id, data_type, [int(i) for i in ids])
            keys = [links[int(i)][0] for i in ids if int(i) in links]
        else:
            keys = list(ids)
        method = Method.READ
    else:
        if by == "external":
            found = store.links_by_external_id(subscription_id, data_type, ids)
            keys = [str(found[i]) for i in ids if i in found]
        else:
            hub_ids = [int(i) for i in ids]
            own = store.hub_records_by_id(hub_ids)
            keys = [str(i) for i in hub_ids if i in own and own[i].company_id == company_id]
        method = Method.UPDATE
    tracking = new_tracking_id()
    uow.queue.enqueue_many(
        [
            NewQueueItem(
                subscription_id,
                direction,
                data_type,
                key,
                method,
                tracking_id=tracking,
                trigger="manual",
                priority=DEBUG_PRIORITY if debug else 0,
                debug=debug,
            )
            for key in keys
        ]
    )
    return ManualTransfer(tracking, len(keys))


async def initialize(
    hub: Hub,
    subscription_id: int,
    data_types: list[str],
    direction: Direction | str,
    *,
    provider: ConnectorProvider | None = None,
    page_size: int = 1000,
    debug: bool = False,
) -> list[InitializationRow]:
    """Queue every record of ``data_types`` (in dependency order), resuming runs that stopped."""
    direction = Direction(direction)
    results = []
    for data_type in dependency_order(data_types):
        if direction is Direction.TO_HUB:
            connector = (provider or hub.connectors).get(subscription_id)  # type: ignore[union-attr]
            results.append(
                await _initialize_to_hub(hub, subscription_id, data_type, connector, debug)
            )
        else:
            results.append(_initialize_from_hub(hub, subscription_id, data_type, page_size, debug))
    return results


def _start(
    hub: Hub, subscription_id: int, data_type: str, direction: Direction, debug: bool
) -> InitializationRow:
    with hub.unit_of_work() as uow:
        store = TransferStore(uow.conn)
        row = store.open_initialization(subscription_id, data_type, direction.value)
        if row is None:
            row = store.start_initialization(
                subscription_id, data_type, direction.value, new_tracking_id(), debug
            )
        uow.commit()
    return row


async def _initialize_to_hub(
    hub: Hub, subscription_id: int, data_type: str, connector: object, debug: bool
) -> InitializationRow:
    row = _start(hub, subscription_id, data_type, Direction.TO_HUB, debug)
    async for page in connector.poll(data_type, row.cursor):  # type: ignore[attr-defined]
        with hub.unit_of_work() as uow:
            uow.queue.enqueue_many(
                [
                    NewQueueItem(
                        subscription_id,
                        Direction.TO_HUB,
                        data_type,
                        r.external_id,
                        Method.DELETE if r.deleted else Method.UPDATE,
                        payload=None if r.deleted else r.body,
                        tracking_id=row.tracking_id,
                        trigger="initialize",
                        debug=row.debug,
                    )
                    for r in page.records
                ]
            )
            TransferStore(uow.conn).advance_initialization(
                row.id, page.watermark, len(page.records)
            )
            uow.commit()
    with hub.unit_of_work() as uow:
        store = TransferStore(uow.conn)
        store.finish_initialization(row.id)
        uow.commit()
        return store.initialization(row.id)


def _initialize_from_hub(
    hub: Hub, subscription_id: int, data_type: str, page_size: int, debug: bool
) -> InitializationRow:
    row = _start(hub, subscription_id, data_type, Direction.FROM_HUB, debug)
    after = int(row.cursor or 0)
    with hub.unit_of_work() as uow:
        company_id = uow.tenants.subscription_company(subscription_id)
    while True:
        with hub.unit_of_work() as uow:
            store = TransferStore(uow.conn)
            rows = store.hub_record_page(company_id, data_type, after, page_size)
            page = [(i, d) for i, d in rows if not d]
            ids = [i for i, _ in rows]
            if not ids:
                store.finish_initialization(row.id)
                uow.commit()
                return store.initialization(row.id)
            uow.queue.enqueue_many(
                [
                    NewQueueItem(
                        subscription_id,
                        Direction.FROM_HUB,
                        data_type,
                        str(hub_id),
                        Method.UPDATE,
                        tracking_id=row.tracking_id,
                        trigger="initialize",
                        debug=row.debug,
                    )
                    for hub_id, _ in page
                ]
            )
            after = ids[-1]
            store.advance_initialization(row.id, str(after), len(page))
            uow.commit()
