"""Hub-side events on a cron expression: run a poll, initialize a data type, or export
the hub's records of a type to a folder (CSV or JSON Lines)."""

from __future__ import annotations

import asyncio
import csv
import importlib
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from croniter import croniter

from ipaas.bootstrap import Hub
from ipaas.domain import get_data_type
from ipaas.errors import ValidationError
from ipaas.store.triggers import ScheduledEvent, TriggerRepository, hub_records_of
from ipaas.store.types import utcnow
from ipaas.triggers.polling import ConnectorSource, poll_once

KINDS = ("poll", "initialize", "export")
FORMATS = ("csv", "jsonl")


def schedule_event(
    hub: Hub,
    subscription_id: int,
    kind: str,
    data_type: str,
    cron: str,
    *,
    options: dict[str, Any] | None = None,
) -> int:
    """Add a hub-side event (``poll``, ``initialize`` or ``export``); returns its id.

    ``export`` takes options ``folder`` and ``format`` (``csv`` or ``jsonl``).
    """
    if kind not in KINDS:
        raise ValidationError(f"kind must be one of {', '.join(KINDS)}", field="kind")
    get_data_type(data_type)
    if not croniter.is_valid(cron):
        raise ValidationError(f"{cron!r} is not a cron expression", field="cron")
    options = dict(options or {})
    if kind == "export":
        if not options.get("folder"):
            raise ValidationError("an export needs a folder", field="options.folder")
        if options.setdefault("format", "jsonl") not in FORMATS:
            raise ValidationError("format must be csv or jsonl", field="options.format")
    now = utcnow()
    with hub.unit_of_work() as uow:
        event_id = TriggerRepository(uow.conn).add_scheduled_event(
            subscription_id,
            kind,
            data_type,
            cron,
            options=options,
            next_run_at=croniter(cron, now).get_next(datetime),
        )
        uow.commit()
    return event_id


def export_records(hub: Hub, subscription_id: int, data_type: str, folder: Path, fmt: str) -> Path:
    """Write the hub's records of ``data_type`` (of the subscription's company) to a file."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")
    path = folder / f"{data_type}-{subscription_id}-{stamp}.{fmt}"
    tmp = path.with_suffix(path.suffix + ".part")
    with hub.unit_of_work() as uow:
        company_id = uow.tenants.subscription_company(subscription_id)
        records = hub_records_of(uow.conn, company_id, data_type)
        with tmp.open("w", newline="", encoding="utf-8") as handle:
            if fmt == "jsonl":
                for record_id, body in records:
                    handle.write(json.dumps({"hub_id": record_id, **body}, sort_keys=True) + "\n")
            else:
                rows = [{"hub_id": i, **b} for i, b in records]
                columns = sorted({c for row in rows for c in row} - {"hub_id"})
                writer = csv.DictWriter(handle, ["hub_id", *columns])
                writer.writeheader()
                for row in rows:
                    writer.writerow(
                        {
                            k: json.dumps(v) if isinstance(v, dict | list) else v
                            for k, v in row.items()
                        }
                    )
    tmp.replace(path)
    return path


async def initialize(
    hub: Hub, subscription_id: int, data_type: str, provider: ConnectorSource | None = None
) -> None:
    """Bring every record of a type to the hub: the transfer engine's initialization when it
    offers one, else a poll from the start."""
    try:
        module: Any = importlib.import_module("ipaas.transfer.initialize")
        start = module.initialize_data_type
    except (ImportError, AttributeError):
        start = None
    if start is not None:
        result = start(hub, subscription_id, data_type)
        if asyncio.iscoroutine(result):
            await result
        return
    with hub.unit_of_work() as uow:
        TriggerRepository(uow.conn).reset_watermark(subscription_id, data_type)
        uow.commit()
    await poll_once(hub, subscription_id, data_type, provider=provider)


async def run_scheduled_event(
    hub: Hub, event: ScheduledEvent, provider: ConnectorSource | None = None
) -> None:
    """Run one scheduled event now and record when it is due next."""
    error = None
    try:
        if event.kind == "poll":
            await poll_once(hub, event.subscription_id, event.data_type, provider=provider)
        elif event.kind == "initialize":
            await initialize(hub, event.subscription_id, event.data_type, provider)
        else:
            await asyncio.to_thread(
                export_records,
                hub,
                event.subscription_id,
                event.data_type,
                Path(str(event.options["folder"])),
                str(event.options.get("format", "jsonl")),
            )
    except Exception as failure:
        error = f"{type(failure).__name__}: {failure}"[:1000]
    now = utcnow()
    with hub.unit_of_work() as uow:
        TriggerRepository(uow.conn).finish_scheduled_event(
            event.id, at=now, next_run_at=croniter(event.cron, now).get_next(datetime), error=error
        )
        uow.commit()
