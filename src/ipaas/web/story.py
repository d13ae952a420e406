"""An item's story: what triggered it, each attempt, its api calls, the mapped payload and
the error, put together for the item page."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from ipaas.mapping import LookupTable, MappingCollection, preview
from ipaas.store.external_ids import ExternalIdRepository
from ipaas.store.records import HubRecordRepository
from ipaas.store.transfer import TransferStore
from ipaas.web.queries import monitoring


@dataclass
class Story:
    item: dict[str, Any]
    steps: list[dict[str, Any]] = field(default_factory=list)
    calls: list[dict[str, Any]] = field(default_factory=list)
    related: list[dict[str, Any]] = field(default_factory=list)
    source: Any = None
    mapped: Any = None
    mapping_errors: list[dict[str, Any]] = field(default_factory=list)
    mapping_note: str | None = None
    hub_record_id: int | None = None


def _collection(
    store: TransferStore, item: dict[str, Any]
) -> tuple[MappingCollection | None, dict[str, LookupTable]]:
    for definition in store.mapping_definitions(item["subscription_id"]):
        if (
            definition.get("data_type") == item["data_type"]
            and definition.get("direction") == item["direction"]
        ):
            try:
                collection = MappingCollection.model_validate(definition)
            except ValueError:
                return None, {}
            sub = store.subscription(item["subscription_id"])
            tables: dict[str, LookupTable] = {}
            if sub is not None:
                for raw in store.lookup_definitions(sub.id, sub.integration_id):
                    try:
                        tables[raw["name"]] = LookupTable.model_validate(raw)
                    except ValueError:
                        continue
            return collection, tables
    return None, {}


def build_story(conn: sa.Connection, company_id: int, item: dict[str, Any]) -> Story:
    """Everything known about ``item`` (already checked to be visible)."""
    logs = monitoring.item_logs(conn, item["id"], item["tracking_id"])
    story = Story(item=item, calls=logs["calls"], related=logs["related"])
    story.steps = sorted(
        [
            {"at": r["at"], "kind": "activity", "level": r["level"], "text": r["message"]}
            for r in logs["activity"]
            if r["queue_item_id"] in (item["id"], None)
        ]
        + [
            {
                "at": r["at"],
                "kind": r["event"],
                "level": r["level"],
                "text": _describe(r["event"], r["details"]),
            }
            for r in logs["technical"]
            if r["queue_item_id"] == item["id"]
        ],
        key=lambda s: s["at"],
    )
    store = TransferStore(conn)
    if item["direction"] == "to_hub":
        story.source = item.get("payload")
        story.hub_record_id = ExternalIdRepository(conn).hub_id_for(
            item["subscription_id"], item["data_type"], item["record_key"]
        )
    elif item["record_key"].isdigit():
        story.hub_record_id = int(item["record_key"])
        try:
            record = HubRecordRepository(conn).get(company_id, story.hub_record_id)
            story.source = record.body
        except Exception:
            story.source = None
    sent = logs.get("mapped")
    if sent is not None:
        # The payload the last attempt really sent beats a preview with today's mapping.
        story.mapped = sent["payload"] if "payload" in sent else sent.get("excerpt")
        story.mapping_note = "What the last attempt sent" + (
            " (the start of it: it is long)." if sent.get("truncated") else "."
        )
        return story
    collection, tables = _collection(store, item)
    if collection is None:
        story.mapping_note = "No mapping collection serves this data type and direction."
    elif not isinstance(story.source, dict):
        story.mapping_note = "The source record is not stored; it is read when the item runs."
    else:
        result = preview(collection, story.source, tables)
        story.mapped = result.output
        story.mapping_errors = result.to_dict()["errors"]
        story.mapping_note = result.skipped or result.failed
    return story


def _describe(event: str, details: Any) -> str:
    d = details or {}
    if event == "retry":
        delay = float(d.get("delay") or 0)
        return f"Attempt {d.get('attempt')} failed: {d.get('error')} (next try in {delay:.1f} s)"
    if event == "error":
        return str(d.get("reason", "failed"))
    if event == "wait":
        return f"Waiting: {d.get('reason')}"
    if event == "prerequisite":
        return f"Needs {d.get('data_type')} {d.get('hub_id')} first (item {d.get('item')})"
    if event == "coalesced":
        return f"Merged newer items {d.get('items')}"
    if event == "mapped":
        return "Mapped the record for the target (the payload is shown below)"
    if event == "debug":
        return "Debug capture of source and sent payload"
    return event
