"""kill -9 of a worker process mid-burst, and its database connections cut: every record
reaches the target exactly once (PostgreSQL, real ``ipaas worker`` subprocesses)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from faults.sink import SINK_DDL
from integration.transfer.world import IN, OUT, make_world
from ipaas.bootstrap import bootstrap
from ipaas.domain import Direction, Method, QueueState
from ipaas.settings import Settings
from ipaas.store import NewQueueItem

ROOT = Path(__file__).resolve().parents[2]
IPAAS = str(Path(sys.executable).parent / "ipaas")


def _start_worker(url: str, tmp_path: Path, name: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "IPAAS_DATABASE_URL": url,
        "IPAAS_DATA_DIR": str(tmp_path),
        "IPAAS_LOG_LEVEL": "warning",
        "PYTHONPATH": f"{ROOT / 'tests'}:{ROOT / 'src'}",
    }
    with (tmp_path / f"{name}.log").open("wb") as log:
        return subprocess.Popen(
            [
                IPAAS,
                "worker",
                "--concurrency",
                "2",
                "--batch-size",
                "20",
                "--lease-seconds",
                "2",
                "--provider",
                "faults.sink:provider",
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=tmp_path,
        )


def _wait_for(check: object, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return True
        time.sleep(0.1)
    return False


@pytest.mark.pg
def test_kill_9_mid_burst_delivers_every_record_once(pg_database_url: str, tmp_path: Path) -> None:
    hub = bootstrap(Settings(database_url=pg_database_url, data_dir=tmp_path))
    try:
        w = make_world(hub)
        w.add_system("shop", OUT)
        w.add_system("sink", IN)
        with hub.unit_of_work() as uow:
            uow.conn.exec_driver_sql(SINK_DDL)
            uow.queue.enqueue_many(
                [
                    NewQueueItem(
                        w.ids["shop"],
                        Direction.TO_HUB,
                        "product",
                        f"s{n}",
                        Method.CREATE,
                        {"code": f"SKU-{n}", "title": f"Product {n}"},
                    )
                    for n in range(1000)
                ]
            )
            uow.commit()

        def delivered() -> int:
            with hub.engine.connect() as conn:
                return int(conn.exec_driver_sql("SELECT count(*) FROM sink_records").scalar_one())

        first = _start_worker(pg_database_url, tmp_path, "first")
        try:
            assert _wait_for(lambda: delivered() >= 150, 60)
        finally:
            first.send_signal(signal.SIGKILL)
            first.wait(10)
        assert delivered() < 1000

        second = _start_worker(pg_database_url, tmp_path, "second")
        try:
            assert _wait_for(lambda: delivered() >= 500, 60)
            # the database "restarts": cut every connection of the worker
            database = sa.make_url(pg_database_url).database
            with hub.engine.connect() as conn:
                conn.execute(
                    sa.text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = :d AND pid <> pg_backend_pid()"
                    ),
                    {"d": database},
                )
                conn.commit()
            hub.engine.dispose()

            def finished() -> bool:
                with hub.unit_of_work() as uow:
                    return uow.queue.count_due(within_seconds=60) == 0

            assert _wait_for(finished, 90)
            assert second.poll() is None  # it survived the lost connections
        finally:
            second.send_signal(signal.SIGTERM)
            try:
                second.wait(15)
            except subprocess.TimeoutExpired:
                second.kill()
        with hub.engine.connect() as conn:
            rows, codes = conn.exec_driver_sql(
                "SELECT count(*), count(distinct code) FROM sink_records"
            ).one()
        assert (rows, codes) == (1000, 1000)
        with hub.unit_of_work() as uow:
            assert uow.queue.count(state=QueueState.ERROR) == 0
            assert uow.queue.count(state=QueueState.DONE) == 2000
    finally:
        hub.close()
