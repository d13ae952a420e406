"""``DatabaseLinkResolver``: the mapping's ``LinkResolver`` over the external id links."""

from __future__ import annotations

import sqlalchemy as sa

from ipaas.domain import DATA_TYPES
from ipaas.mapping import MissingPrerequisite
from ipaas.store.external_ids import ExternalIdRepository
from ipaas.store.records import HubRecordRepository
from ipaas.store.tables import hub_records
from ipaas.store.tenants import TenantRepository


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
            # Not a hub id: a match key (e.g. a customer's email) of the same company.
            found_id = self._by_match_key(data_type, hub_id)
            if found_id is None:
                return None
            record_id = found_id
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

    def _by_match_key(self, data_type: str, value: object) -> int | None:
        if not isinstance(value, str) or not value or data_type not in DATA_TYPES:
            return None
        keys = DATA_TYPES[data_type].match_keys
        if len(keys) != 1:
            return None
        match_key = DATA_TYPES[data_type].match_key({keys[0]: value})
        if match_key is None:
            return None
        company_id = TenantRepository(self._conn).subscription_company(self._subscription_id)
        record = HubRecordRepository(self._conn).find_by_match_key(company_id, data_type, match_key)
        return record.id if record is not None else None

    def hub_id(self, data_type: str, external_id: str) -> str | None:
        """The hub id linked to ``external_id`` in this system, or None."""
        found = self._links.hub_id_for(self._subscription_id, data_type, str(external_id))
        return str(found) if found is not None else None
