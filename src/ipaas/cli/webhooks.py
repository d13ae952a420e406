"""``ipaas webhooks``: keys of the generic hook and webhook registrations per scope."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import typer

from ipaas.bootstrap import Hub, bootstrap
from ipaas.errors import IpaasError
from ipaas.settings import Settings
from ipaas.store.triggers import Registration, TriggerRepository
from ipaas.triggers.registration import disable_webhooks, enable_webhooks, webhook_status

app = typer.Typer(help="Webhook keys and registrations of subscriptions.", no_args_is_help=True)


def _hub() -> Hub:
    settings = Settings()
    return bootstrap(settings, migrate_database=settings.is_sqlite)


def _subscription(hub: Hub, ref: str) -> int:
    with hub.unit_of_work() as uow:
        return TriggerRepository(uow.conn).find_subscription(ref)


def _fail(error: IpaasError) -> typer.Exit:
    typer.echo(f"error: {error.message}", err=True)
    return typer.Exit(1)


def _print_registrations(registrations: list[Registration]) -> None:
    if not registrations:
        typer.echo("  (no webhooks registered)")
    for r in registrations:
        line = f"  {r.scope:<28} {r.state:<9} {r.updated_at:%Y-%m-%d %H:%M:%S}"
        typer.echo(line + (f"  {r.last_error}" if r.last_error else ""))


@app.command()
def status(subscription: str = typer.Argument(..., help="subscription id or name")) -> None:
    """Show the hook addresses, keys, registrations per scope and polling."""
    hub = _hub()
    try:
        found = webhook_status(hub, _subscription(hub, subscription))
    except IpaasError as error:
        raise _fail(error) from None
    finally:
        hub.close()
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
    hub = _hub()
    try:
        registrations = asyncio.run(enable_webhooks(hub, _subscription(hub, subscription), scopes))
    except IpaasError as error:
        raise _fail(error) from None
    finally:
        hub.close()
    _print_registrations(registrations)


@app.command()
def disable(
    subscription: str = typer.Argument(..., help="subscription id or name"),
    scopes: list[str] = typer.Argument(None, help="scopes to disable (default: all)"),
) -> None:
    """Remove the hub's webhook registrations (of SCOPES) from the external system."""
    hub = _hub()
    try:
        registrations = asyncio.run(
            disable_webhooks(hub, _subscription(hub, subscription), scopes or None)
        )
    except IpaasError as error:
        raise _fail(error) from None
    finally:
        hub.close()
    _print_registrations(registrations)


@app.command("create-key")
def create_key(subscription: str = typer.Argument(..., help="subscription id or name")) -> None:
    """Create a key for the generic hook. It is shown once; only its hash is stored."""
    hub = _hub()
    try:
        with hub.unit_of_work() as uow:
            repo = TriggerRepository(uow.conn)
            key = repo.create_key(repo.find_subscription(subscription))
            uow.commit()
    except IpaasError as error:
        raise _fail(error) from None
    finally:
        hub.close()
    typer.echo(key)


@app.command("rotate-key")
def rotate_key(
    subscription: str = typer.Argument(..., help="subscription id or name"),
    grace_hours: float = typer.Option(24.0, help="how long the current keys stay valid"),
) -> None:
    """Create a new key; the current ones expire after the grace period."""
    hub = _hub()
    try:
        with hub.unit_of_work() as uow:
            repo = TriggerRepository(uow.conn)
            key = repo.rotate_key(
                repo.find_subscription(subscription), grace=timedelta(hours=grace_hours)
            )
            uow.commit()
    except IpaasError as error:
        raise _fail(error) from None
    finally:
        hub.close()
    typer.echo(key)
