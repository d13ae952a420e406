"""What recording an api call costs: the recording client against plain httpx.

Both send the same small JSON request through an in-memory transport (no network), so the
difference is the recording: building the row (context, masked URL and excerpts) and
handing it to the batching recorder, plus the recorder's batched writes to an SQLite file.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from ipaas.connectors import (
    ApiCallRecorder,
    CallContext,
    ListRecorder,
    RecordingHttpClient,
    call_context,
)
from ipaas.store import migrate
from ipaas.store.engine import create_engine

SECRET = "bench-secret-token-value"


def _handler(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"product": {"id": 1, "title": "Shirt", "price": "9.90"}})


async def _per_call_us(client: Any, calls: int) -> float:
    body = {"product": {"title": "Shirt", "price": "9.90", "tags": "a, b"}}
    started = time.perf_counter()
    for i in range(calls):
        await client.request(
            "POST", f"http://api.test/products?page={i}", json=body, headers={"X-Token": SECRET}
        )
    return (time.perf_counter() - started) / calls * 1e6


async def _measure(calls: int, recorder: ApiCallRecorder | ListRecorder) -> tuple[float, float]:
    transport = httpx.MockTransport(_handler)
    plain = httpx.AsyncClient(transport=transport)
    recording = RecordingHttpClient(
        recorder, subscription_id=1, secrets=[SECRET], transport=httpx.MockTransport(_handler)
    )
    call_context.set(CallContext(subscription_id=1, tracking_id="bench", data_type="product"))
    await _per_call_us(plain, 200)  # warm up both
    await _per_call_us(recording, 200)
    best_plain = min([await _per_call_us(plain, calls) for _ in range(3)])
    best_recording = min([await _per_call_us(recording, calls) for _ in range(3)])
    await plain.aclose()
    await recording.close()
    return best_plain, best_recording


def run(quick: bool) -> list[dict[str, Any]]:
    """Figures: recording overhead per call (us) and rows written per second by the recorder."""
    calls = 1000 if quick else 5000
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        migrate.upgrade(url)
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO companies (name, kind, settings, created_at) "
                "VALUES ('b', 'integrator', '{}', '2026-01-01')"
            )
            conn.exec_driver_sql(
                "INSERT INTO integrations (company_id, key, version, name, connector, description,"
                " definition, published, created_at, updated_at) VALUES (1, 'b', '1', 'b', 'rest',"
                " '', '{}', 0, '2026-01-01', '2026-01-01')"
            )
            conn.exec_driver_sql(
                "INSERT INTO subscriptions (company_id, integration_id, name, settings, flows,"
                " webhooks, polling, state, throttle_period, paused, created_at, updated_at)"
                " VALUES (1, 1, 'b', '{}', '{}', '{}', '{}', '{}', 'second', 0, '2026-01-01',"
                " '2026-01-01')"
            )
        recorder = ApiCallRecorder(engine).start()
        plain, recording = asyncio.run(_measure(calls, recorder))
        plain_mem, in_memory = asyncio.run(_measure(calls, ListRecorder()))
        started = time.perf_counter()
        recorder.close()
        pending_flush_s = time.perf_counter() - started
        written = recorder.written
        engine.dispose()
    return [
        {"figure": "connectors.recording_overhead_us", "value": round(recording - plain, 1),
         "unit": "us"},
        {"figure": "connectors.row_build_overhead_us", "value": round(in_memory - plain_mem, 1),
         "unit": "us"},
        {"figure": "connectors.plain_httpx_call_us", "value": round(plain, 1), "unit": "us"},
        {"figure": "connectors.recorded_rows", "value": written, "unit": "rows"},
        {"figure": "connectors.recorder_final_flush_ms", "value": round(pending_flush_s * 1000, 1),
         "unit": "ms"},
    ]  # fmt: skip


if __name__ == "__main__":
    for figure in run(quick=True):
        print(json.dumps(figure))
