"""``ipaas demo``: the hub on an embedded SQLite database, ready to explore."""

from __future__ import annotations

import typer

from ipaas.cli.serve import serve


def demo(
    port: int = typer.Option(8000, help="port of the hub"),
) -> None:
    """Run the hub on SQLite in one process (the full demo scenario builds on this)."""
    typer.echo(f"ipaas demo: hub on http://127.0.0.1:{port}/healthz (Ctrl-C stops)")
    serve(host="127.0.0.1", port=port, workers=True)
