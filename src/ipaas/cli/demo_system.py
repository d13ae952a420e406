"""``ipaas demo-system shop|erp``: run one demo external system on 127.0.0.1."""

from __future__ import annotations

from enum import StrEnum

import typer
import uvicorn

from ipaas.demo.erp import create_erp_app
from ipaas.demo.shop import create_shop_app


class DemoSystemKind(StrEnum):
    """Which demo system to run."""

    shop = "shop"
    erp = "erp"


def demo_system(
    kind: DemoSystemKind = typer.Argument(..., help="shop (storefront) or erp"),
    port: int = typer.Option(..., help="port to listen on"),
    host: str = typer.Option("127.0.0.1", help="address to listen on"),
    db: str = typer.Option(None, help="SQLite file (default: a temporary file)"),
    seed_products: int = typer.Option(0, help="generate this many products/items on start"),
) -> None:
    """Serve a demo external system (the storefront or the ERP) with its own database."""
    app = create_shop_app(db) if kind is DemoSystemKind.shop else create_erp_app(db)
    if seed_products:
        app.state.system.generate(
            "products" if kind is DemoSystemKind.shop else "items", seed_products
        )
    typer.echo(f"demo {kind.value} on http://{host}:{port}/docs (Ctrl-C stops)")
    uvicorn.run(app, host=host, port=port, log_level="warning")
