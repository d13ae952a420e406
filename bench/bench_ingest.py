"""Webhook ingest: generic-hook webhooks accepted and committed per second, and their p99.

The hub runs under uvicorn in a subprocess on an SQLite file; this process loads it over
keep-alive HTTP/1.1 connections (a small raw asyncio client: httpx would cost more CPU
than the server on a 2-core machine). Every request carries one notification for a new
record, so each 202 means one queue item committed. The count of queue items is checked
against the number of 202 answers afterwards.

Figures: ``ingest.webhooks_per_s_c{1,32,128}`` and ``ingest.p99_ms_c{1,32,128}``; and,
since the machine is shared, ``ingest.server_cpu_us_per_webhook_c32`` (the server's CPU
time per accepted webhook) and ``ingest.webhooks_per_core_s_c32`` (its inverse).
Run: ``.venv/bin/python bench/bench_ingest.py [--quick]``.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
if __package__ in (None, ""):
    sys.path.insert(0, str(ROOT))

from bench._loopback import free_port, percentile, read_content_length, wait_listening  # noqa: E402
from bench._support import webhook_subscription  # noqa: E402
from ipaas.bootstrap import bootstrap  # noqa: E402
from ipaas.settings import Settings  # noqa: E402
from ipaas.store import migrate  # noqa: E402

_SERVER = """
import uvicorn
from ipaas.api.app import create_app
from ipaas.bootstrap import bootstrap
from ipaas.settings import Settings
uvicorn.run(create_app(bootstrap(Settings())), host="127.0.0.1", port={port},
            log_level="warning", access_log=False, lifespan="off", ws="none")
"""


def _prepare(data_dir: Path) -> tuple[str, str, int]:
    url = f"sqlite:///{data_dir / 'ipaas.db'}"
    # IPAAS_BENCH_REVISION lets a run skip a half-written migration of another area.
    migrate.upgrade(url, os.environ.get("IPAAS_BENCH_REVISION", "head"))
    hub = bootstrap(Settings(database_url=url, data_dir=data_dir))
    subscription, key = webhook_subscription(hub, "Bench Ltd")
    return url, key, subscription


def _queue_count(url: str, data_dir: Path) -> int:
    hub = bootstrap(Settings(database_url=url, data_dir=data_dir))
    try:
        with hub.unit_of_work() as uow:
            return uow.queue.count()
    finally:
        hub.close()


async def _sender(
    port: int,
    key: str,
    prefix: str,
    stop_at: float,
    latencies: list[float],
    statuses: dict[int, int],
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = (
        "POST /hooks/v1/notifications HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Bearer {key}\r\nContent-Type: application/json\r\n"
    )
    n = 0
    try:
        while time.perf_counter() < stop_at:
            n += 1
            body = json.dumps(
                {"notifications": [{"scope": "product/updated", "external_id": f"{prefix}-{n}"}]}
            ).encode()
            request = (head + f"Content-Length: {len(body)}\r\n\r\n").encode() + body
            started = time.perf_counter()
            writer.write(request)
            status_line = await reader.readline()
            await reader.readexactly(await read_content_length(reader))
            latencies.append(time.perf_counter() - started)
            status = int(status_line.split()[1])
            statuses[status] = statuses.get(status, 0) + 1
    finally:
        writer.close()


async def _load(
    port: int, key: str, concurrency: int, seconds: float, label: str
) -> dict[str, Any]:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    started = time.perf_counter()
    stop_at = started + seconds
    await asyncio.gather(
        *(
            _sender(port, key, f"{label}-{i}", stop_at, latencies, statuses)
            for i in range(concurrency)
        )
    )
    elapsed = time.perf_counter() - started
    p99 = percentile(latencies, 0.99)
    return {
        "accepted": statuses.get(202, 0),
        "statuses": statuses,
        "per_s": statuses.get(202, 0) / elapsed,
        "p99_ms": p99 * 1000,
    }


def _cpu_seconds(pid: int) -> float:
    import psutil

    times = psutil.Process(pid).cpu_times()
    return float(times.user + times.system)


def run(quick: bool) -> list[dict[str, Any]]:
    """Measure ingest at concurrency 1, 32 and 128 against a hub in a subprocess."""
    seconds = 1.5 if quick else 10.0
    try:
        import uvloop

        loop_factory: Any = uvloop.new_event_loop
    except ImportError:  # pragma: no cover
        loop_factory = asyncio.new_event_loop
    figures: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="ipaas-bench-ingest-") as tmp:
        data_dir = Path(tmp)
        url, key, _subscription = _prepare(data_dir)
        port = free_port()
        env = {**os.environ, "IPAAS_DATABASE_URL": url, "IPAAS_DATA_DIR": str(data_dir)}
        env["PYTHONPATH"] = str(ROOT / "src")
        server = subprocess.Popen(
            [sys.executable, "-c", _SERVER.format(port=port)], env=env, cwd=tmp
        )
        try:
            wait_listening(port, server, timeout=30)
            with asyncio.Runner(loop_factory=loop_factory) as runner:
                runner.run(_load(port, key, 32, 1.0, "warmup"))
                accepted = 0
                for concurrency in (1, 32, 128):
                    cpu_before = _cpu_seconds(server.pid)
                    result = runner.run(_load(port, key, concurrency, seconds, f"c{concurrency}"))
                    cpu_used = _cpu_seconds(server.pid) - cpu_before
                    if concurrency == 32 and result["accepted"]:
                        # Independent of what else runs on the machine: the server's own
                        # CPU per webhook (all threads), and the rate one core would allow.
                        per_webhook = cpu_used / result["accepted"]
                        figures.append(
                            {
                                "figure": "ingest.server_cpu_us_per_webhook_c32",
                                "value": round(per_webhook * 1e6, 1),
                                "unit": "us",
                            }
                        )
                        figures.append(
                            {
                                "figure": "ingest.webhooks_per_core_s_c32",
                                "value": round(1 / per_webhook, 1),
                                "unit": "webhooks/s",
                            }
                        )
                    accepted += result["accepted"]
                    if set(result["statuses"]) != {202}:
                        print(f"# c{concurrency} statuses: {result['statuses']}", file=sys.stderr)
                    figures.append(
                        {
                            "figure": f"ingest.webhooks_per_s_c{concurrency}",
                            "value": round(result["per_s"], 1),
                            "unit": "webhooks/s",
                        }
                    )
                    figures.append(
                        {
                            "figure": f"ingest.p99_ms_c{concurrency}",
                            "value": round(result["p99_ms"], 2),
                            "unit": "ms",
                        }
                    )
        finally:
            server.terminate()
            server.wait(timeout=10)
        committed = _queue_count(url, data_dir)
        # Warm-up requests are committed too; every 202 must be a committed item.
        if committed < accepted:
            raise RuntimeError(f"{accepted} webhooks answered 202 but {committed} items committed")
    return figures


if __name__ == "__main__":
    for figure in run(quick="--quick" in sys.argv):
        print(json.dumps(figure), flush=True)
