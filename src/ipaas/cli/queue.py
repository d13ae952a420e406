"""``ipaas queue``: depth, in flight and errors per subscription; retry or discard errors;
queue records by id (manual transfer) or all of them (initialization)."""

from __future__ import annotations

import asyncio
import sys

import typer

from ipaas.bootstrap import Hub
from ipaas.cli.common import opened_hub
from ipaas.domain import Direction
from ipaas.store.queue import QueueDepth
from ipaas.store.transfer import InitializationRow
from ipaas.transfer import admin
from ipaas.transfer import initialize as initialize_records
from ipaas.transfer.manual import transfer_records

app = typer.Typer(help="Watch the queue and handle errors.", invoke_without_command=True)


@app.callback()
def main(ctx: typer.Context) -> None:
    """Without a command: show the queue status."""
    if ctx.invoked_subcommand is None:
        status()


@app.command()
def status() -> None:
    """Pending, in flight and error items per subscription."""
    with opened_hub() as hub:
        rows = admin.queue_status(hub)
    width = max([len("subscription"), *(len(_named(r)) for r in rows)])
    typer.echo(
        f"{'subscription':<{width}} {'pending':>8} {'in_flight':>9} {'errors':>7}  oldest pending"
    )
    for r in rows:
        oldest = r.oldest_pending_at.isoformat(timespec="seconds") if r.oldest_pending_at else "-"
        typer.echo(f"{_named(r):<{width}} {r.pending:>8} {r.in_flight:>9} {r.error:>7}  {oldest}")
    if not rows:
        typer.echo("(queue empty)")


def _named(depth: QueueDepth) -> str:
    return f"{depth.subscription_id} {depth.subscription_name}".strip()


@app.command()
def errors(
    subscription: int = typer.Option(None, help="only this subscription"),
    limit: int = typer.Option(50),
) -> None:
    """Items in error, newest first, with the full reason."""
    with opened_hub() as hub:
        rows = admin.list_errors(hub, subscription_id=subscription, limit=limit)
    for r in rows:
        typer.echo(
            f"#{r.id} sub {r.subscription_id} {r.direction} {r.data_type} {r.record_key} "
            f"{r.method} attempts={r.attempts} tracking={r.tracking_id}\n    {r.last_error}"
        )
    if not rows:
        typer.echo("(no errors)")


def _ids(item_id: int | None, all_: bool) -> list[int] | None:
    if item_id is None and not all_:
        raise typer.BadParameter("give an item ID or --all")
    return None if all_ else [item_id] if item_id is not None else None


@app.command()
def retry(
    item_id: int = typer.Argument(None, help="the error item to retry"),
    all_: bool = typer.Option(False, "--all", help="retry every error item"),
    subscription: int = typer.Option(None, help="only this subscription"),
) -> None:
    """Queue error items again with fresh attempts."""
    with opened_hub() as hub:
        count = admin.retry_errors(hub, _ids(item_id, all_), subscription_id=subscription)
    typer.echo(f"{count} item(s) queued again")


@app.command()
def discard(
    item_id: int = typer.Argument(None, help="the error item to discard"),
    all_: bool = typer.Option(False, "--all", help="discard every error item"),
    subscription: int = typer.Option(None, help="only this subscription"),
) -> None:
    """Give up on error items (they stay visible as discarded)."""
    with opened_hub() as hub:
        count = admin.discard_errors(hub, _ids(item_id, all_), subscription_id=subscription)
    typer.echo(f"{count} item(s) discarded")


@app.command()
def transfer(
    subscription: int = typer.Argument(..., help="the subscription"),
    data_type: str = typer.Argument(..., help="the data type, e.g. product"),
    ids: list[str] = typer.Argument(None, help="record ids; - reads them, one a line, from stdin"),
    direction: Direction = typer.Option(
        Direction.TO_HUB, help="to_hub reads the records from the system; from_hub sends them"
    ),
    by: str = typer.Option("external", help="the ids are 'external' ids or 'hub' ids"),
    debug: bool = typer.Option(False, help="jump the queue and record full bodies"),
) -> None:
    """Queue records of one subscription now, by id (thousands at once)."""
    wanted = [line.strip() for line in sys.stdin if line.strip()] if ids == ["-"] else ids or []
    if not wanted:
        raise typer.BadParameter("give record ids, or - to read them from standard input")
    with opened_hub() as hub:
        queued = transfer_records(
            hub, subscription, data_type, direction, wanted, by=by, debug=debug
        )
    skipped = len(wanted) - queued.queued
    note = f" ({skipped} without a link in this subscription left out)" if skipped else ""
    typer.echo(f"{queued.queued} item(s) queued{note}; tracking id {queued.tracking_id}")


@app.command()
def initialize(
    subscription: int = typer.Argument(..., help="the subscription"),
    data_types: list[str] = typer.Argument(..., help="data types, run in dependency order"),
    direction: Direction = typer.Option(
        Direction.TO_HUB, help="to_hub reads every record of the system; from_hub sends the hub's"
    ),
    debug: bool = typer.Option(False, help="record full bodies of every call"),
) -> None:
    """Queue every record of the data types (the first bulk load); resumes a run that
    stopped. Running workers (``ipaas serve`` or ``ipaas worker``) then carry them."""
    from ipaas.transfer.registry_provider import hub_connector_provider

    async def run(hub: Hub) -> list[InitializationRow]:
        provider = hub_connector_provider(hub)
        try:
            return await initialize_records(
                hub, subscription, data_types, direction, provider=provider, debug=debug
            )
        finally:
            await provider.close()

    with opened_hub() as hub:
        rows = asyncio.run(run(hub))
    for row in rows:
        typer.echo(
            f"{row.data_type} {row.direction}: {row.records} record(s) queued in {row.pages}"
            f" page(s), {row.state}; tracking id {row.tracking_id}"
        )
