"""Hub-side events on a cron expression: export, initialize, poll; and the CLI."""

from __future__ import annotations

import csv
import json
from datetime import timedelta
from pathlib import Path

import pytest
from triggers_support import ChangeLogConnector, Provider, Spoke, queue_keys
from typer.testing import CliRunner

from ipaas.bootstrap import Hub
from ipaas.errors import ValidationError
from ipaas.store.triggers import ScheduledEvent, TriggerRepository
from ipaas.triggers.scheduled import run_scheduled_event, schedule_event
from ipaas.triggers.scheduler import scheduler_tick

pytestmark = pytest.mark.anyio


def _events(hub: Hub) -> list[ScheduledEvent]:
    with hub.unit_of_work() as uow:
        return TriggerRepository(uow.conn).scheduled_events()


async def test_export_writes_the_hubs_records_as_jsonl_and_csv(
    hub: Hub, spoke: Spoke, tmp_path: Path
) -> None:
    with hub.unit_of_work() as uow:
        company = uow.tenants.subscription_company(spoke.subscription_id)
        for n in range(3):
            uow.hub_records.upsert(company, "product", {"sku": f"S-{n}", "name": f"N{n}"})
        uow.commit()
    for fmt in ("jsonl", "csv"):
        schedule_event(
            hub,
            spoke.subscription_id,
            "export",
            "product",
            "0 3 * * *",
            options={"folder": str(tmp_path / fmt), "format": fmt},
        )
    for event in _events(hub):
        await run_scheduled_event(hub, event)
    (jsonl,) = (tmp_path / "jsonl").iterdir()
    lines = [json.loads(line) for line in jsonl.read_text().splitlines()]
    assert [line["sku"] for line in lines] == ["S-0", "S-1", "S-2"]
    (csv_file,) = (tmp_path / "csv").iterdir()
    with csv_file.open() as handle:
        rows = list(csv.DictReader(handle))
    assert [r["sku"] for r in rows] == ["S-0", "S-1", "S-2"]
    events = _events(hub)
    assert all(e.last_error is None and e.last_run_at is not None for e in events)
    assert all(e.next_run_at is not None and e.next_run_at.hour == 3 for e in events)


async def test_initialize_polls_from_the_start_and_the_scheduler_runs_due_events(
    hub: Hub, spoke: Spoke
) -> None:
    source = ChangeLogConnector(page_size=10)
    provider = Provider({spoke.subscription_id: source})
    for n in range(25):
        source.change(f"i{n}", {"sku": f"I-{n}"})
    event_id = schedule_event(hub, spoke.subscription_id, "initialize", "product", "*/5 * * * *")
    with hub.unit_of_work() as uow:
        # Make it due now.
        TriggerRepository(uow.conn).finish_scheduled_event(
            event_id,
            at=None,
            next_run_at=None,
            error=None,  # type: ignore[arg-type]
        )
        uow.commit()
    assert await scheduler_tick(hub, provider=provider, holder="me", lease_ttl=_ttl())
    assert sorted(queue_keys(hub, spoke.subscription_id)) == sorted(f"i{n}" for n in range(25))
    (event,) = _events(hub)
    assert event.last_error is None
    assert event.next_run_at is not None


def _ttl() -> timedelta:
    return timedelta(seconds=30)


@pytest.mark.parametrize(
    ("kind", "cron", "options", "field"),
    [
        ("dance", "* * * * *", None, "kind"),
        ("poll", "every day", None, "cron"),
        ("export", "* * * * *", {}, "options.folder"),
        ("export", "* * * * *", {"folder": "x", "format": "xml"}, "options.format"),
    ],
)
def test_bad_schedules_name_the_field(
    hub: Hub,
    spoke: Spoke,
    kind: str,
    cron: str,
    options: dict | None,
    field: str,  # type: ignore[type-arg]
) -> None:
    with pytest.raises(ValidationError) as raised:
        schedule_event(hub, spoke.subscription_id, kind, "product", cron, options=options)
    assert raised.value.field == field


def test_cli_creates_and_rotates_keys_and_shows_status(
    hub: Hub, spoke: Spoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ipaas.cli import app

    monkeypatch.setenv("IPAAS_DATABASE_URL", hub.settings.resolved_database_url)
    monkeypatch.setenv("IPAAS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("IPAAS_SECRET_KEY", "test-secret-key")
    runner = CliRunner()
    created = runner.invoke(app, ["webhooks", "create-key", str(spoke.subscription_id)])
    assert created.exit_code == 0, created.output
    assert created.output.startswith("whk_")
    rotated = runner.invoke(app, ["webhooks", "rotate-key", "shop", "--grace-hours", "1"])
    assert rotated.exit_code == 0, rotated.output
    polling = runner.invoke(app, ["polling", "set", "shop", "product", "--interval", "60"])
    assert polling.exit_code == 0, polling.output
    status = runner.invoke(app, ["webhooks", "status", "shop"])
    assert status.exit_code == 0, status.output
    assert "/hooks/v1/notifications" in status.output
    assert f"/hooks/{spoke.token}" in status.output
    assert "every 60s" in status.output
    assert created.output.strip() not in status.output
    missing = runner.invoke(app, ["webhooks", "status", "nope"])
    assert missing.exit_code == 1
