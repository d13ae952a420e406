"""The live summary: records in and out per system, queue depth, errors, and what the
demo systems themselves now hold."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import httpx
from rich.table import Table

from ipaas.bootstrap import Hub
from ipaas.store.queue_totals import queue_totals


@dataclass
class SystemFigures:
    """One subscription's queue figures."""

    name: str
    records_in: int = 0
    records_out: int = 0
    pending: int = 0
    errors: int = 0
    by_type: dict[str, int] = field(default_factory=dict)


@dataclass
class Summary:
    elapsed: float
    systems: list[SystemFigures]
    held: dict[str, dict[str, int]]
    api_calls: int = 0

    @property
    def pending(self) -> int:
        return sum(s.pending for s in self.systems)

    @property
    def errors(self) -> int:
        return sum(s.errors for s in self.systems)

    def line(self) -> str:
        """One plain line (no TTY): ``SUMMARY {...}`` with JSON figures."""
        data = {
            "t": round(self.elapsed, 1),
            "systems": {
                s.name: {
                    "in": s.records_in,
                    "out": s.records_out,
                    "pending": s.pending,
                    "errors": s.errors,
                }
                for s in self.systems
            },
            "held": self.held,
        }
        return "SUMMARY " + json.dumps(data, separators=(",", ":"))

    def table(self) -> Table:
        """A rich table for the live view."""
        table = Table(title=f"ipaas demo — live for {self.elapsed:.0f} s", expand=False)
        for column in ("system", "records in", "records out", "queue", "errors", "delivered"):
            table.add_column(column, justify="left" if column == "system" else "right")
        for s in self.systems:
            kinds = ", ".join(f"{k} {v}" for k, v in sorted(s.by_type.items())) or "-"
            table.add_row(
                s.name,
                str(s.records_in),
                str(s.records_out),
                str(s.pending),
                f"[red]{s.errors}[/red]" if s.errors else "0",
                kinds,
            )
        held = "; ".join(
            f"{system}: " + ", ".join(f"{k} {v}" for k, v in counts.items())
            for system, counts in self.held.items()
        )
        table.caption = f"in the systems now — {held}"
        return table


def hub_figures(hub: Hub, names: dict[int, str]) -> list[SystemFigures]:
    """Queue figures per subscription (``names``: subscription id -> shown name)."""
    figures = {sub_id: SystemFigures(name) for sub_id, name in names.items()}
    by_type: dict[int, dict[str, int]] = defaultdict(dict)
    with hub.unit_of_work() as uow:
        totals = queue_totals(uow.conn)
    for t in totals:
        f = figures.get(t.subscription_id)
        if f is None:
            continue
        if t.state in ("pending", "in_flight"):
            f.pending += t.count
        elif t.state == "error":
            f.errors += t.count
        elif t.state == "done":
            if t.direction == "to_hub":
                f.records_in += t.count
            else:
                f.records_out += t.count
                kinds = by_type[t.subscription_id]
                kinds[t.data_type] = kinds.get(t.data_type, 0) + t.count
    for sub_id, kinds in by_type.items():
        figures[sub_id].by_type = kinds
    return list(figures.values())


_HELD = {
    "shop": {"products": "products", "customers": "customers", "orders": "orders"},
    "erp": {"items": "items", "stock": "stock", "customers": "customers", "salesOrders": "orders"},
}


async def held_records(
    client: httpx.AsyncClient, urls: dict[str, str]
) -> dict[str, dict[str, int]]:
    """How many live records each demo system holds (its ``/_admin/stats``)."""
    held: dict[str, dict[str, int]] = {}
    for system, url in urls.items():
        try:
            stats: dict[str, Any] = (await client.get(f"{url}/_admin/stats")).json()
        except (httpx.HTTPError, ValueError):
            continue
        resources = stats.get("resources", {})
        held[system] = {
            shown: int(resources.get(name, {}).get("live", 0))
            for name, shown in _HELD[system].items()
        }
    return held
