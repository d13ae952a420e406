"""Hub records: upsert by hub id or match key, versions, soft delete."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ipaas.domain import content_hash, get_data_type
from ipaas.errors import NotFoundError
from ipaas.store.tables import hub_record_versions, hub_records
from ipaas.store.types import utcnow


@dataclass(frozen=True, slots=True)
class HubRecord:
    """One canonical record stored in the hub, at its current version."""

    id: int
    company_id: int
    data_type: str
    match_key: str | None
    body: dict[str, Any]
    version: int
    content_hash: str
    deleted: bool
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class HubRecordVersion:
    """A past (or the current) version of a hub record."""

    version: int
    body: dict[str, Any]
    content_hash: str
    deleted: bool
    origin_subscription_id: int | None
    tracking_id: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class UpsertResult:
    """What an upsert did: ``created`` a record, ``changed`` its content, or neither."""

    record: HubRecord
    created: bool
    changed: bool


def _row_to_record(row: sa.Row[Any]) -> HubRecord:
    m = row._mapping
    return HubRecord(
        id=m["id"],
        company_id=m["company_id"],
        data_type=m["data_type"],
        match_key=m["match_key"],
        body=m["body"],
        version=m["version"],
        content_hash=m["content_hash"],
        deleted=m["deleted"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
    )


class HubRecordRepository:
    """Hub records of every company; each call names the company it acts for."""

    def __init__(self, conn: sa.Connection) -> None:
        self._conn = conn

    def get(self, company_id: int, record_id: int) -> HubRecord:
        """The record, or ``NotFoundError`` (also when it belongs to another company)."""
        row = self._conn.execute(
            sa.select(hub_records).where(
                hub_records.c.id == record_id, hub_records.c.company_id == company_id
            )
        ).first()
        if row is None:
            raise NotFoundError(f"hub record {record_id} not found")
        return _row_to_record(row)

    def find_by_match_key(
        self, company_id: int, data_type: str, match_key: str
    ) -> HubRecord | None:
        """The record of ``data_type`` whose match key is ``match_key``, if any."""
        row = self._conn.execute(
            sa.select(hub_records).where(
                hub_records.c.company_id == company_id,
                hub_records.c.data_type == data_type,
                hub_records.c.match_key == match_key,
            )
        ).first()
        return _row_to_record(row) if row is not None else None

    def upsert(
        self,
        company_id: int,
        data_type: str,
        body: dict[str, Any],
        *,
        hub_id: int | None = None,
        origin_subscription_id: int | None = None,
        tracking_id: str | None = None,
    ) -> UpsertResult:
        """Store ``body`` as the newest version of a record.

        The record is found by ``hub_id`` if given, else by the data type's match key.
        The body is validated first; a new version is written only if the content changed.
        """
        spec = get_data_type(data_type)
        normalized = spec.validate(body)
        key = spec.match_key(normalized)
        digest = content_hash(normalized)
        current: HubRecord | None = None
        if hub_id is not None:
            current = self.get(company_id, hub_id)
        elif key is not None:
            current = self.find_by_match_key(company_id, data_type, key)
        now = utcnow()
        if current is None:
            record_id = self._conn.execute(
                sa.insert(hub_records)
                .values(
                    company_id=company_id,
                    data_type=data_type,
                    match_key=key,
                    body=normalized,
                    version=1,
                    content_hash=digest,
                    deleted=False,
                    created_at=now,
                    updated_at=now,
                )
                .returning(hub_records.c.id)
            ).scalar_one()
            self._add_version(
                record_id, 1, normalized, digest, False, origin_subscription_id, tracking_id, now
            )
            return UpsertResult(self.get(company_id, record_id), created=True, changed=True)
        if current.content_hash == digest and not current.deleted:
            return UpsertResult(current, created=False, changed=False)
        version = current.version + 1
        self._conn.execute(
            sa.update(hub_records)
            .where(hub_records.c.id == current.id)
            .values(
                match_key=key,
                body=normalized,
                version=version,
                content_hash=digest,
                deleted=False,
                updated_at=now,
            )
        )
        self._add_version(
            current.id, version, normalized, digest, False, origin_subscription_id, tracking_id, now
        )
        return UpsertResult(self.get(company_id, current.id), created=False, changed=True)

    def delete(
        self,
        company_id: int,
        record_id: int,
        *,
        origin_subscription_id: int | None = None,
        tracking_id: str | None = None,
    ) -> UpsertResult:
        """Soft-delete a record: it stays, marked deleted, with a new version."""
        current = self.get(company_id, record_id)
        if current.deleted:
            return UpsertResult(current, created=False, changed=False)
        now = utcnow()
        version = current.version + 1
        self._conn.execute(
            sa.update(hub_records)
            .where(hub_records.c.id == record_id)
            .values(version=version, deleted=True, updated_at=now)
        )
        self._add_version(
            record_id,
            version,
            current.body,
            current.content_hash,
            True,
            origin_subscription_id,
            tracking_id,
            now,
        )
        return UpsertResult(self.get(company_id, record_id), created=False, changed=True)

    def versions(self, company_id: int, record_id: int) -> list[HubRecordVersion]:
        """Every version of a record, oldest first."""
        self.get(company_id, record_id)
        rows = self._conn.execute(
            sa.select(hub_record_versions)
            .where(hub_record_versions.c.hub_record_id == record_id)
            .order_by(hub_record_versions.c.version)
        )
        return [
            HubRecordVersion(
                version=m["version"],
                body=m["body"],
                content_hash=m["content_hash"],
                deleted=m["deleted"],
                origin_subscription_id=m["origin_subscription_id"],
                tracking_id=m["tracking_id"],
                created_at=m["created_at"],
            )
            for m in (row._mapping for row in rows)
        ]

    def _add_version(
        self,
        record_id: int,
        version: int,
        body: dict[str, Any],
        digest: str,
        deleted: bool,
        origin_subscription_id: int | None,
        tracking_id: str | None,
        now: datetime,
    ) -> None:
        self._conn.execute(
            sa.insert(hub_record_versions).values(
                hub_record_id=record_id,
                version=version,
                body=body,
                content_hash=digest,
                deleted=deleted,
                origin_subscription_id=origin_subscription_id,
                tracking_id=tracking_id,
                created_at=now,
            )
        )
