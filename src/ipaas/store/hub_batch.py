"""Bulk reads and writes of hub records and external id links for one claim batch.

The transfer engine stores a whole batch with a handful of statements instead of ten per
record: links and records are read for every item at once, and new records, versions,
links and synced hashes are written with one multi-row statement each. Statements are
built once (module constants with bind parameters) so SQLAlchemy's compiled cache serves
them without rebuilding a select per call.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ipaas.store.external_ids import ExternalIdLink
from ipaas.store.records import HubRecord, _row_to_record
from ipaas.store.tables import external_ids, hub_record_versions, hub_records

_x = external_ids
_hr = hub_records

_LINKS_BY_EXTERNAL = sa.select(_x).where(
    _x.c.subscription_id == sa.bindparam("sub"),
    _x.c.data_type == sa.bindparam("dt"),
    _x.c.external_id.in_(sa.bindparam("keys", expanding=True)),
)
_LINKS_BY_HUB = sa.select(_x).where(
    _x.c.subscription_id == sa.bindparam("sub"),
    _x.c.data_type == sa.bindparam("dt"),
    _x.c.hub_record_id.in_(sa.bindparam("keys", expanding=True)),
)
_LINKS_OF_RECORDS = sa.select(_x.c.hub_record_id, _x.c.subscription_id, _x.c.external_id).where(
    _x.c.hub_record_id.in_(sa.bindparam("ids", expanding=True))
)
_RECORDS_BY_ID = sa.select(_hr).where(_hr.c.id.in_(sa.bindparam("ids", expanding=True)))
_RECORDS_BY_KEY = sa.select(_hr).where(
    _hr.c.company_id == sa.bindparam("company"),
    _hr.c.data_type == sa.bindparam("dt"),
    _hr.c.match_key.in_(sa.bindparam("keys", expanding=True)),
)
_INSERT_RECORDS = sa.insert(_hr).returning(_hr.c.id, sort_by_parameter_order=True)
_UPDATE_RECORD = (
    sa.update(_hr)
    .where(_hr.c.id == sa.bindparam("b_id"))
    .values(
        match_key=sa.bindparam("b_match_key"),
        body=sa.bindparam("b_body", type_=_hr.c.body.type),
        version=sa.bindparam("b_version"),
        content_hash=sa.bindparam("b_hash"),
        deleted=sa.bindparam("b_deleted"),
        updated_at=sa.bindparam("b_at", type_=_hr.c.updated_at.type),
    )
)
_INSERT_VERSIONS = sa.insert(hub_record_versions)
_INSERT_LINKS = sa.insert(_x)
_SET_SYNCED = (
    sa.update(_x)
    .where(
        _x.c.subscription_id == sa.bindparam("b_sub"),
        _x.c.data_type == sa.bindparam("b_dt"),
        _x.c.hub_record_id == sa.bindparam("b_hub"),
    )
    .values(
        synced_hash=sa.bindparam("b_hash"),
        updated_at=sa.bindparam("b_at", type_=_x.c.updated_at.type),
    )
)
_UNLINK = sa.delete(_x).where(
    _x.c.subscription_id == sa.bindparam("b_sub"),
    _x.c.data_type == sa.bindparam("b_dt"),
    _x.c.hub_record_id == sa.bindparam("b_hub"),
)

#: (subscription id, data type, external id)
ExternalKey = tuple[int, str, str]
#: (subscription id, data type, hub record id)
HubKey = tuple[int, str, int]


@dataclass(frozen=True, slots=True)
class NewVersion:
    """One version to write: a new record (``record_id`` None) or a change of one."""

    record_id: int | None
    company_id: int
    data_type: str
    match_key: str | None
    body: dict[str, Any]
    version: int
    content_hash: str
    deleted: bool
    origin_subscription_id: int | None
    tracking_id: str | None


def _link(m: Any) -> ExternalIdLink:
    return ExternalIdLink(
        int(m["subscription_id"]),
        m["data_type"],
        m["external_id"],
        int(m["hub_record_id"]),
        m["synced_hash"],
    )


def _grouped(keys: Iterable[tuple[int, str, Any]]) -> dict[tuple[int, str], list[Any]]:
    groups: dict[tuple[int, str], set[Any]] = {}
    for sub, dt, value in keys:
        groups.setdefault((sub, dt), set()).add(value)
    return {k: sorted(v) for k, v in groups.items()}


def _chunks(values: list[Any], size: int = 500) -> list[list[Any]]:
    return [values[i : i + size] for i in range(0, len(values), size)]


class HubBatch:
    """Bulk statements inside the caller's transaction."""

    def __init__(self, conn: sa.Connection) -> None:
        self._conn = conn

    # --- reads --------------------------------------------------------------------------

    def links_by_external(self, keys: Iterable[ExternalKey]) -> dict[ExternalKey, ExternalIdLink]:
        """Links found by (subscription, data type, external id)."""
        found: dict[ExternalKey, ExternalIdLink] = {}
        for (sub, dt), values in _grouped(keys).items():
            for chunk in _chunks(values):
                for row in self._conn.execute(
                    _LINKS_BY_EXTERNAL, {"sub": sub, "dt": dt, "keys": chunk}
                ):
                    link = _link(row._mapping)
                    found[(sub, dt, link.external_id)] = link
        return found

    def links_by_hub(self, keys: Iterable[HubKey]) -> dict[HubKey, ExternalIdLink]:
        """Links found by (subscription, data type, hub record id)."""
        found: dict[HubKey, ExternalIdLink] = {}
        for (sub, dt), values in _grouped(keys).items():
            for chunk in _chunks(values):
                for row in self._conn.execute(_LINKS_BY_HUB, {"sub": sub, "dt": dt, "keys": chunk}):
                    link = _link(row._mapping)
                    found[(sub, dt, link.hub_record_id)] = link
        return found

    def links_of_records(self, hub_ids: Iterable[int]) -> dict[int, dict[int, str]]:
        """hub record id -> subscription id -> external id."""
        found: dict[int, dict[int, str]] = {}
        for chunk in _chunks(sorted(set(hub_ids))):
            for row in self._conn.execute(_LINKS_OF_RECORDS, {"ids": chunk}):
                found.setdefault(int(row.hub_record_id), {})[int(row.subscription_id)] = (
                    row.external_id
                )
        return found

    def records_by_id(self, ids: Iterable[int]) -> dict[int, HubRecord]:
        """Hub records by id (any company: callers check the company)."""
        found: dict[int, HubRecord] = {}
        for chunk in _chunks(sorted(set(ids))):
            for row in self._conn.execute(_RECORDS_BY_ID, {"ids": chunk}):
                record = _row_to_record(row)
                found[record.id] = record
        return found

    def records_by_match_key(
        self, keys: Iterable[tuple[int, str, str]]
    ) -> dict[tuple[int, str, str], HubRecord]:
        """Hub records by (company, data type, match key)."""
        found: dict[tuple[int, str, str], HubRecord] = {}
        for (company, dt), values in _grouped(keys).items():
            for chunk in _chunks(values):
                for row in self._conn.execute(
                    _RECORDS_BY_KEY, {"company": company, "dt": dt, "keys": chunk}
                ):
                    record = _row_to_record(row)
                    assert record.match_key is not None
                    found[(company, dt, record.match_key)] = record
        return found

    # --- writes -------------------------------------------------------------------------

    def write_versions(self, versions: list[NewVersion], now: datetime) -> list[int]:
        """Insert new records, update changed ones, and add every version; returns the
        record id of each entry, in order."""
        ids: list[int | None] = [v.record_id for v in versions]
        new = [i for i, v in enumerate(versions) if v.record_id is None]
        if new:
            result = self._conn.execute(
                _INSERT_RECORDS,
                [
                    {
                        "company_id": versions[i].company_id,
                        "data_type": versions[i].data_type,
                        "match_key": versions[i].match_key,
                        "body": versions[i].body,
                        "version": versions[i].version,
                        "content_hash": versions[i].content_hash,
                        "deleted": versions[i].deleted,
                        "created_at": now,
                        "updated_at": now,
                    }
                    for i in new
                ],
            )
            for i, new_id in zip(new, result.scalars(), strict=True):
                ids[i] = int(new_id)
        changed = [v for v in versions if v.record_id is not None]
        if changed:
            self._conn.execute(
                _UPDATE_RECORD,
                [
                    {
                        "b_id": v.record_id,
                        "b_match_key": v.match_key,
                        "b_body": v.body,
                        "b_version": v.version,
                        "b_hash": v.content_hash,
                        "b_deleted": v.deleted,
                        "b_at": now,
                    }
                    for v in changed
                ],
            )
        final = [int(i) for i in ids if i is not None]
        if versions:
            self._conn.execute(
                _INSERT_VERSIONS,
                [
                    {
                        "hub_record_id": record_id,
                        "version": v.version,
                        "body": v.body,
                        "content_hash": v.content_hash,
                        "deleted": v.deleted,
                        "origin_subscription_id": v.origin_subscription_id,
                        "tracking_id": v.tracking_id,
                        "created_at": now,
                    }
                    for record_id, v in zip(final, versions, strict=True)
                ],
            )
        return final

    def add_links(self, links: list[ExternalIdLink], now: datetime) -> None:
        """Insert new links (the unique constraints catch a side linked elsewhere)."""
        if links:
            self._conn.execute(
                _INSERT_LINKS,
                [
                    {
                        "subscription_id": link.subscription_id,
                        "data_type": link.data_type,
                        "external_id": link.external_id,
                        "hub_record_id": link.hub_record_id,
                        "synced_hash": link.synced_hash,
                        "created_at": now,
                        "updated_at": now,
                    }
                    for link in links
                ],
            )

    def set_synced_hashes(self, links: list[ExternalIdLink], now: datetime) -> None:
        """Remember the content last exchanged with each system (to recognise echoes)."""
        if links:
            self._conn.execute(
                _SET_SYNCED,
                [
                    {
                        "b_sub": link.subscription_id,
                        "b_dt": link.data_type,
                        "b_hub": link.hub_record_id,
                        "b_hash": link.synced_hash,
                        "b_at": now,
                    }
                    for link in links
                ],
            )

    def unlink(self, keys: list[HubKey]) -> None:
        """Remove links by (subscription, data type, hub record id)."""
        if keys:
            self._conn.execute(
                _UNLINK, [{"b_sub": sub, "b_dt": dt, "b_hub": hub} for sub, dt, hub in keys]
            )
