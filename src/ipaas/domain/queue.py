"""Queue item states."""

from __future__ import annotations

from enum import StrEnum


class QueueState(StrEnum):
    PENDING = "pending"
    IN_FLIGHT = "in_flight"
    DONE = "done"
    ERROR = "error"
    DISCARDED = "discarded"


OPEN_STATES = frozenset({QueueState.PENDING, QueueState.IN_FLIGHT})
