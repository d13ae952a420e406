"""``ipaas queue``: depth, in flight and errors per subscription; retry or discard errors."""

from __future__ import annotations

import typer

from ipaas.bootstrap import bootstrap
from ipaas.settings import Settings
from ipaas.store.queue import QueueDepth
from ipaas.transfer import admin

app = typer.Typer(help="Watch the queue and handle errors.", invoke_without_command=True)


@app.callback()
def main(ctx: typer.Context) -> None:
    """Without a command: show the queue status."""
    if ctx.invoked_subcommand is None:
        status()


@app.command()
def status() -> None:
    """Pending, in flight and error items per subscription."""
    hub = bootstrap(Settings())
    try:
        rows = admin.queue_status(hub)
    finally:
        hub.close()
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
    hub = bootstrap(Settings())
    try:
        rows = admin.list_errors(hub, subscription_id=subscription, limit=limit)
    finally:
        hub.close()
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
    hub = bootstrap(Settings())
    try:
        count = admin.retry_errors(hub, _ids(item_id, all_), subscription_id=subscription)
    finally:
        hub.close()
    typer.echo(f"{count} item(s) queued again")


@app.command()
def discard(
    item_id: int = typer.Argument(None, help="the error item to discard"),
    all_: bool = typer.Option(False, "--all", help="discard every error item"),
    subscription: int = typer.Option(None, help="only this subscription"),
) -> None:
    """Give up on error items (they stay visible as discarded)."""
    hub = bootstrap(Settings())
    try:
        count = admin.discard_errors(hub, _ids(item_id, all_), subscription_id=subscription)
    finally:
        hub.close()
    typer.echo(f"{count} item(s) discarded")
