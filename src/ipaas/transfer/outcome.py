"""What became of one queue item, decided by a handler and applied by the batch."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ipaas.domain import get_data_type


@dataclass(frozen=True, slots=True)
class Outcome:
    """``done`` (with a message in words), ``failed`` (retry or error by the retry
    policy) or ``wait`` (back to pending for ``delay`` seconds without using an attempt)."""

    kind: str
    message: str = ""
    error: BaseException | None = None
    delay: float = 0.0
    hub_record_id: int | None = None


def done(message: str, hub_record_id: int | None = None) -> Outcome:
    """The item is finished."""
    return Outcome("done", message, hub_record_id=hub_record_id)


def failed(error: BaseException, hub_record_id: int | None = None) -> Outcome:
    """The item failed; the retry policy decides between another try and an error."""
    return Outcome("failed", str(error), error=error, hub_record_id=hub_record_id)


def wait(message: str, delay: float) -> Outcome:
    """Try the item again after ``delay`` seconds; the attempt does not count."""
    return Outcome("wait", message, delay=delay)


def label(data_type: str, body: dict[str, Any] | None, fallback: str) -> str:
    """A record named for people: ``product SKU-1`` (its match key), else the fallback id."""
    name = data_type.replace("_", " ")
    if body:
        try:
            key = get_data_type(data_type).match_key(body)
        except Exception:
            key = None
        if key:
            return f"{name} {key.replace(chr(31), ' / ')}"
    return f"{name} {fallback}"
