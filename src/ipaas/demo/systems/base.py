"""What both demo systems share: store, chaos, webhook delivery, generator and lifecycle."""

from __future__ import annotations

import shutil
import tempfile
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any

from ipaas.demo.systems.chaos import Chaos
from ipaas.demo.systems.delivery import WebhookDispatcher
from ipaas.demo.systems.generator import DemoDataGenerator
from ipaas.demo.systems.settings import DemoSettings
from ipaas.demo.systems.store import DocumentStore
from ipaas.errors import ValidationError


class DemoSystem(ABC):
    """One running demo external system; ``app.state.system`` of its FastAPI app.

    Use it in-process to generate data (:meth:`generate`), to wait for webhook delivery
    (``system.webhooks.wait_idle()``) and to release the database (:meth:`close`).
    """

    name: str
    generate_kinds: tuple[str, ...]

    def __init__(self, db_path: str | None, settings: DemoSettings | None) -> None:
        self.settings = settings or DemoSettings()
        self._temp_dir: str | None = None
        if db_path is None:
            self._temp_dir = tempfile.mkdtemp(prefix=f"ipaas-demo-{self.name}-")
            db_path = str(Path(self._temp_dir) / f"{self.name}.db")
        self.store = DocumentStore(db_path)
        self.chaos = Chaos(self.settings.seed)
        self.webhooks = WebhookDispatcher(self.settings, self.name)
        self.generator = DemoDataGenerator(self.settings.seed)
        self._closed = False

    def close(self) -> None:
        """Stop webhook delivery, close the database and remove a temporary one."""
        if self._closed:
            return
        self._closed = True
        self.webhooks.close()
        self.store.close()
        if self._temp_dir:
            shutil.rmtree(self._temp_dir, ignore_errors=True)

    def stats(self) -> dict[str, Any]:
        """Counts per resource, requests and webhook deliveries."""
        return {
            "resources": {
                name: counts
                for name, counts in self.store.counts().items()
                if not name.startswith("_")
            },
            "requests": dict(self.chaos.requests),
            "webhooks": {**self.webhooks.stats, "pending": self.webhooks.pending},
            "chaos": self.chaos.settings.model_dump(),
        }

    def reset(self) -> None:
        """Empty the data (webhook registrations too) and the request counts."""
        self.store.reset()
        self.chaos.requests.clear()

    def generate(self, kind: str, count: int) -> list[str]:
        """Create ``count`` generated records of ``kind``; returns their keys.

        Changes fire webhooks exactly as API changes do.
        """
        if kind not in self.generate_kinds:
            allowed = ", ".join(self.generate_kinds)
            raise ValidationError(f"kind must be one of: {allowed}", field="kind")
        if not 0 < count <= 100_000:
            raise ValidationError("count must be between 1 and 100000", field="count")
        return self._generate(kind, count)

    def next_generated(self, kind: str) -> int:
        """The next index of the generator's ``kind`` sequence in this database."""
        return self.store.next_value(f"generated:{kind}")

    def generated_so_far(self, kind: str) -> int:
        """How many of ``kind`` were generated in this database."""
        return self.store.current_value(f"generated:{kind}")

    @abstractmethod
    def _generate(self, kind: str, count: int) -> list[str]: ...
