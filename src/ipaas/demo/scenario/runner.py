"""``run_demo``: the whole demo in one process.

The hub (API, dashboard, workers, scheduler; SQLite in the data directory), the
storefront and the ERP each serve on a free port of 127.0.0.1 in a thread. The main
thread sets up tenants and subscriptions, enables webhooks, initializes the data with
progress bars, then generates activity and shows the live summary until the duration
ends or Ctrl-C. A second run reuses the data; ``reset`` starts over.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import time
import webbrowser
from dataclasses import dataclass
from pathlib import Path

import httpx
from rich.console import Console
from rich.live import Live
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn

from ipaas.bootstrap import Hub, bootstrap
from ipaas.demo.erp import create_erp_app
from ipaas.demo.scenario.activity import DemoActivity
from ipaas.demo.scenario.servers import ServedApp, free_port
from ipaas.demo.scenario.setup import (
    DemoSubscriptions,
    apply_demo_configuration,
    connect_webhooks,
)
from ipaas.demo.scenario.summary import Summary, held_records, hub_figures
from ipaas.demo.scenario.tenants import DEMO_PASSWORD, USERS, ensure_tenants
from ipaas.demo.shop import create_shop_app
from ipaas.demo.systems.settings import DemoSettings
from ipaas.server import create_hub_app
from ipaas.settings import Settings
from ipaas.store.queue_totals import queue_totals
from ipaas.transfer.manual import initialize
from ipaas.transfer.registry_provider import RegistryConnectorProvider

DEFAULT_DATA_DIR = Path("var") / "demo"
STATE_FILE = "demo-state.json"


@dataclass(frozen=True, slots=True)
class DemoOptions:
    duration: float | None = None
    reset: bool = False
    browser: bool = True
    port: int = 8000
    workers: int = 4
    live: bool | None = None  # None: a live view on a terminal, summary lines otherwise


def data_directory() -> Path:
    """``IPAAS_DATA_DIR`` when set, else ``var/demo``."""
    return Path(os.environ.get("IPAAS_DATA_DIR") or DEFAULT_DATA_DIR)


class DemoRun:
    """One run of the demo; ``run()`` returns the exit code."""

    def __init__(self, options: DemoOptions, console: Console | None = None) -> None:
        self.options = options
        self.console = console or Console()
        self.live = options.live if options.live is not None else self.console.is_terminal
        self.data_dir = data_directory()
        self.stop = asyncio.Event()
        self.started = time.monotonic()

    def say(self, text: str) -> None:
        self.console.print(text, highlight=False, soft_wrap=True)

    def run(self) -> int:
        if self.options.reset and self.data_dir.exists():
            shutil.rmtree(self.data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        state_path = self.data_dir / STATE_FILE
        state = json.loads(state_path.read_text()) if state_path.exists() else {}
        hub_port = free_port(self.options.port)
        hub_url = f"http://127.0.0.1:{hub_port}"
        settings = Settings(data_dir=self.data_dir, public_url=hub_url, host="127.0.0.1")
        hub = bootstrap(settings, migrate_database=settings.is_sqlite)
        demo = DemoSettings()
        shop_app = create_shop_app(str(self.data_dir / "shop.db"), demo)
        erp_app = create_erp_app(str(self.data_dir / "erp.db"), demo)
        servers: list[ServedApp] = []
        try:
            if not state.get("seeded"):
                _seed_systems(shop_app.state.system, erp_app.state.system)
                state["seeded"] = True
                state_path.write_text(json.dumps(state))
            shop = ServedApp("shop", shop_app, free_port()).start()
            servers.append(shop)
            erp = ServedApp("erp", erp_app, free_port()).start()
            servers.append(erp)
            urls = {"shop": shop.url, "erp": erp.url, "hub": hub_url}
            print("DEMO_SYSTEMS " + json.dumps(urls), flush=True)
            self.say(f"[bold]ipaas demo[/bold] — data in {self.data_dir} (--reset starts over)")
            ensure_tenants(hub)
            subs = apply_demo_configuration(hub, self.data_dir / "config", shop.url, erp.url, demo)
            self.say(f"applied the shop and ERP integrations and {self.data_dir / 'config'}/*.yaml")
            servers.append(
                ServedApp(
                    "hub", create_hub_app(hub, workers=self.options.workers), hub_port
                ).start()
            )
            self._banner(hub_url, shop.url, erp.url)
            asyncio.run(self._main(hub, subs, urls, demo, state, state_path))
        finally:
            for served in reversed(servers):
                served.stop()
            shop_app.state.system.close()
            erp_app.state.system.close()
            hub.close()
        self.say("stopped cleanly; run [bold]ipaas demo[/bold] again to continue")
        return 0

    def _banner(self, hub_url: str, shop_url: str, erp_url: str) -> None:
        self.say(f"hub       {hub_url}  (API docs {hub_url}/docs)")
        self.say(f"dashboard {hub_url}/app")
        for email, _, company, role in USERS:
            self.say(f"login     {email} / {DEMO_PASSWORD}  ({role.value} of {company})")
        self.say(f"storefront {shop_url}/docs   ERP {erp_url}/docs")
        if self.options.browser and self.console.is_terminal:
            with contextlib.suppress(Exception):
                webbrowser.open(f"{hub_url}/app")

    async def _main(
        self,
        hub: Hub,
        subs: DemoSubscriptions,
        urls: dict[str, str],
        demo: DemoSettings,
        state: dict[str, object],
        state_path: Path,
    ) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, self.stop.set)
        recorder = getattr(hub.connectors, "recorder", None)
        provider = RegistryConnectorProvider(hub, recorder=recorder)
        names = {subs.shop_id: "storefront", subs.erp_id: "ERP"}
        try:
            problems = await connect_webhooks(hub, subs, provider)
            for problem in problems:
                self.say(f"[yellow]webhook not enabled[/yellow] {problem}")
            self.say("webhooks enabled in both systems")
            if not state.get("initialized"):
                await self._initialize(hub, subs, provider, names)
                state["initialized"] = True
                state_path.write_text(json.dumps(state))
            await self._live(hub, urls, demo, names)
        finally:
            await provider.close()

    async def _initialize(
        self,
        hub: Hub,
        subs: DemoSubscriptions,
        provider: RegistryConnectorProvider,
        names: dict[int, str],
    ) -> None:
        self.say(
            "initializing: ERP items and stock to the shop; shop customers and orders to the ERP"
        )
        columns = (
            TextColumn("{task.description:<28}"),
            BarColumn(),
            MofNCompleteColumn(),
        )
        deadline = time.monotonic() + 120
        with Progress(*columns, console=self.console, disable=not self.live) as progress:
            tasks: dict[tuple[int, str], TaskID] = {}
            # The shop's own catalogue first, so ERP items meet it by SKU instead of
            # arriving in the shop a second time.
            steps = (
                (subs.shop_id, ["product", "customer", "transaction"]),
                (subs.erp_id, ["product", "product_inventory"]),
            )
            for sub_id, data_types in steps:
                await initialize(hub, sub_id, data_types, "to_hub", provider=provider)
                while not self.stop.is_set():
                    counts = await asyncio.to_thread(_progress_counts, hub)
                    for (other, direction), (done, total) in sorted(counts.items()):
                        arrow = "→ hub" if direction == "to_hub" else "← hub"
                        key = (other, direction)
                        if key not in tasks:
                            label = f"{names.get(other, other)} {arrow}"
                            tasks[key] = progress.add_task(label, total=total)
                        progress.update(tasks[key], completed=done, total=total)
                    waiting = sum(total - done for done, total in counts.values())
                    if (waiting == 0 and counts) or time.monotonic() > deadline:
                        break
                    await asyncio.sleep(0.25)
        if not self.live:
            counts = await asyncio.to_thread(_progress_counts, hub)
            for (sub_id, direction), (done, total) in sorted(counts.items()):
                self.say(f"initialized {names.get(sub_id, sub_id)} {direction}: {done}/{total}")

    async def _live(
        self, hub: Hub, urls: dict[str, str], demo: DemoSettings, names: dict[int, str]
    ) -> None:
        systems = {"shop": urls["shop"], "erp": urls["erp"]}
        async with httpx.AsyncClient(timeout=10) as client:
            activity = DemoActivity(client, urls["shop"], urls["erp"], demo)
            live_started = time.monotonic()
            print(f"DEMO_LIVE {live_started - self.started:.1f}", flush=True)
            self.say("live: generating activity (Ctrl-C stops)")
            second = 0
            view = Live(console=self.console, refresh_per_second=4) if self.live else None
            try:
                if view is not None:
                    view.start()
                while not self.stop.is_set():
                    elapsed = time.monotonic() - live_started
                    if self.options.duration is not None and elapsed >= self.options.duration:
                        break
                    try:
                        await activity.step(second)
                    except httpx.HTTPError as error:
                        activity.log.last = f"activity call failed: {type(error).__name__}"
                    figures = await asyncio.to_thread(hub_figures, hub, names)
                    summary = Summary(elapsed, figures, await held_records(client, systems))
                    if view is not None:
                        view.update(summary.table())
                    else:
                        print(summary.line(), flush=True)
                    second += 1
                    pause = live_started + second - time.monotonic()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self.stop.wait(), timeout=max(0.05, pause))
            finally:
                if view is not None:
                    view.stop()
                await activity.calm()
            figures = await asyncio.to_thread(hub_figures, hub, names)
            final = Summary(
                time.monotonic() - live_started, figures, await held_records(client, systems)
            )
            print(final.line(), flush=True)


def _seed_systems(shop: object, erp: object) -> None:
    shop.generate("products", 10)  # type: ignore[attr-defined]
    shop.generate("customers", 8)  # type: ignore[attr-defined]
    shop.generate("orders", 5)  # type: ignore[attr-defined]
    erp.generate("items", 30)  # type: ignore[attr-defined]
    erp.generate("stock", 30)  # type: ignore[attr-defined]


def _progress_counts(hub: Hub) -> dict[tuple[int, str], tuple[int, int]]:
    counts: dict[tuple[int, str], list[int]] = {}
    with hub.unit_of_work() as uow:
        for t in queue_totals(uow.conn):
            entry = counts.setdefault((t.subscription_id, t.direction), [0, 0])
            entry[1] += t.count
            if t.state not in ("pending", "in_flight"):
                entry[0] += t.count
    return {k: (v[0], v[1]) for k, v in counts.items()}


def run_demo(options: DemoOptions) -> int:
    """Run the demo; returns the process exit code."""
    return DemoRun(options).run()
