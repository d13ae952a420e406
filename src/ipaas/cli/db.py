"""``ipaas db``: database migrations."""

from __future__ import annotations

import typer

from ipaas.settings import Settings
from ipaas.store import migrate

app = typer.Typer(help="Manage the hub's database.", no_args_is_help=True)


@app.command()
def upgrade(revision: str = typer.Argument("head", help="Alembic revision to migrate to")) -> None:
    """Migrate the database to the newest schema (or REVISION)."""
    url = Settings().resolved_database_url
    migrate.upgrade(url, revision)
    typer.echo(f"database at revision {migrate.current(url)}")


@app.command()
def current() -> None:
    """Print the database's schema revision."""
    typer.echo(migrate.current(Settings().resolved_database_url) or "(not migrated)")
