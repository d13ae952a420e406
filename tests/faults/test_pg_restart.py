"""PostgreSQL restarted in the middle of a burst, under running workers."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import shutil
import socket
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from faults.counting import LoggingTarget, assert_each_once_in_order, burst
from faults.pg_cluster import PgCluster
from integration.transfer.world import IN, OUT, make_world
from ipaas.bootstrap import Hub, bootstrap
from ipaas.domain import QueueState
from ipaas.settings import Settings
from ipaas.store import migrate
from ipaas.transfer.worker import run_workers

pytestmark = [pytest.mark.pg, pytest.mark.anyio]


def _spare_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def cluster() -> Iterator[PgCluster]:
    """Our own PostgreSQL on a spare port, stopped and removed at the end."""
    # Not under pytest's tmp_path: its parents are private to root, and the server may
    # have to run as the postgres user.
    directory = Path(tempfile.mkdtemp(prefix="ipaas-fault-pg-"))
    try:
        pg = PgCluster(directory, _spare_port())
        pg.start()
        try:
            yield pg
        finally:
            with contextlib.suppress(Exception):
                pg.stop("immediate")
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _open_items(hub: Hub) -> int | None:
    try:
        with hub.unit_of_work() as uow:
            return uow.queue.count_due(within_seconds=3600)
    except Exception:
        return None  # the database is down right now


async def test_restart_during_a_burst_loses_and_duplicates_nothing(
    cluster: PgCluster, tmp_path: Path
) -> None:
    """Guarantee: stopping PostgreSQL (fast: every connection cut) while workers are in
    the middle of a burst, and starting it again, loses no committed item and duplicates
    no record at the target; each record's versions arrive in order, none ends in error."""
    migrate.upgrade(cluster.url)
    hub = bootstrap(Settings(database_url=cluster.url, data_dir=tmp_path))
    try:
        w = make_world(hub)
        w.add_system("shop", OUT)
        w.add_system("erp", IN)
        erp = w.systems["erp"] = LoggingTarget(id_prefix="erp-", latency=0.001)
        sent = burst(w, "shop", records=150, versions=2)
        stop = asyncio.Event()
        # a short lease: the batch in flight when the server went down is claimed again
        # soon, as a crashed worker's would be
        options = dataclasses.replace(w.options, lease_seconds=2.0)
        workers = asyncio.create_task(
            run_workers(hub, 2, stop, options=options, provider=w.provider())
        )
        try:
            deadline = time.monotonic() + 60
            while len(erp.written) < 60 and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            assert 0 < len(erp.written) < 300, "the restart must land mid-burst"
            await asyncio.to_thread(cluster.stop, "fast")
            await asyncio.sleep(1.0)
            await asyncio.to_thread(cluster.start)
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline:
                if await asyncio.to_thread(_open_items, hub) == 0:
                    break
                await asyncio.sleep(0.2)
        finally:
            stop.set()
            await asyncio.wait_for(workers, 30)
        assert_each_once_in_order(erp, sent)
        with hub.unit_of_work() as uow:
            errors = [i.last_error or "" for i in uow.queue.items(state=QueueState.ERROR)]
            assert uow.queue.count_due(within_seconds=3600) == 0
        # A create that reached the target just before the server went down is retried;
        # it must link the record it made, not fail as a collision.
        assert errors == []
    finally:
        hub.close()
