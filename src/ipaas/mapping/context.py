"""What a mapping sees besides the source record: preset, hub record, parent, system, links."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from ipaas.mapping.errors import MissingPrerequisite


@runtime_checkable
class LinkResolver(Protocol):
    """Translates between hub ids and one system's external ids.

    The transfer engine implements it over the database. It may raise
    ``MissingPrerequisite`` when the linked record must be sent first.
    """

    def external_id(self, data_type: str, hub_id: str) -> str | None:
        """The external id of hub record ``hub_id`` in this system, or None."""
        ...

    def hub_id(self, data_type: str, external_id: str) -> str | None:
        """The hub id linked to ``external_id`` in this system, or None."""
        ...


@dataclass
class InMemoryLinkResolver:
    """A ``LinkResolver`` over a dict, for tests and previews.

    ``links`` maps ``(data_type, hub_id)`` to the external id. With ``strict`` an unknown
    hub id raises ``MissingPrerequisite`` as the real resolver does for unsent records.
    """

    links: dict[tuple[str, str], str] = field(default_factory=dict)
    strict: bool = False

    def link(self, data_type: str, hub_id: str, external_id: str) -> None:
        """Record that ``hub_id`` is ``external_id`` in this system."""
        self.links[(data_type, hub_id)] = external_id

    def external_id(self, data_type: str, hub_id: str) -> str | None:
        """The linked external id; see the class docstring for ``strict``."""
        found = self.links.get((data_type, hub_id))
        if found is None and self.strict:
            raise MissingPrerequisite(data_type, hub_id)
        return found

    def hub_id(self, data_type: str, external_id: str) -> str | None:
        """The hub id linked to ``external_id``, or None."""
        for (kind, hub_id), linked in self.links.items():
            if kind == data_type and linked == external_id:
                return hub_id
        return None


@dataclass
class MappingContext:
    """Everything a mapping may read besides its source.

    ``preset`` must already exclude secret fields: formulas can read all of it.
    ``hub`` is the current hub record (for updates and validation of partial output),
    ``parent`` the parent source record for a child collection, ``system`` the target
    or origin system's ``name`` and ``id``.
    """

    preset: dict[str, Any] = field(default_factory=dict)
    hub: dict[str, Any] | None = None
    parent: dict[str, Any] | None = None
    system: dict[str, Any] = field(default_factory=dict)
    resolver: LinkResolver = field(default_factory=InMemoryLinkResolver)

    def for_child(self, parent: dict[str, Any]) -> MappingContext:
        """The context a child collection's items see: the same, with ``parent`` set."""
        return MappingContext(self.preset, self.hub, parent, self.system, self.resolver)
