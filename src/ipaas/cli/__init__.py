"""The ``ipaas`` command line. Each area adds its commands in its own module here."""

from __future__ import annotations

import typer

import ipaas
from ipaas.cli import accounts, db, demo, demo_system, serve
from ipaas.cli import apply as apply_cli
from ipaas.cli import polling as polling_cli
from ipaas.cli import preview as preview_cli
from ipaas.cli import queue as queue_cli
from ipaas.cli import webhooks as webhooks_cli
from ipaas.cli import worker as worker_cli

app = typer.Typer(
    help="ipaas: a self-hostable hub-and-spoke integration platform.", no_args_is_help=True
)
app.add_typer(db.app, name="db")
app.add_typer(webhooks_cli.app, name="webhooks")
app.add_typer(polling_cli.app, name="polling")
app.command("poll")(polling_cli.poll)
app.add_typer(accounts.company_app, name="company")
app.add_typer(accounts.user_app, name="user")
app.add_typer(accounts.secrets_app, name="secrets")
app.command("serve")(serve.serve)
app.command("demo")(demo.demo)
app.command("demo-system")(demo_system.demo_system)
app.command("worker")(worker_cli.worker)
app.add_typer(queue_cli.app, name="queue")
app.command("apply")(apply_cli.apply)
app.command("export")(apply_cli.export)
app.command("preview")(preview_cli.preview)


@app.command()
def version() -> None:
    """Print the version of ipaas."""
    typer.echo(ipaas.__version__)


def main() -> None:
    """Entry point of the console script."""
    app()
