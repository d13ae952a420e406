"""End-to-end transfer figures: source -> hub -> 2 targets through the real engine.

Connectors are in-process InMemoryConnectors; the hub database is real (SQLite file, or
PostgreSQL at 127.0.0.1 when reachable; worker processes claim with SKIP LOCKED). Workers
run with the default options (batches of 50) and two tasks per process.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import multiprocessing
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests"), str(ROOT)]

from bench._support import scratch_pg_database  # noqa: E402
from ipaas.bootstrap import Hub, bootstrap  # noqa: E402
from ipaas.connectors.base import ExternalRecord  # noqa: E402
from ipaas.connectors.memory import InMemoryConnector  # noqa: E402
from ipaas.domain import Direction, Method  # noqa: E402
from ipaas.settings import Settings  # noqa: E402
from ipaas.store import NewQueueItem, migrate  # noqa: E402
from ipaas.transfer import WorkerOptions, initialize, run_workers  # noqa: E402
from ipaas.transfer.provider import StaticConnectorProvider  # noqa: E402


def _figure(name: str, value: float, unit: str) -> dict[str, Any]:
    return {"figure": name, "value": round(value, 2), "unit": unit}


def _world(hub: Hub) -> tuple[int, list[int]]:
    from integration.transfer.world import IN, OUT, make_world

    w = make_world(hub)
    w.add_system("shop", OUT)
    w.add_system("erp", IN)
    w.add_system("pos", IN)
    return w.ids["shop"], [w.ids["erp"], w.ids["pos"]]


class _StampedConnector(InMemoryConnector):
    """Notes when each record arrives, so latency is measured at the target itself."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.arrived: dict[str, float] = {}

    async def create(
        self, data_type: str, record: dict[str, Any], *, idempotency_key: str | None = None
    ) -> Any:
        result = await super().create(data_type, record, idempotency_key=idempotency_key)
        self.arrived.setdefault(str(record.get("code")), time.perf_counter())
        return result


def _provider(ids: list[int], prefix: str = "m") -> StaticConnectorProvider:
    # Each worker process has its own fakes: distinct id prefixes keep their ids apart,
    # as one real system's would be.
    return StaticConnectorProvider(
        {
            i: InMemoryConnector(
                match_fields={"product": ("code",)}, record_calls=False, id_prefix=prefix
            )
            for i in ids
        }
    )


def _enqueue(hub: Hub, source: int, count: int, start: int = 0) -> None:
    with hub.unit_of_work() as uow:
        uow.queue.enqueue_many(
            [
                NewQueueItem(
                    source,
                    Direction.TO_HUB,
                    "product",
                    f"s{n}",
                    Method.CREATE,
                    {"code": f"SKU-{n}", "title": f"Product {n}", "price": "9.90"},
                )
                for n in range(start, start + count)
            ]
        )
        uow.commit()


def _open(hub: Hub) -> int:
    with hub.unit_of_work(read_only=True) as uow:  # watching must not hold up the workers
        return uow.queue.count_due(within_seconds=60)


async def _run_until_empty(hub: Hub, provider: StaticConnectorProvider, lanes: int) -> None:
    stop = asyncio.Event()
    task = asyncio.create_task(
        run_workers(hub, lanes, stop, options=WorkerOptions(), provider=provider)
    )
    while _open(hub):
        await asyncio.sleep(0.05)
    stop.set()
    await task


def _sqlite_throughput(count: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/hub.db"
        migrate.upgrade(url)
        hub = bootstrap(Settings(database_url=url, data_dir=Path(tmp)))
        source, targets = _world(hub)
        _enqueue(hub, source, count)
        started = time.perf_counter()
        asyncio.run(_run_until_empty(hub, _provider([source, *targets]), 2))
        elapsed = time.perf_counter() - started
        hub.close()
    return count / elapsed


def _light_latency(seconds: float) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/hub.db"
        migrate.upgrade(url)
        hub = bootstrap(Settings(database_url=url, data_dir=Path(tmp)))
        source, targets = _world(hub)
        provider = _provider([source, *targets])
        erp = _StampedConnector(match_fields={"product": ("code",)}, record_calls=False)
        provider.connectors[targets[0]] = erp
        latencies: list[float] = []

        async def main() -> None:
            stop = asyncio.Event()
            task = asyncio.create_task(run_workers(hub, 2, stop, provider=provider))
            sent: dict[str, float] = {}
            n = 0
            end = time.perf_counter() + seconds
            while time.perf_counter() < end:
                sent[f"SKU-{n}"] = time.perf_counter()
                _enqueue(hub, source, 1, n)
                n += 1
                await asyncio.sleep(0.02)
            await asyncio.sleep(0.5)
            stop.set()
            await task
            for code, at in sent.items():
                if code in erp.arrived:
                    latencies.append(erp.arrived[code] - at)

        asyncio.run(main())
        hub.close()
    latencies.sort()
    return latencies[len(latencies) // 2] * 1000, latencies[int(len(latencies) * 0.99)] * 1000


def _pg_worker(url: str, ids: list[int], lanes: int, ready: Any, go: Any, index: int) -> None:
    hub = bootstrap(Settings(database_url=url))
    with hub.engine.connect():
        pass
    ready.release()
    go.wait()
    asyncio.run(_run_until_empty(hub, _provider(ids, f"p{index}-"), lanes))
    hub.close()


def _pg_throughput(count: int, processes: int) -> float | None:
    with scratch_pg_database("ipaas_bench") as url:
        if url is None:
            return None
        migrate.upgrade(url)
        hub = bootstrap(Settings(database_url=url))
        source, targets = _world(hub)
        _enqueue(hub, source, count)
        hub.close()
        ctx = multiprocessing.get_context("spawn")
        ready, go = ctx.Semaphore(0), ctx.Event()
        workers = [
            ctx.Process(target=_pg_worker, args=(url, [source, *targets], 2, ready, go, n))
            for n in range(processes)
        ]
        for p in workers:
            p.start()
        # Time the transfer, not the start of Python processes.
        for _ in workers:
            ready.acquire()
        started = time.perf_counter()
        go.set()
        for p in workers:
            p.join()
        return count / (time.perf_counter() - started)


def _init_rss_child(count: int, answer: Any) -> None:
    answer.put(_init_rss_here(count))


def _init_rss(count: int) -> float:
    """Peak RSS of a fresh process that initializes ``count`` records (the figures before
    it in this process would otherwise count as initialization's peak)."""
    ctx = multiprocessing.get_context("spawn")
    answer = ctx.Queue()
    child = ctx.Process(target=_init_rss_child, args=(count, answer))
    child.start()
    value = float(answer.get())
    child.join()
    return value


def _init_rss_here(count: int) -> float:
    def source(data_type: str) -> Any:
        for n in range(count):
            yield ExternalRecord(f"s{n}", {"code": f"SKU-{n}", "title": f"Product {n}"})

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/hub.db"
        migrate.upgrade(url)
        hub = bootstrap(Settings(database_url=url, data_dir=Path(tmp)))
        source_id, _ = _world(hub)
        connector = InMemoryConnector(source=source, page_size=2000, record_calls=False)
        provider = StaticConnectorProvider({source_id: connector})
        asyncio.run(initialize(hub, source_id, ["product"], "to_hub", provider=provider))
        hub.close()
    return _peak_rss_mb()


def _peak_rss_mb() -> float:
    """This process's peak resident memory. On Linux ``VmHWM``: ``ru_maxrss`` of a spawned
    child also counts the parent's memory at the fork before the exec (207 MB instead of
    138 MB when ``python -m bench`` had run the dashboard benchmark first)."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(quick: bool) -> list[dict[str, Any]]:
    """The e2e and init figures."""
    count = 1000 if quick else 10000
    figures = [_figure("e2e.records_per_s_sqlite", _sqlite_throughput(count), "records/s")]
    for processes in (1, 2, 4):
        value = _pg_throughput(count * 3 // 5 if quick else count, processes)
        if value is not None:
            figures.append(_figure(f"e2e.records_per_s_pg_w{processes}", value, "records/s"))
    p50, p99 = _light_latency(2 if quick else 10)
    figures.append(_figure("e2e.p50_ms_light", p50, "ms"))
    figures.append(_figure("e2e.p99_ms_light", p99, "ms"))
    figures.append(_figure("init.peak_rss_mb", _init_rss(100_000 if quick else 1_000_000), "MB"))
    return figures


if __name__ == "__main__":
    for line in run("--quick" in sys.argv):
        print(json.dumps(line))
