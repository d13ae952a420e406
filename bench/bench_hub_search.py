"""Hub-data search on a big hub: 100,000 products (quick: 10,000) of one company.

Figures (best of five, milliseconds): one page of 50 by id, a field filter matching every
hundredth record, and a field filter matching one record near the end (the worst case for
paging by id without an index on the field), on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

if __package__ in (None, ""):
    sys.path[:0] = [str(Path(__file__).resolve().parents[1])]

from bench._support import PG_ADMIN, scratch_pg_database
from ipaas.domain.accounts import TenantScope
from ipaas.services import hub_data
from ipaas.store import migrate
from ipaas.store.engine import create_engine
from ipaas.store.tables import companies, hub_records
from ipaas.store.types import utcnow
from ipaas.store.unit_of_work import UnitOfWork


def _fill(engine: sa.Engine, count: int) -> int:
    now = utcnow()
    with engine.begin() as conn:
        company = conn.execute(
            sa.insert(companies)
            .values(name="big", kind="subscriber", settings={}, created_at=now)
            .returning(companies.c.id)
        ).scalar_one()
        for start in range(0, count, 5000):
            conn.execute(
                sa.insert(hub_records),
                [
                    {
                        "company_id": company,
                        "data_type": "product",
                        "match_key": f"SKU-{n:07d}",
                        "body": {"sku": f"SKU-{n:07d}", "brand": f"b{n % 100}", "name": f"n{n}"},
                        "version": 1,
                        "content_hash": f"{n:064d}",
                        "deleted": False,
                        "created_at": now,
                        "updated_at": now,
                    }
                    for n in range(start, min(count, start + 5000))
                ],
            )
    return int(company)


def _best(fn: Any) -> float:
    times = []
    for _ in range(5):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return round(min(times), 2)


def _measure(url: str, kind: str, count: int) -> list[dict[str, Any]]:
    engine = create_engine(url)
    try:
        company = _fill(engine, count)
        if kind == "postgresql":
            with engine.begin() as conn:
                conn.exec_driver_sql("ANALYZE hub_records")
        scope = TenantScope.single(company)
        last = f"SKU-{count - 3:07d}"

        def search(fields: dict[str, str]) -> None:
            with UnitOfWork(engine) as uow:
                found = hub_data.search(
                    uow, scope, "product", fields, deleted=None, after_id=0, limit=51
                )
                assert found

        return [
            {
                "figure": f"hub_search.page_ms_{kind}",
                "value": _best(lambda: search({})),
                "unit": "ms",
            },
            {
                "figure": f"hub_search.field_1pct_ms_{kind}",
                "value": _best(lambda: search({"brand": "b7"})),
                "unit": "ms",
            },
            {
                "figure": f"hub_search.field_one_ms_{kind}",
                "value": _best(lambda: search({"sku": last})),
                "unit": "ms",
            },
        ]
    finally:
        engine.dispose()


def run(quick: bool) -> list[dict[str, Any]]:
    count = 10_000 if quick else 100_000
    figures = [{"figure": "hub_search.records", "value": count, "unit": "records"}]
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'big.db'}"
        migrate.upgrade(url)
        figures += _measure(url, "sqlite", count)
    with scratch_pg_database("ipaas_bench_search") as pg_url:
        if pg_url is None:
            raise RuntimeError(f"PostgreSQL unreachable at {PG_ADMIN}")
        migrate.upgrade(pg_url)
        figures += _measure(pg_url, "postgresql", count)
    return figures


if __name__ == "__main__":
    import json

    for figure in run(quick=True):
        print(json.dumps(figure))
