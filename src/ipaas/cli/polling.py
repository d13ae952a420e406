"""``ipaas poll`` and ``ipaas polling``: run a poll now, set polling schedules."""

from __future__ import annotations

import asyncio

import typer

from ipaas.cli.common import opened_hub, subscription_ref
from ipaas.triggers.polling import configure_polling, poll_once

app = typer.Typer(help="Polling schedules of subscriptions.", no_args_is_help=True)


def poll(
    subscription: str = typer.Argument(..., help="subscription id or name"),
    data_type: str = typer.Argument(..., help="data type, e.g. product"),
    max_pages: int = typer.Option(None, help="stop after this many pages"),
) -> None:
    """Poll SUBSCRIPTION for changed DATA_TYPE records now, from the stored watermark."""
    with opened_hub() as hub:
        result = asyncio.run(
            poll_once(hub, subscription_ref(hub, subscription), data_type, max_pages=max_pages)
        )
    if result is None:
        typer.echo("another process is polling this right now", err=True)
        raise typer.Exit(2)
    typer.echo(
        f"{result.records} records in {result.pages} pages, {result.enqueued} enqueued; "
        f"watermark {result.watermark}"
    )


@app.command("set")
def set_schedule(
    subscription: str = typer.Argument(..., help="subscription id or name"),
    data_type: str = typer.Argument(..., help="data type, e.g. product"),
    interval: float = typer.Option(None, help="poll every this many seconds"),
    cron: str = typer.Option(None, help="or on this cron expression"),
    lookback_hours: float = typer.Option(0.0, help="first poll: only changes this recent"),
    disable: bool = typer.Option(False, "--disable", help="stop polling"),
) -> None:
    """Set when DATA_TYPE of SUBSCRIPTION is polled (the watermark is kept)."""
    with opened_hub() as hub:
        state = configure_polling(
            hub,
            subscription_ref(hub, subscription),
            data_type,
            interval_seconds=interval,
            cron=cron,
            lookback_seconds=lookback_hours * 3600,
            enabled=not disable,
        )
    typer.echo(f"{state.data_type}: {'enabled' if state.enabled else 'disabled'}")
