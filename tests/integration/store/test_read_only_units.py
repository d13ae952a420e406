"""Read-only units of work: they never wait for a writer and refuse to write."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from ipaas.bootstrap import Hub
from ipaas.store.tables import companies


def _names(hub: Hub) -> list[str]:
    with hub.unit_of_work(read_only=True) as reader:
        return list(reader.conn.execute(sa.select(companies.c.name)).scalars())


def test_a_reader_reads_the_committed_state_while_a_writer_holds_its_transaction(
    hub: Hub,
) -> None:
    with hub.unit_of_work() as writer:
        writer.tenants.create_company("Pending Co", "subscriber")
        # On SQLite the writer now holds the write lock; a reader that waited for it
        # would wait here for ever (this thread is the one that has to commit).
        assert "Pending Co" not in _names(hub)
        writer.commit()
    assert "Pending Co" in _names(hub)


def test_a_write_in_a_read_only_unit_fails(hub: Hub) -> None:
    with hub.unit_of_work(read_only=True) as reader:
        assert reader.read_only
        with pytest.raises(sa.exc.DBAPIError, match=r"read-?only"):
            reader.tenants.create_company("Sneaky Co", "subscriber")
    assert "Sneaky Co" not in _names(hub)
