"""Dashboard page times on a big hub: 100,000 hub records and 1,000,000 api calls
(quick mode: 5,000 and 50,000), SQLite, pages served in-process (httpx ASGI transport).

Each figure is the median of 5 loads of one page, in milliseconds, rendering included.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from ipaas.api.app import create_app
from ipaas.bootstrap import bootstrap
from ipaas.settings import Settings
from ipaas.web.seed import PASSWORD, seed, seed_bulk, seed_history


def _median_ms(client: Any, path: str, rounds: int = 5) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        answer = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        if answer.status_code != 200:
            raise RuntimeError(f"{path} answered {answer.status_code}")
    return round(statistics.median(times), 1)


def run(quick: bool) -> list[dict[str, Any]]:
    records, calls = (5_000, 50_000) if quick else (100_000, 1_000_000)
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        hub = bootstrap(
            Settings(database_url=f"sqlite:///{data}/hub.db", data_dir=data, secret_key="b"),
            migrate_database=True,
        )
        seeded = seed(hub)
        seed_history(hub, seeded, per_hour=200)
        seed_bulk(hub, seeded, records=records, calls=calls)
        from fastapi.testclient import TestClient

        client = TestClient(create_app(hub))
        client.get("/app/login")
        client.post(
            "/app/login",
            data={
                "email": "sub@example.com",
                "password": PASSWORD,
                "csrf_token": client.cookies.get("ipaas_csrf") or "",
            },
        )
        pages = {
            "overview": "/app/",
            "overview_json": "/app/overview.json",
            "api_calls_page": "/app/api-calls",
            "api_calls_5xx_page": "/app/api-calls?status=5xx",
            "api_calls_deep_page": f"/app/api-calls?before={calls // 2}",
            # no index serves "no answer / error" (rare in the bulk data): a bounded-scan case
            "api_calls_failed_page": "/app/api-calls?status=failed",
            "api_calls_record_page": "/app/api-calls?record=BULK-0000042",
            "queue_errors_page": "/app/queue",
            "records_page": "/app/records",
            "records_search_page": "/app/records?q=BULK-00420",
            "record_page": f"/app/records/{seeded.record_ids[0]}",
            "error_story_page": f"/app/queue/{seeded.error_item_id}",
            "mapping_editor_page": f"/app/subscriptions/{seeded.erp_id}/mappings/2",
            "users_page": "/app/portal/users",
        }
        figures = [
            {"figure": f"dashboard.{name}_ms", "value": _median_ms(client, path), "unit": "ms"}
            for name, path in pages.items()
        ]
        client.close()
        hub.close()
    return figures
