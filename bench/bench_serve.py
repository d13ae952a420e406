"""Memory of ``ipaas serve``: at rest, and under a webhook load.

The real command (``ipaas serve``) runs in a subprocess on a fresh SQLite data dir; its
resident memory (process and children) is read with psutil after it has been idle, then
sampled while 32 senders POST generic-hook webhooks for a bounded time.

Figures: ``serve.rss_mb_idle``, ``serve.rss_mb_load`` (the peak sampled under load) and
``serve.load_webhooks_per_s`` (what the load reached, for context).
Run: ``.venv/bin/python -m bench serve``.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path[:0] = [str(Path(__file__).resolve().parents[1])]

from bench._loopback import HttpConnection, free_port, log, python_env, rss_mb, stop, wait_listening
from bench._support import webhook_subscription

IPAAS = str(Path(sys.executable).parent / "ipaas")
SENDERS = 32


def _prepare(data_dir: Path) -> str:
    """Migrate the data dir's database and make a subscription with a webhook key."""
    from ipaas.bootstrap import bootstrap
    from ipaas.settings import Settings

    hub = bootstrap(Settings(data_dir=data_dir), migrate_database=True)
    _subscription, key = webhook_subscription(hub, "Idle Ltd")
    return key


async def _load(port: int, key: str, pid: int, seconds: float) -> tuple[int, float]:
    """Webhooks from ``SENDERS`` connections for ``seconds``; returns (accepted, peak MiB)."""
    accepted = 0
    peak = 0.0
    stop_at = time.monotonic() + seconds

    async def sender(index: int) -> None:
        nonlocal accepted
        connection = HttpConnection(port)
        headers = {"Authorization": f"Bearer {key}"}
        n = 0
        try:
            while time.monotonic() < stop_at:
                n += 1
                body = {
                    "notifications": [{"scope": "product/updated", "external_id": f"{index}-{n}"}]
                }
                status, _ = await connection.request(
                    "POST", "/hooks/v1/notifications", body, headers
                )
                accepted += status == 202
        finally:
            connection.close()

    async def sampler() -> None:
        nonlocal peak
        while time.monotonic() < stop_at:
            peak = max(peak, rss_mb(pid))
            await asyncio.sleep(0.25)

    await asyncio.gather(sampler(), *(sender(i) for i in range(SENDERS)))
    return accepted, peak


def run(quick: bool) -> list[dict[str, Any]]:
    """Start ``ipaas serve``, read its memory at rest and under load."""
    idle_s, load_s = (1.5, 2.0) if quick else (10.0, 15.0)
    with tempfile.TemporaryDirectory(prefix="ipaas-bench-serve-") as tmp:
        key = _prepare(Path(tmp))
        port = free_port()
        env = python_env(IPAAS_DATA_DIR=tmp, IPAAS_LOG_LEVEL="warning", IPAAS_PORT=str(port))
        env.pop("IPAAS_DATABASE_URL", None)
        server = subprocess.Popen([IPAAS, "serve"], env=env, cwd=tmp)
        try:
            wait_listening(port, server)
            time.sleep(idle_s)
            idle = rss_mb(server.pid)
            started = time.monotonic()
            accepted, peak = asyncio.run(_load(port, key, server.pid, load_s))
            rate = accepted / (time.monotonic() - started)
        finally:
            stop(server)
    log(f"serve: idle {idle:.1f} MiB, peak {peak:.1f} MiB under {rate:.0f} webhooks/s")
    return [
        {"figure": "serve.rss_mb_idle", "value": round(idle, 1), "unit": "MiB"},
        {"figure": "serve.rss_mb_load", "value": round(peak, 1), "unit": "MiB"},
        {"figure": "serve.load_webhooks_per_s", "value": round(rate, 1), "unit": "webhooks/s"},
    ]


if __name__ == "__main__":
    for figure in run(quick="--quick" in sys.argv):
        print(json.dumps(figure), flush=True)
