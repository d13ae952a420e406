"""``ipaas webhooks``: keys of the generic hook and webhook registrations per scope."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import typer

from ipaas.cli.common import opened_hub, subscription_ref
from ipaas.store.triggers import Registration, TriggerRepository
from ipaas.triggers.registration import disable_webhooks, enable_webhooks, webhook_status

app = typer.Typer(help="Webhook keys and registrations of subscriptions.", no_args_is_help=True)


def _print_registrations(registrations: list[Registration]) -> None:
    if not registrations:
        typer.echo("  (no webhooks registered)")
    for r in registrations:
        line = f"  {r.scope:<28} {r.state:<9} {r.updated_at:%Y-%m-%d %H:%M:%S}"
        typer.echo(line + (f"  {r.last_error}" if r.last_error else ""))


@app.command()
def status(subscription: str = typer.Argument(..., help="subscription id or name")) -> None:
    """Show the hook addresses, keys, registrations per scope and polling."""
    with opened_hub() as hub:
        found = webhook_status(hub, subscription_ref(hub, subscription))
    typer.echo(f"subscription {found.subscription_id}")
    typer.echo(f"  generic hook:  POST {found.generic_url}  (Authorization: Bearer <key>)")
    typer.echo(f"  receiver:      POST {found.callback_url}")
    for key in found.keys:
        expires = key["expires_at"]
        typer.echo(
            f"  key {key['prefix']}…  "
            + (f"expires {expires:%Y-%m-%d %H:%M}" if expires else "active")
        )
    typer.echo("webhooks:")
    _print_registrations(found.registrations)
    typer.echo("polling:")
    for poll in found.polls:
        schedule = poll.cron or (
            f"every {poll.interval_seconds:g}s" if poll.interval_seconds else "manual"
        )
        typer.echo(
            f"  {poll.data_type:<20} {schedule:<16} watermark={poll.watermark} "
            f"records={poll.records_total}"
            + (f" error={poll.last_error}" if poll.last_error else "")
        )


@app.command()
def enable(
    subscription: str = typer.Argument(..., help="subscription id or name"),
    scopes: list[str] = typer.Argument(..., help="scopes, e.g. product/created product/updated"),
) -> None:
    """Register the hub's webhook address in the external system for SCOPES."""
    with opened_hub() as hub:
        registrations = asyncio.run(
            enable_webhooks(hub, subscription_ref(hub, subscription), scopes)
        )
    _print_registrations(registrations)


@app.command()
def disable(
    subscription: str = typer.Argument(..., help="subscription id or name"),
    scopes: list[str] = typer.Argument(None, help="scopes to disable (default: all)"),
) -> None:
    """Remove the hub's webhook registrations (of SCOPES) from the external system."""
    with opened_hub() as hub:
        registrations = asyncio.run(
            disable_webhooks(hub, subscription_ref(hub, subscription), scopes or None)
        )
    _print_registrations(registrations)


@app.command("create-key")
def create_key(subscription: str = typer.Argument(..., help="subscription id or name")) -> None:
    """Create a key for the generic hook. It is shown once; only its hash is stored."""
    with opened_hub() as hub:
        with hub.unit_of_work() as uow:
            repo = TriggerRepository(uow.conn)
            key = repo.create_key(repo.find_subscription(subscription))
            uow.commit()
    typer.echo(key)


@app.command("rotate-key")
def rotate_key(
    subscription: str = typer.Argument(..., help="subscription id or name"),
    grace_hours: float = typer.Option(24.0, help="how long the current keys stay valid"),
) -> None:
    """Create a new key; the current ones expire after the grace period."""
    with opened_hub() as hub:
        with hub.unit_of_work() as uow:
            repo = TriggerRepository(uow.conn)
            key = repo.rotate_key(
                repo.find_subscription(subscription), grace=timedelta(hours=grace_hours)
            )
            uow.commit()
    typer.echo(key)
