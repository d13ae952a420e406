"""Storing a claim batch with shared statements: the fast path of the batch's store step.

Per record, ``handle_to_hub`` and ``store_delivery`` cost about ten statements and a
savepoint. Here the batch is stored in rounds of a few statements each: links and hub
records are read for every item at once, each item is decided in Python (mapping,
validation once, matching, echo, fan-out targets), and the round's new records, versions,
links and hashes are written with one multi-row statement each, in one savepoint.

Two items of a batch that touch the same hub record or link (e.g. two systems sending a
new record with the same sku) are never decided in the same round: the later one waits
for the next round and sees what the first wrote, as if stored one by one. When a round's
writes fail (a unique constraint: another worker stored the same new record first), the
savepoint is rolled back and its items are stored one by one by ``fallback``, which
isolates the bad record; so do the rare cases the fast path leaves to it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, TypeVar

import sqlalchemy as sa

from ipaas.domain import Direction, Method, content_hash, get_data_type
from ipaas.mapping import merge_onto
from ipaas.store.external_ids import ExternalIdLink
from ipaas.store.hub_batch import HubBatch, NewVersion
from ipaas.store.queue import QueueItem
from ipaas.store.records import HubRecord
from ipaas.store.transfer import SubscriptionInfo
from ipaas.store.types import utcnow
from ipaas.transfer.from_hub import Delivered, Delivery
from ipaas.transfer.outcome import Outcome, done, failed, label
from ipaas.transfer.to_hub import BatchWrites, change_verb, fan_out, settled
from ipaas.transfer.to_hub_prepare import Prepared, prepare_to_hub

log = logging.getLogger(__name__)


class StoreWork(Protocol):
    """One item to store: a to_hub body, or a from_hub delivery and the target's answer."""

    item: QueueItem
    body: dict[str, Any] | None
    delivery: Delivery | None
    answer: Delivered | None


W = TypeVar("W", bound=StoreWork)


@dataclass
class _Change:
    """A decided to_hub write; ``record_id`` is known once the round is written."""

    work: StoreWork
    sub: SubscriptionInfo
    name: str
    verb: str
    version: NewVersion
    record_id: int | None
    new_link: bool
    set_hash: bool
    digest: str
    deleted: bool = False


@dataclass
class _Round:
    changes: list[_Change] = field(default_factory=list)
    new_links: list[ExternalIdLink] = field(default_factory=list)
    hashes: list[ExternalIdLink] = field(default_factory=list)
    unlinks: list[tuple[int, str, int]] = field(default_factory=list)
    finished: list[tuple[StoreWork, Outcome]] = field(default_factory=list)
    extra_ids: list[tuple[int, str, int, dict[str, str]]] = field(default_factory=list)
    touched: set[tuple[Any, ...]] = field(default_factory=set)

    def claim(self, keys: list[tuple[Any, ...]]) -> bool:
        """Reserve the hub records and links an item touches; False if taken this round."""
        if any(k in self.touched for k in keys):
            return False
        self.touched.update(keys)
        return True


class _Slow(Exception):
    """This item is left to the one-by-one path (it reports the precise error there)."""


def store_batch(
    w: BatchWrites, works: list[W], fallback: Callable[[W], Outcome]
) -> dict[int, Outcome]:
    """Store ``works`` in the batch's transaction; returns the outcome per queue item id."""
    outcomes: dict[int, Outcome] = {}
    todo: list[W] = works
    while todo:
        todo = _store_round(w, todo, fallback, outcomes)
    return outcomes


def _store_round(
    w: BatchWrites,
    works: list[W],
    fallback: Callable[[W], Outcome],
    outcomes: dict[int, Outcome],
) -> list[W]:
    batch = HubBatch(w.uow.conn)
    now = utcnow()
    r = _Round()
    deferred: list[W] = []
    slow: list[W] = []
    prepared = prepare_to_hub(w, batch, [x for x in works if _to_hub(x)])
    from_hub = [x for x in works if not _to_hub(x)]
    by_hub = batch.links_by_hub(
        (x.delivery.sub.id, x.item.data_type, x.delivery.record.id)
        for x in from_hub
        if x.delivery is not None
    )
    for work in works:
        try:
            if _to_hub(work):
                ok = _decide_to_hub(w, r, work, prepared)
            else:
                ok = _decide_from_hub(r, work, by_hub)
        except _Slow:
            slow.append(work)
            continue
        except (sa.exc.OperationalError, sa.exc.InterfaceError):
            raise
        except Exception as exc:
            outcomes[work.item.id] = failed(exc)
            continue
        if not ok:
            deferred.append(work)
    savepoint = w.uow.conn.begin_nested()
    fan_out_mark = len(w.fan_out)
    try:
        _write(w, batch, r, now)
    except (sa.exc.OperationalError, sa.exc.InterfaceError):
        raise
    except Exception as exc:
        # Usually another worker stored the same new record first: isolate item by item.
        log.info("storing %d items together failed (%s); one by one", len(works), exc)
        savepoint.rollback()
        del w.fan_out[fan_out_mark:]
        slow.extend(c.work for c in r.changes)  # type: ignore[misc]
        slow.extend(work for work, _ in r.finished)  # type: ignore[misc]
    else:
        savepoint.commit()
        for done_work, outcome in r.finished:
            outcomes[done_work.item.id] = outcome
    for work in slow:
        outcomes[work.item.id] = fallback(work)
    return deferred


def _to_hub(work: StoreWork) -> bool:
    return work.item.direction is Direction.TO_HUB


# --- to_hub ---------------------------------------------------------------------------


def _decide_to_hub(w: BatchWrites, r: _Round, work: StoreWork, p: Prepared) -> bool:
    item = work.item
    if item.id in p.outcomes:
        r.finished.append((work, p.outcomes[item.id]))
        return True
    sub, link, current, partial, first, key = p.mapped[item.id]
    dt = item.data_type
    if current is None and key is not None:
        current = p.by_key.get((sub.company_id, dt, key))
        if current is not None and current.company_id != sub.company_id:
            current = None
    keys: list[tuple[Any, ...]] = [("ext", sub.id, dt, item.record_key)]
    if current is not None:
        keys += [("hub", current.id), ("link", sub.id, dt, current.id)]
    if key is not None:
        keys.append(("key", sub.company_id, dt, key))
    if item.method is Method.DELETE:
        return _decide_delete(r, work, sub, current, keys)
    spec = get_data_type(dt)
    if current is None:
        merged = first
    else:
        # The first record of an item matched by key: validated once more, merged.
        merged = spec.validate(merge_onto(current.body, partial))
        new_key = spec.match_key(merged)
        if new_key is not None:
            keys.append(("key", sub.company_id, dt, new_key))
    if not r.claim(keys):
        return False
    digest = content_hash(merged)
    name = label(dt, merged, item.record_key)
    if current is not None:
        unchanged = settled(w.store, spec, sub, name, current, link, partial, digest)
        if unchanged is not None:
            if link is None:
                r.new_links.append(ExternalIdLink(sub.id, dt, item.record_key, current.id, digest))
            r.finished.append((work, done(unchanged, current.id)))
            return True
    version = NewVersion(
        current.id if current else None,
        sub.company_id,
        dt,
        spec.match_key(merged),
        merged,
        current.version + 1 if current else 1,
        digest,
        False,
        sub.id,
        item.tracking_id,
    )
    verb = change_verb(created=current is None, matched_by_key=current is not None and link is None)
    r.changes.append(
        _Change(
            work,
            sub,
            name,
            verb,
            version,
            current.id if current else None,
            new_link=link is None,
            set_hash=link is not None,
            digest=digest,
        )
    )
    return True


def _decide_delete(
    r: _Round,
    work: StoreWork,
    sub: SubscriptionInfo,
    current: HubRecord | None,
    keys: list[tuple[Any, ...]],
) -> bool:
    item = work.item
    name = label(item.data_type, None, item.record_key)
    if current is None:
        r.finished.append((work, done(f"{name} deleted in {sub.name}: the hub never had it")))
        return True
    if not r.claim(keys):
        return False
    name = label(item.data_type, current.body, item.record_key)
    if current.deleted:
        message = f"{name} deleted in {sub.name}: already deleted in the hub"
        r.finished.append((work, done(message, current.id)))
        return True
    version = NewVersion(
        current.id,
        current.company_id,
        current.data_type,
        current.match_key,
        current.body,
        current.version + 1,
        current.content_hash,
        True,
        sub.id,
        item.tracking_id,
    )
    r.changes.append(
        _Change(work, sub, name, "", version, current.id, False, False, "", deleted=True)
    )
    return True


# --- from_hub -------------------------------------------------------------------------


def _decide_from_hub(
    r: _Round, work: StoreWork, by_hub: dict[tuple[int, str, int], ExternalIdLink]
) -> bool:
    d, answer = work.delivery, work.answer
    if d is None or answer is None:
        raise _Slow()
    dt, sub_id, hub_id = d.item.data_type, d.sub.id, d.record.id
    keys: list[tuple[Any, ...]] = [("link", sub_id, dt, hub_id), ("hub", hub_id)]
    if answer.external_id is not None:
        keys.append(("ext", sub_id, dt, answer.external_id))
    if not r.claim(keys):
        return False
    if answer.unlink:
        r.unlinks.append((sub_id, dt, hub_id))
        r.extra_ids.append((sub_id, dt, hub_id, {}))
    elif answer.link and answer.external_id is not None:
        existing = by_hub.get((sub_id, dt, hub_id))
        link = ExternalIdLink(sub_id, dt, answer.external_id, hub_id, d.record.content_hash)
        if existing is None:
            r.new_links.append(link)
        elif existing.external_id == answer.external_id:
            r.hashes.append(link)
        else:
            raise _Slow()  # linked to another id there: the one-by-one path reports it
        if answer.extra_ids:
            r.extra_ids.append((sub_id, dt, hub_id, answer.extra_ids))
    where = f" as {answer.external_id}" if answer.external_id and not answer.unlink else ""
    r.finished.append((work, done(f"{d.name} {answer.how} {d.sub.name}{where}", hub_id)))
    return True


# --- writing a round ------------------------------------------------------------------


def _write(w: BatchWrites, batch: HubBatch, r: _Round, now: datetime) -> None:
    versions = [c.version for c in r.changes]
    ids = batch.write_versions(versions, now)
    for change, record_id in zip(r.changes, ids, strict=True):
        change.record_id = record_id
        dt = change.work.item.data_type
        link = ExternalIdLink(
            change.sub.id, dt, change.work.item.record_key, record_id, change.digest
        )
        if change.new_link:
            r.new_links.append(link)
        elif change.set_hash:
            r.hashes.append(link)
    batch.unlink(r.unlinks)
    batch.add_links(r.new_links, now)
    batch.set_synced_hashes(r.hashes, now)
    for sub_id, dt, hub_id, extra in r.extra_ids:
        w.store.store_extra_ids(sub_id, dt, hub_id, extra)
    existing = [c.record_id for c in r.changes if c.version.record_id is not None]
    linked = batch.links_of_records(i for i in existing if i is not None) if existing else {}
    for change in r.changes:
        assert change.record_id is not None
        targets = fan_out(
            w,
            change.work.item,
            change.sub,
            change.record_id,
            change.version.version,
            deleted=change.deleted,
            linked=linked.get(change.record_id, {}),
        )
        sub, name = change.sub, change.name
        if change.deleted:
            message = f"{name} deleted in {sub.name}; deleted in the hub; sent on to {targets}"
        else:
            message = f"{name} {change.verb} the hub from {sub.name}; sent on to {targets}"
        r.finished.append((change.work, done(message, change.record_id)))
