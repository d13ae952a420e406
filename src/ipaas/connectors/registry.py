"""Finding connector classes: the ``ipaas.connectors`` entry point group.

Built-in connectors register the same way as third-party packages, in pyproject.toml::

    [project.entry-points."ipaas.connectors"]
    rest = "ipaas.connectors.rest:RestConnector"
"""

from __future__ import annotations

import logging
from importlib.metadata import EntryPoint, entry_points

from ipaas.connectors.base import Connector
from ipaas.errors import ConfigurationError

ENTRY_POINT_GROUP = "ipaas.connectors"
log = logging.getLogger(__name__)


class ConnectorRegistry:
    """Connector classes by name: the entry points, plus classes registered in code."""

    def __init__(self, *, discover: bool = True) -> None:
        self._classes: dict[str, type[Connector]] = {}
        self._entry_points: dict[str, EntryPoint] = {}
        if discover:
            self.discover()

    def discover(self) -> list[str]:
        """(Re)read the entry point group; returns the names found."""
        found = entry_points(group=ENTRY_POINT_GROUP)
        for ep in found:
            # The first distribution wins, as it would on import: a stale copy cannot shadow.
            self._entry_points.setdefault(ep.name, ep)
        return sorted(ep.name for ep in found)

    def register(self, cls: type[Connector], name: str | None = None) -> None:
        """Register ``cls`` under ``name`` (default ``cls.name``), e.g. a test fake."""
        self._classes[name or cls.name] = cls

    def names(self) -> list[str]:
        """Every connector name known, sorted."""
        return sorted({*self._classes, *self._entry_points})

    def get(self, name: str) -> type[Connector]:
        """The connector class called ``name``; ``ConfigurationError`` naming the choices."""
        if name in self._classes:
            return self._classes[name]
        ep = self._entry_points.get(name)
        if ep is None:
            choices = ", ".join(self.names()) or "none installed"
            raise ConfigurationError(
                f"unknown connector {name!r}; known: {choices}", field="connector"
            )
        try:
            cls = ep.load()
        except Exception as exc:
            log.exception("loading connector %s from %s failed", name, ep.value)
            raise ConfigurationError(
                f"connector {name!r} could not be loaded: {type(exc).__name__}", field="connector"
            ) from None
        if not (isinstance(cls, type) and issubclass(cls, Connector)):
            raise ConfigurationError(
                f"entry point {name!r} ({ep.value}) is not a Connector class", field="connector"
            )
        self._classes[name] = cls
        return cls


_default: ConnectorRegistry | None = None


def default_registry() -> ConnectorRegistry:
    """The process-wide registry, discovered on first use."""
    global _default
    if _default is None:
        _default = ConnectorRegistry()
    return _default
