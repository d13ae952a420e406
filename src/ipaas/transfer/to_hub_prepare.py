"""The first half of storing a batch's to_hub items: read their links and hub records at
once, and map each body (``batch_store`` then decides and writes them)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from ipaas.domain import Method, get_data_type
from ipaas.errors import FatalError, NotFoundError
from ipaas.store.external_ids import ExternalIdLink
from ipaas.store.hub_batch import HubBatch
from ipaas.store.records import HubRecord
from ipaas.transfer.outcome import Outcome, done, failed
from ipaas.transfer.to_hub import BatchWrites, SkippedByFilter, map_to_hub


@dataclass
class Prepared:
    """Links, records, mapped bodies and early outcomes of a round's to_hub items."""

    links: dict[tuple[int, str, str], ExternalIdLink]
    records: dict[int, HubRecord]
    # item id -> (subscription, link, current, partial, first validation, its match key)
    mapped: dict[int, Any]
    by_key: dict[tuple[int, str, str], HubRecord]
    outcomes: dict[int, Outcome]


def prepare_to_hub(w: BatchWrites, batch: HubBatch, works: list[Any]) -> Prepared:
    """Read links and records for every to_hub item, and map the bodies (``works`` have
    ``item`` and ``body``)."""
    conn = w.uow.conn
    links = batch.links_by_external(
        (x.item.subscription_id, x.item.data_type, x.item.record_key) for x in works
    )
    records = batch.records_by_id(link.hub_record_id for link in links.values())
    p = Prepared(links, records, {}, {}, {})
    wanted: list[tuple[int, str, str]] = []
    for work in works:
        item = work.item
        try:
            sub = w.directory.info(conn, item.subscription_id)
            if not sub.flows_to_hub(item.data_type):
                p.outcomes[item.id] = done(
                    f"{item.data_type} is not sent to the hub by {sub.name}: flow is off"
                )
                continue
            link = links.get((sub.id, item.data_type, item.record_key))
            current = records.get(link.hub_record_id) if link else None
            if link is not None and (current is None or current.company_id != sub.company_id):
                raise NotFoundError(f"hub record {link.hub_record_id} not found")
            if item.method is Method.DELETE:
                p.mapped[item.id] = (sub, link, current, None, None, None)
                continue
            if work.body is None:
                p.outcomes[item.id] = failed(
                    FatalError(f"no record body for {item.data_type} {item.record_key}")
                )
                continue
            partial = map_to_hub(w, item, sub, work.body, current)
            spec = get_data_type(item.data_type)
            first = key = None
            if current is None:
                first = spec.validate(partial)
                key = spec.match_key(first)
                if key is not None:
                    wanted.append((sub.company_id, item.data_type, key))
            p.mapped[item.id] = (sub, link, current, partial, first, key)
        except SkippedByFilter as skipped:
            p.outcomes[item.id] = done(str(skipped))
        except (sa.exc.OperationalError, sa.exc.InterfaceError):
            raise
        except Exception as exc:
            p.outcomes[item.id] = failed(exc)
    p.by_key = batch.records_by_match_key(wanted) if wanted else {}
    return p
