"""External ids: the link between a hub record and its id in one subscription's system."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from ipaas.errors import DuplicateExternalIdError
from ipaas.store.tables import external_ids
from ipaas.store.types import utcnow


@dataclass(frozen=True, slots=True)
class ExternalIdLink:
    subscription_id: int
    data_type: str
    external_id: str
    hub_record_id: int
    synced_hash: str | None


class ExternalIdRepository:
    """Look-ups both ways, and links unique per (subscription, data type) on either side."""

    def __init__(self, conn: sa.Connection) -> None:
        self._conn = conn

    def link(
        self,
        subscription_id: int,
        data_type: str,
        external_id: str,
        hub_record_id: int,
        *,
        synced_hash: str | None = None,
    ) -> None:
        """Link ``external_id`` to a hub record; re-linking the same pair updates the hash.

        Raises ``DuplicateExternalIdError`` when either side is already linked elsewhere.
        """
        existing = self.get(subscription_id, data_type, external_id=external_id)
        if existing is not None:
            if existing.hub_record_id != hub_record_id:
                raise DuplicateExternalIdError(
                    f"external id {external_id!r} of {data_type} is already linked to hub "
                    f"record {existing.hub_record_id} in subscription {subscription_id}",
                    field="external_id",
                )
            self.set_synced_hash(subscription_id, data_type, hub_record_id, synced_hash)
            return
        other = self.get(subscription_id, data_type, hub_record_id=hub_record_id)
        if other is not None:
            raise DuplicateExternalIdError(
                f"hub record {hub_record_id} of {data_type} is already linked to external id "
                f"{other.external_id!r} in subscription {subscription_id}",
                field="hub_record_id",
            )
        now = utcnow()
        self._conn.execute(
            sa.insert(external_ids).values(
                subscription_id=subscription_id,
                data_type=data_type,
                external_id=external_id,
                hub_record_id=hub_record_id,
                synced_hash=synced_hash,
                created_at=now,
                updated_at=now,
            )
        )

    def get(
        self,
        subscription_id: int,
        data_type: str,
        *,
        external_id: str | None = None,
        hub_record_id: int | None = None,
    ) -> ExternalIdLink | None:
        """The link found by ``external_id`` or by ``hub_record_id`` (give one)."""
        query = sa.select(external_ids).where(
            external_ids.c.subscription_id == subscription_id,
            external_ids.c.data_type == data_type,
        )
        if external_id is not None:
            query = query.where(external_ids.c.external_id == external_id)
        elif hub_record_id is not None:
            query = query.where(external_ids.c.hub_record_id == hub_record_id)
        else:
            raise ValueError("give external_id or hub_record_id")
        row = self._conn.execute(query).first()
        if row is None:
            return None
        m = row._mapping
        return ExternalIdLink(
            m["subscription_id"],
            m["data_type"],
            m["external_id"],
            m["hub_record_id"],
            m["synced_hash"],
        )

    def hub_id_for(self, subscription_id: int, data_type: str, external_id: str) -> int | None:
        """The hub record linked to ``external_id``, if any."""
        link = self.get(subscription_id, data_type, external_id=external_id)
        return link.hub_record_id if link else None

    def external_id_for(
        self, subscription_id: int, data_type: str, hub_record_id: int
    ) -> str | None:
        """The external id of a hub record in one subscription's system, if any."""
        link = self.get(subscription_id, data_type, hub_record_id=hub_record_id)
        return link.external_id if link else None

    def links_of(self, hub_record_id: int) -> list[ExternalIdLink]:
        """Every system's external id of a hub record."""
        rows = self._conn.execute(
            sa.select(external_ids).where(external_ids.c.hub_record_id == hub_record_id)
        )
        return [
            ExternalIdLink(
                m["subscription_id"],
                m["data_type"],
                m["external_id"],
                m["hub_record_id"],
                m["synced_hash"],
            )
            for m in (r._mapping for r in rows)
        ]

    def set_synced_hash(
        self, subscription_id: int, data_type: str, hub_record_id: int, synced_hash: str | None
    ) -> None:
        """Remember the content last exchanged with that system (to recognise echoes)."""
        self._conn.execute(
            sa.update(external_ids)
            .where(
                external_ids.c.subscription_id == subscription_id,
                external_ids.c.data_type == data_type,
                external_ids.c.hub_record_id == hub_record_id,
            )
            .values(synced_hash=synced_hash, updated_at=utcnow())
        )

    def unlink(self, subscription_id: int, data_type: str, hub_record_id: int) -> bool:
        """Remove a link (reset it); True if there was one."""
        result = self._conn.execute(
            sa.delete(external_ids).where(
                external_ids.c.subscription_id == subscription_id,
                external_ids.c.data_type == data_type,
                external_ids.c.hub_record_id == hub_record_id,
            )
        )
        return result.rowcount > 0
