"""What the commands share: the hub of the configured settings, and errors as one line."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer

from ipaas.bootstrap import Hub, bootstrap
from ipaas.errors import IpaasError
from ipaas.settings import Settings


@contextmanager
def opened_hub() -> Iterator[Hub]:
    """The hub of the environment's settings (an SQLite hub is migrated first), closed
    after. An ``IpaasError`` inside ends the command through ``fail``."""
    settings = Settings()
    hub = bootstrap(settings, migrate_database=settings.is_sqlite)
    try:
        yield hub
    except IpaasError as error:
        raise fail(error) from None
    finally:
        hub.close()


def fail(error: IpaasError, code: int = 1) -> typer.Exit:
    """Say ``error (field): message`` on stderr; returns the exit to raise."""
    # A document error already names its field as "file:line: field: ..."
    named = error.field and f"{error.field}:" not in error.message
    typer.echo(
        f"error ({error.field}): {error.message}" if named else f"error: {error.message}", err=True
    )
    return typer.Exit(code)


def subscription_ref(hub: Hub, ref: str) -> int:
    """The id of the subscription ``ref`` names (its id or its name)."""
    from ipaas.store.triggers import TriggerRepository

    with hub.unit_of_work(read_only=True) as uow:
        return TriggerRepository(uow.conn).find_subscription(ref)
