"""The files connector in a tmp folder: export by writing, import by polling new files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from connector_support import Logged

from ipaas.connectors import IntegrationDefinition, build_connector
from ipaas.connectors.testing import check_connector, poll_all

pytestmark = pytest.mark.anyio


def _definition(fmt: str, after_read: str) -> IntegrationDefinition:
    return IntegrationDefinition.from_dict(
        {
            "key": "files",
            "name": "Files",
            "connector": "files",
            "settings": [{"name": "folder", "required": True}],
            "data_types": [{"data_type": "product", "directions": ["to_hub", "from_hub"]}],
            "config": {
                "format": fmt,
                "after_read": after_read,
                "data_types": {"product": {"id_field": "sku"}},
            },
        }
    )


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(("fmt", "after_read"), [("csv", "move"), ("jsonl", "mark")])
async def test_files_conformance_and_log(
    logged: Logged, tmp_path: Path, fmt: str, after_read: str
) -> None:
    folder = tmp_path / "exchange"
    connector = build_connector(
        _definition(fmt, after_read),
        {"folder": str(folder)},
        recorder=logged.recorder,
        subscription_id=logged.subscription_id,
    )

    async def seed(records: list[dict[str, Any]]) -> list[str]:
        inbox = folder / "inbox"
        inbox.mkdir(parents=True, exist_ok=True)
        for part, chunk in enumerate((records[:2], records[2:])):
            path = inbox / f"product-{part}.{fmt}"
            if fmt == "jsonl":
                path.write_text("".join(json.dumps(r) + "\n" for r in chunk), encoding="utf-8")
            else:
                lines = ["sku,name"] + [f"{r['sku']},{r['name']}" for r in chunk]
                path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return [r["sku"] for r in records]

    records = [{"sku": f"F-{i}", "name": f"File product {i}"} for i in range(3)]
    report = await check_connector(
        connector,
        "product",
        records,
        change={"name": "Renamed"},
        seed_for_poll=seed,
        match_fields=("sku",),
    )
    assert sorted(r.external_id for r in report.polled) == ["F-0", "F-1", "F-2"]
    again, _ = await poll_all(connector, "product", None)
    assert again == []  # read files are remembered
    if after_read == "move":
        assert sorted(p.name for p in (folder / "inbox" / "processed").iterdir()) == [
            "product-0.csv",
            "product-1.csv",
        ]
    await connector.close()
    calls = logged.calls()
    assert {"LIST", "READ", "WRITE"} <= {c.method for c in calls}
    assert all(c.url.startswith("file://") and c.status == 200 for c in calls if not c.error)
