"""Helpers shared by the ingest, serve and peerjob benches: ports, process start, a raw HTTP client.

The client is a few lines of asyncio over keep-alive HTTP/1.1: httpx would cost more CPU
than the server it measures on a 2-core machine.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_listening(port: int, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    """Wait until ``process`` accepts connections on ``port``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the process on port {port} exited during start")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port} after {timeout}s")


def python_env(**extra: str) -> dict[str, str]:
    """The environment of a child Python process that imports ``ipaas`` and ``bench``."""
    env = {**os.environ, **extra}
    env["PYTHONPATH"] = f"{ROOT / 'src'}:{ROOT}"
    return env


def stop(process: subprocess.Popen[bytes], timeout: float = 15, sig: int = signal.SIGTERM) -> None:
    """``sig`` (SIGTERM), then SIGKILL if it does not exit in ``timeout`` seconds."""
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


async def read_content_length(reader: asyncio.StreamReader) -> int:
    """Read header lines up to the blank line; the Content-Length (0 without one)."""
    length = 0
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            return length
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())


class HttpConnection:
    """One keep-alive HTTP/1.1 connection to 127.0.0.1 (JSON bodies)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def request(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        """Send one request and read the whole answer: ``(status, body)``."""
        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self._reader is not None
        data = b"" if body is None else json.dumps(body, separators=(",", ":")).encode()
        head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {len(data)}\r\n"
        if body is not None:
            head += "Content-Type: application/json\r\n"
        for header, text in (headers or {}).items():
            head += f"{header}: {text}\r\n"
        self._writer.write((head + "\r\n").encode() + data)
        status_line = await self._reader.readline()
        if not status_line:
            raise ConnectionError("the server closed the connection")
        payload = await self._reader.readexactly(await read_content_length(self._reader))
        return int(status_line.split()[1]), payload

    def close(self) -> None:
        """Close the connection."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0..1) of ``values`` by nearest rank (0 when empty)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, in MiB."""
    import psutil

    process = psutil.Process(pid)
    total = process.memory_info().rss
    for child in process.children(recursive=True):
        try:
            total += child.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total / (1024 * 1024)


def log(message: str) -> None:
    """A progress note on stderr (stdout is for figures)."""
    print(f"# {message}", file=sys.stderr, flush=True)
