"""Webhook ingest on PostgreSQL: the ``bench_ingest`` load against a hub on PostgreSQL.

Same server, same raw client and same check (every 202 is a committed queue item) as
``bench/bench_ingest.py``; the hub's database is a fresh one on the PostgreSQL server at
127.0.0.1:5432 (skipped when it cannot be reached).

Figures: ``ingest_pg.webhooks_per_s_c{1,32,128}`` and ``ingest_pg.p99_ms_c{1,32,128}``.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import sqlalchemy as sa

if __package__ in (None, ""):
    sys.path[:0] = [str(Path(__file__).resolve().parents[1])]

from bench import bench_ingest
from bench._loopback import free_port, log, python_env, stop, wait_listening
from bench._support import PG_ADMIN, scratch_pg_database, webhook_subscription


def _prepare(url: str) -> str:
    from ipaas.bootstrap import bootstrap
    from ipaas.settings import Settings
    from ipaas.store import migrate

    migrate.upgrade(url)
    hub = bootstrap(Settings(database_url=url))
    _subscription, key = webhook_subscription(hub, "Bench Ltd")
    return key


def _committed(url: str) -> int:
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    try:
        with engine.connect() as conn:
            return int(conn.exec_driver_sql("SELECT count(*) FROM queue_items").scalar_one())
    finally:
        engine.dispose()


def run(quick: bool) -> list[dict[str, Any]]:
    """Ingest at 1, 32 and 128 senders against a hub on PostgreSQL."""
    seconds = 1.5 if quick else 10.0
    figures: list[dict[str, Any]] = []
    with scratch_pg_database("ipaas_bench_ingest") as url:
        if url is None:
            log(f"ingest_pg skipped: PostgreSQL unreachable at {PG_ADMIN}")
            return []
        key = _prepare(url)
        port = free_port()
        with tempfile.TemporaryDirectory(prefix="ipaas-bench-ingest-pg-") as tmp:
            env = python_env(IPAAS_DATABASE_URL=url, IPAAS_DATA_DIR=tmp)
            script = bench_ingest._SERVER.format(port=port)
            server = subprocess.Popen([sys.executable, "-c", script], env=env, cwd=tmp)
            accepted = 0
            try:
                wait_listening(port, server)
                with asyncio.Runner() as runner:
                    runner.run(bench_ingest._load(port, key, 32, 1.0, "warmup"))
                    for concurrency in (1, 32, 128):
                        result = runner.run(
                            bench_ingest._load(port, key, concurrency, seconds, f"c{concurrency}")
                        )
                        accepted += result["accepted"]
                        figures += [
                            {"figure": f"ingest_pg.webhooks_per_s_c{concurrency}",
                             "value": round(result["per_s"], 1), "unit": "webhooks/s"},
                            {"figure": f"ingest_pg.p99_ms_c{concurrency}",
                             "value": round(result["p99_ms"], 2), "unit": "ms"},
                        ]  # fmt: skip
            finally:
                stop(server)
        committed = _committed(url)
        if committed < accepted:
            raise RuntimeError(f"{accepted} webhooks answered 202 but {committed} committed")
    return figures


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    for figure in run(quick="--quick" in sys.argv):
        print(json.dumps(figure), flush=True)
