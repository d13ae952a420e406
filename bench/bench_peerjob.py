"""The common job of integration tools, measured at a sink.

16 senders POST webhooks, each carrying a complete 15-field product, to the hub's
configurable receiver ``POST /hooks/{token}`` (``complete_record``: no read-back). The hub
(one process on an SQLite file, API and workers together, as ``ipaas serve`` runs them)
maps the 15 fields to the canonical product (9 of them into custom fields), maps 10 of
them to another system's names and POSTs each record with the declarative ``rest``
connector to a sink: a separate process on 127.0.0.1 that timestamps every arrival.

Figures: ``peerjob.records_per_s_c16`` (records reaching the sink per second, from the
first webhook sent to the last record received) and ``peerjob.p99_ms_c16`` (webhook sent
to record received). Bounded: a fixed number of records and a deadline.

Run: ``.venv/bin/python -m bench peerjob`` (``--quick`` for fewer records);
``python bench/bench_peerjob.py --profile`` writes a pyinstrument profile of the hub to
``bench/results/peerjob_profile.txt``.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path[:0] = [str(Path(__file__).resolve().parents[1])]

from bench._loopback import (
    ROOT,
    HttpConnection,
    free_port,
    log,
    percentile,
    python_env,
    read_content_length,
    stop,
    wait_listening,
)

SENDERS = 16
FIELDS = (
    "sku name description price currency qty weight_kg category brand ean "
    "color size active created_at updated_at"
).split()

# The source system's complete record -> canonical product (+ custom fields).
TO_HUB: dict[str, Any] = {
    "data_type": "product",
    "direction": "to_hub",
    "name": "source products in",
    "field_mappings": [
        {"target": "sku", "type": "field", "source": "sku"},
        {"target": "name", "type": "field", "source": "name"},
        {"target": "description", "type": "field", "source": "description"},
        {"target": "price", "type": "field", "source": "price"},
        {"target": "currency", "type": "field", "source": "currency"},
        {"target": "weight_kg", "type": "field", "source": "weight_kg"},
        {"target": "brand", "type": "field", "source": "brand"},
        {"target": "barcode", "type": "field", "source": "ean"},
        {"target": "status", "type": "formula", "expression": 'active ? "active" : "draft"'},
        {"target": "custom_fields.qty", "type": "field", "source": "qty"},
        {"target": "custom_fields.category", "type": "field", "source": "category"},
        {"target": "custom_fields.color", "type": "field", "source": "color"},
        {"target": "custom_fields.size", "type": "field", "source": "size"},
        {"target": "custom_fields.created_at", "type": "field", "source": "created_at"},
        {"target": "custom_fields.updated_at", "type": "field", "source": "updated_at"},
    ],
}
# Canonical product -> the sink system's names (10 fields).
FROM_HUB: dict[str, Any] = {
    "data_type": "product",
    "direction": "from_hub",
    "name": "sink products out",
    "field_mappings": [
        {"target": "ItemCode", "type": "field", "source": "sku"},
        {"target": "Title", "type": "field", "source": "name"},
        {"target": "Body", "type": "field", "source": "description"},
        {"target": "UnitPrice", "type": "field", "source": "price"},
        {"target": "CurrencyCode", "type": "field", "source": "currency"},
        {"target": "StockQty", "type": "field", "source": "custom_fields.qty"},
        {"target": "WeightKg", "type": "field", "source": "weight_kg"},
        {"target": "Group", "type": "field", "source": "custom_fields.category"},
        {"target": "Brand", "type": "field", "source": "brand"},
        {"target": "Barcode", "type": "field", "source": "barcode"},
    ],
}
SOURCE_WEBHOOK: dict[str, Any] = {
    "scope": {"value": "product/updated"},
    "external_id": {"json": "sku"},
    "complete_record": True,
}
SINK_DEFINITION: dict[str, Any] = {
    "key": "bench-sink",
    "name": "Bench sink",
    "version": "1.0.0",
    "connector": "rest",
    "settings": [{"name": "sink_url", "type": "string", "required": True}],
    "data_types": [{"data_type": "product", "directions": ["from_hub"]}],
    "config": {
        "base_url": "${sink_url}",
        "data_types": {
            "product": {
                "id_field": "id",
                "read": {"path": "/records/{id}"},
                "create": {"method": "POST", "path": "/records"},
                "update": {"method": "PUT", "path": "/records/{id}"},
            }
        },
    },
}


def product(sender: int, n: int) -> dict[str, Any]:
    """The complete 15-field product sender ``sender`` sends as its ``n``-th webhook."""
    return {
        "sku": f"P{sender:02d}-{n:05d}",
        "name": f"Merino crew sweater {sender}-{n}",
        "description": "Soft merino wool, ribbed cuffs, regular fit. Machine washable at 30.",
        "price": f"{49 + n % 50}.95",
        "currency": "EUR",
        "qty": n % 120,
        "weight_kg": "0.42",
        "category": "knitwear",
        "brand": "Northwind",
        "ean": f"87{sender:02d}{n:09d}",
        "color": ("navy", "grey", "oat")[n % 3],
        "size": ("S", "M", "L", "XL")[n % 4],
        "active": n % 10 != 0,
        "created_at": "2024-03-01T09:00:00Z",
        "updated_at": "2024-06-01T12:30:00Z",
    }


# --- the sink: a separate process that timestamps arrivals ---------------------------------


async def _sink_main(port: int) -> None:
    arrivals: dict[str, float] = {}
    writes = {"POST": 0, "PUT": 0}

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                request_line = await reader.readline()
                if not request_line:
                    return
                method, path, _ = request_line.decode().split(" ", 2)
                length = await read_content_length(reader)
                body = await reader.readexactly(length) if length else b""
                now = time.time()
                if path == "/_arrivals":
                    answer = json.dumps({"arrivals": arrivals, "writes": writes}).encode()
                    status = "200 OK"
                elif method in ("POST", "PUT") and path.startswith("/records"):
                    record = json.loads(body)
                    code = str(record.get("ItemCode"))
                    arrivals.setdefault(code, now)
                    writes[method] += 1
                    answer = json.dumps({"id": code, **record}).encode()
                    status = "201 Created" if method == "POST" else "200 OK"
                else:
                    answer = b'{"error":"not found"}'
                    status = "404 Not Found"
                writer.write(
                    f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n"
                    f"Content-Length: {len(answer)}\r\n\r\n".encode()
                    + answer
                )
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", port)
    async with server:
        await server.serve_forever()


# --- the hub: `ipaas serve` with a connector provider for the two subscriptions ---------------


def _hub_main(port: int, source_id: int, sink_id: int, sink_url: str, profile: str) -> None:
    """What ``ipaas serve`` does (app + in-process workers on SQLite), with the connectors
    given here instead of ones built from integration definitions."""
    import uvicorn

    from ipaas.bootstrap import bootstrap
    from ipaas.connectors import ApiCallRecorder, IntegrationDefinition, build_connector
    from ipaas.connectors.memory import InMemoryConnector
    from ipaas.server import create_hub_app
    from ipaas.settings import Settings
    from ipaas.transfer.provider import StaticConnectorProvider

    settings = Settings()
    hub = bootstrap(settings, migrate_database=False)
    recorder = ApiCallRecorder(hub.engine)
    sink = build_connector(
        IntegrationDefinition.from_dict(SINK_DEFINITION),
        {"sink_url": sink_url},
        recorder=recorder,
        subscription_id=sink_id,
    )
    hub.connectors = StaticConnectorProvider(
        {source_id: InMemoryConnector(record_calls=False), sink_id: sink}
    )
    app = create_hub_app(hub, workers=settings.workers, scheduler=False)
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", access_log=False, ws="none"
    )
    server = uvicorn.Server(config)
    if profile:
        from pyinstrument import Profiler

        profiler = Profiler(async_mode="disabled", interval=0.002)
        profiler.start()
        try:
            server.run()
        except KeyboardInterrupt:
            pass
        finally:
            profiler.stop()
            if profiler.last_session is not None:
                profiler.last_session.save(profile + ".tmp")
            Path(profile).write_text(
                profiler.output_text(unicode=False, color=False, show_all=False)
            )
    else:
        server.run()
    recorder.close() if hasattr(recorder, "close") else None
    hub.close()


# --- the run ------------------------------------------------------------------------------------


def _prepare(data_dir: Path) -> tuple[str, int, int, str]:
    """A migrated SQLite hub with the source and sink subscriptions and their mappings."""
    from ipaas.bootstrap import bootstrap
    from ipaas.mapping import MappingCollection
    from ipaas.settings import Settings
    from ipaas.store import migrate
    from ipaas.store.mappings import MappingRepository, Owner
    from ipaas.store.triggers import TriggerRepository

    url = f"sqlite:///{data_dir / 'ipaas.db'}"
    migrate.upgrade(url)
    hub = bootstrap(Settings(database_url=url, data_dir=data_dir))
    try:
        with hub.unit_of_work() as uow:
            integrator = uow.tenants.create_company("Builder", "integrator")
            company = uow.tenants.create_company("Peer Job Ltd", "subscriber")
            source_integration = uow.tenants.create_integration(
                integrator, "bench-source", "Bench source", "memory",
                definition={"webhook": SOURCE_WEBHOOK},
            )  # fmt: skip
            sink_integration = uow.tenants.create_integration(
                integrator, "bench-sink", "Bench sink", "rest", definition=SINK_DEFINITION
            )
            source = uow.tenants.create_subscription(company, source_integration, "source")
            sink = uow.tenants.create_subscription(company, sink_integration, "sink")
            triggers = TriggerRepository(uow.conn)
            triggers.set_flows(source, {"product": {"to_hub": True}})
            triggers.set_flows(sink, {"product": {"from_hub": True}})
            token = triggers.token(source)
            assert token is not None
            mappings = MappingRepository(uow.conn)
            mappings.add_collection(
                Owner("subscription", source), MappingCollection.model_validate(TO_HUB)
            )
            mappings.add_collection(
                Owner("subscription", sink), MappingCollection.model_validate(FROM_HUB)
            )
            uow.commit()
    finally:
        hub.close()
    return url, source, sink, token


async def _send(port: int, token: str, per_sender: int) -> tuple[dict[str, float], dict[int, int]]:
    sent: dict[str, float] = {}
    statuses: dict[int, int] = {}

    async def sender(index: int) -> None:
        connection = HttpConnection(port)
        try:
            for n in range(per_sender):
                record = product(index, n)
                sent[record["sku"]] = time.time()
                status, _ = await connection.request("POST", f"/hooks/{token}", record)
                statuses[status] = statuses.get(status, 0) + 1
        finally:
            connection.close()

    await asyncio.gather(*(sender(i) for i in range(SENDERS)))
    return sent, statuses


async def _arrivals(port: int) -> dict[str, Any]:
    connection = HttpConnection(port)
    try:
        _, body = await connection.request("GET", "/_arrivals")
    finally:
        connection.close()
    result: dict[str, Any] = json.loads(body)
    return result


def measure(per_sender: int, deadline_s: float, profile: str = "") -> dict[str, Any]:
    """Run the job once with ``16 * per_sender`` records; returns the raw results."""
    with tempfile.TemporaryDirectory(prefix="ipaas-bench-peerjob-") as tmp:
        data_dir = Path(tmp)
        url, source_id, sink_id, token = _prepare(data_dir)
        sink_port, hub_port = free_port(), free_port()
        here = str(Path(__file__).resolve())
        sink_proc = subprocess.Popen(
            [sys.executable, here, "--sink", str(sink_port)], env=python_env(), cwd=tmp
        )
        env = python_env(
            IPAAS_DATABASE_URL=url, IPAAS_DATA_DIR=tmp, IPAAS_LOG_LEVEL="warning", IPAAS_WORKERS="4"
        )
        hub_args = [str(hub_port), str(source_id), str(sink_id), f"http://127.0.0.1:{sink_port}"]
        hub_proc = subprocess.Popen(
            [sys.executable, here, "--hub", *hub_args, profile], env=env, cwd=tmp
        )
        try:
            wait_listening(sink_port, sink_proc)
            wait_listening(hub_port, hub_proc)
            total = SENDERS * per_sender
            started = time.time()
            sent, statuses = asyncio.run(_send(hub_port, token, per_sender))
            accepted_s = time.time() - started
            stop_at = time.monotonic() + deadline_s
            result = asyncio.run(_arrivals(sink_port))
            while len(result["arrivals"]) < total and time.monotonic() < stop_at:
                time.sleep(0.25)
                result = asyncio.run(_arrivals(sink_port))
        finally:
            # SIGINT: uvicorn re-raises SIGTERM after shutdown, which skips writing the profile.
            stop(hub_proc, sig=signal.SIGINT if profile else signal.SIGTERM)
            stop(sink_proc)
    arrivals: dict[str, float] = result["arrivals"]
    latencies = [(arrivals[sku] - sent[sku]) * 1000 for sku in arrivals if sku in sent]
    last = max(arrivals.values()) if arrivals else started
    return {
        "records": total,
        "received": len(arrivals),
        "writes": result["writes"],
        "statuses": statuses,
        "accepted_per_s": statuses.get(202, 0) / accepted_s,
        "per_s": len(arrivals) / max(last - started, 1e-9),
        "p50_ms": percentile(latencies, 0.50),
        "p99_ms": percentile(latencies, 0.99),
    }


def run(quick: bool) -> list[dict[str, Any]]:
    """The peer-job figures (quick: 16 x 40 records; full: 16 x 250)."""
    result = measure(per_sender=40 if quick else 250, deadline_s=60 if quick else 240)
    log(
        f"peerjob: {result['received']}/{result['records']} received, writes {result['writes']},"
        f" webhooks {result['statuses']} at {result['accepted_per_s']:.0f}/s,"
        f" p50 {result['p50_ms']:.0f} ms"
    )
    if result["received"] != result["records"] or set(result["statuses"]) != {202}:
        raise RuntimeError(f"the sink did not get every record exactly once: {result}")
    return [
        {"figure": "peerjob.records_per_s_c16", "value": round(result["per_s"], 1),
         "unit": "records/s"},
        {"figure": "peerjob.p99_ms_c16", "value": round(result["p99_ms"], 1), "unit": "ms"},
    ]  # fmt: skip


if __name__ == "__main__":
    if sys.argv[1:2] == ["--sink"]:
        asyncio.run(_sink_main(int(sys.argv[2])))
    elif sys.argv[1:2] == ["--hub"]:
        port, source_id, sink_id, sink_url, *rest = sys.argv[2:]
        _hub_main(int(port), int(source_id), int(sink_id), sink_url, rest[0] if rest else "")
    elif sys.argv[1:2] == ["--profile"]:
        out = ROOT / "bench" / "results" / "peerjob_profile.txt"
        out.parent.mkdir(exist_ok=True)
        print(
            json.dumps(
                measure(
                    per_sender=int(os.environ.get("PEERJOB_PROFILE_N", "60")),
                    deadline_s=180,
                    profile=str(out),
                )
            )
        )
        log(f"profile written to {out}")
    else:
        for figure in run(quick="--quick" in sys.argv):
            print(json.dumps(figure), flush=True)
