"""``ipaas demo``: a real sync end to end, on this machine, in one command."""

from __future__ import annotations

import typer


def demo(
    duration: float = typer.Option(None, help="stop after this many seconds of activity"),
    reset: bool = typer.Option(False, "--reset", help="delete the demo data and start over"),
    browser: bool = typer.Option(True, "--browser/--no-browser", help="open the dashboard"),
    port: int = typer.Option(8000, help="port of the hub (another free one if taken)"),
    workers: int = typer.Option(4, help="worker tasks in the hub"),
) -> None:
    """Run the hub with a demo storefront and ERP connected, and watch records move.

    Data lives in var/demo (IPAAS_DATA_DIR); a second run continues, --reset starts over.
    """
    from ipaas.demo.scenario import DemoOptions, run_demo

    code = run_demo(
        DemoOptions(duration=duration, reset=reset, browser=browser, port=port, workers=workers)
    )
    raise typer.Exit(code)
