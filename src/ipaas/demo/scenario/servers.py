"""ASGI apps served by uvicorn on 127.0.0.1 in background threads (the demo's processes)."""

from __future__ import annotations

import socket
import threading
import time
from typing import Any, Literal

import uvicorn


def free_port(preferred: int | None = None) -> int:
    """``preferred`` when it is free on 127.0.0.1, else any free port."""
    for port in ([preferred] if preferred else []) + [0]:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return int(s.getsockname()[1])
    raise OSError("no free port on 127.0.0.1")


class ServedApp:
    """One app on its own uvicorn server and thread; ``stop()`` ends it cleanly."""

    def __init__(
        self, name: str, app: Any, port: int, *, lifespan: Literal["auto", "on", "off"] = "on"
    ) -> None:
        self.name = name
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan=lifespan,
            ws="none",
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name=f"demo-{name}", daemon=True)

    def start(self, timeout: float = 20.0) -> ServedApp:
        """Start serving; returns once the server accepts connections."""
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the {self.name} server did not start on {self.url}")
            time.sleep(0.02)
        return self

    def stop(self, timeout: float = 15.0) -> None:
        """Ask the server to finish (lifespan shutdown included) and wait for it."""
        self.server.should_exit = True
        self.thread.join(timeout=timeout)
