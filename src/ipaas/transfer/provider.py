"""The seam between the transfer engine and connectors: who gives a subscription's connector."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol, runtime_checkable

from ipaas.connectors.base import Connector
from ipaas.errors import ConfigurationError


@runtime_checkable
class ConnectorProvider(Protocol):
    """Gives the connector of a subscription (built once, reused for every call)."""

    def get(self, subscription_id: int) -> Connector:
        """The connector to use for ``subscription_id``; ``ConfigurationError`` if none."""
        ...

    async def close(self) -> None:
        """Close every connector handed out."""
        ...


class StaticConnectorProvider:
    """A provider over a fixed dict of connectors (tests, benchmarks, embedded setups)."""

    def __init__(self, connectors: Mapping[int, Connector]) -> None:
        self.connectors = dict(connectors)

    def get(self, subscription_id: int) -> Connector:
        """The connector registered for ``subscription_id``."""
        try:
            return self.connectors[subscription_id]
        except KeyError:
            raise ConfigurationError(
                f"no connector for subscription {subscription_id}", field="subscription_id"
            ) from None

    async def close(self) -> None:
        """Close every connector."""
        for connector in self.connectors.values():
            await connector.close()
