"""``ipaas apply`` and ``ipaas export``: integrations and subscriptions as YAML files."""

from __future__ import annotations

from pathlib import Path

import typer

from ipaas.cli.common import opened_hub


def apply(
    files: list[Path] = typer.Option(..., "-f", "--file", help="a YAML file or a directory"),
    integrator: str = typer.Option("Integrator", help="company owning new integrations"),
    triggers: bool = typer.Option(
        True, "--triggers/--no-triggers", help="also set polling and enable webhooks"
    ),
) -> None:
    """Create or update integrations and subscriptions from YAML; a second run changes
    nothing and says so."""
    from ipaas.integration_as_code import apply_documents, load_documents

    with opened_hub() as hub:
        changes = apply_documents(
            hub, load_documents(files), integrator=integrator, triggers=triggers
        )
    for change in changes:
        typer.echo(str(change))
    if all(c.outcome == "unchanged" for c in changes):
        typer.echo("nothing changed")


def export(
    out: Path = typer.Option(..., "-o", "--out", help="directory to write the YAML files to"),
    integration: str = typer.Option(None, help="only this integration key (every version)"),
    subscription: int = typer.Option(None, help="only this subscription id"),
) -> None:
    """Write integrations and subscriptions as YAML files (secrets as ${env:NAME})."""
    from ipaas.integration_as_code import export_documents

    with opened_hub() as hub:
        paths = export_documents(hub, out, integration=integration, subscription=subscription)
    for path in paths:
        typer.echo(f"wrote {path}")
