"""``DatabaseLinkResolver``: the mapping's ``LinkResolver`` over the external id links."""

from __future__ import annotations

import sqlalchemy as sa

from ipaas.mapping import MissingPrerequisite
from ipaas.store.external_ids import ExternalIdRepository
from ipaas.store.tables import hub_records


class DatabaseLinkResolver:
    """Translates hub ids and one subscription's external ids through the database.

    With ``strict`` (from_hub mapping), a linked hub record that exists but has no
    external id in this system raises ``MissingPrerequisite``: the engine sends it first.
    """

    def __init__(self, conn: sa.Connection, subscription_id: int, *, strict: bool) -> None:
        self._links = ExternalIdRepository(conn)
        self._conn = conn
        self._subscription_id = subscription_id
        self._strict = strict

    def external_id(self, data_type: str, hub_id: str) -> str | None:
        """The external id of hub record ``hub_id`` in this system (see ``strict``)."""
        try:
            record_id = int(hub_id)
        except (TypeError, ValueError):
            return None
        found = self._links.external_id_for(self._subscription_id, data_type, record_id)
        if found is None and self._strict:
            exists = self._conn.execute(
                sa.select(hub_records.c.id).where(
                    hub_records.c.id == record_id,
                    hub_records.c.data_type == data_type,
                    hub_records.c.deleted.is_(False),
                )
            ).first()
            if exists is not None:
                raise MissingPrerequisite(data_type, str(record_id))
        return found

    def hub_id(self, data_type: str, external_id: str) -> str | None:
        """The hub id linked to ``external_id`` in this system, or None."""
        found = self._links.hub_id_for(self._subscription_id, data_type, str(external_id))
        return str(found) if found is not None else None
