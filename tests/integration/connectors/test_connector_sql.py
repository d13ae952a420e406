"""The sql connector on SQLite and on the test PostgreSQL server, every statement logged."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from connector_support import Logged, assert_no_secrets

from ipaas.connectors import CallContext, IntegrationDefinition, build_connector, call_context
from ipaas.connectors.testing import check_connector
from ipaas.errors import ValidationError

pytestmark = pytest.mark.anyio
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
FAKE_PASSWORD = "pw-" + uuid.uuid4().hex[:10]  # trust auth ignores it; the log must too


def _create_table(url: str) -> None:
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    meta = sa.MetaData()
    sa.Table(
        "products",
        meta,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("sku", sa.String(50), unique=True, nullable=False),
        sa.Column("name", sa.String(200)),
        sa.Column("price", sa.Numeric(12, 2)),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    meta.create_all(engine)
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def target_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An external database holding a products table."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'external.db'}"
        _create_table(url)
        yield url
        return
    name = f"ipaas_ext_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = f"postgresql+psycopg://postgres:{FAKE_PASSWORD}@127.0.0.1:5432/{name}"
    try:
        _create_table(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


DEFINITION = {
    "key": "erp-db",
    "name": "ERP database",
    "connector": "sql",
    "settings": [{"name": "database_url", "type": "password", "required": True}],
    "data_types": [{"data_type": "product", "directions": ["to_hub", "from_hub"]}],
    "config": {
        "url": "${database_url}",
        "page_size": 2,
        "tables": {"product": {"table": "products", "updated_column": "updated_at"}},
    },
}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_sql_conformance_and_log(logged: Logged, target_url: str) -> None:
    definition = IntegrationDefinition.from_dict(DEFINITION)
    connector = build_connector(
        definition,
        {"database_url": target_url},
        recorder=logged.recorder,
        subscription_id=logged.subscription_id,
    )
    marker = call_context.set(CallContext(tracking_id="t-sql", record_key="k"))
    try:
        records = [{"sku": f"P-{i}", "name": f"Product {i}", "price": "9.50"} for i in range(5)]
        report = await check_connector(
            connector, "product", records, change={"name": "Renamed"}, match_fields=("sku",)
        )
        assert "find" in report.steps
        with pytest.raises(ValidationError) as info:
            await connector.create("product", {"sku": "X", "colour": "red"})
        assert info.value.field == "colour"
    finally:
        call_context.reset(marker)
        await connector.close()
    calls = logged.calls()
    assert {"SELECT", "INSERT", "UPDATE", "DELETE"} <= {c.method for c in calls}
    assert all(c.tracking_id == "t-sql" and c.status == 200 for c in calls if not c.error)
    assert all(c.url.endswith("/products") for c in calls if c.method != "SELECT" or c.error)
    assert_no_secrets(calls, [FAKE_PASSWORD])
