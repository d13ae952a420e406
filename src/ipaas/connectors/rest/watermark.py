"""Polling watermarks: the newest updated time seen plus the ids seen at exactly that time.

Asking for "updated at or after T" and skipping the ids already seen at T means records
sharing the newest timestamp are neither missed (as "after T" would) nor repeated (as "at
or after T" alone would).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

#: Ids remembered at the newest timestamp; more than this many ties are rare enough.
MAX_TIED_IDS = 1000


def parse_timestamp(value: Any) -> datetime | None:
    """An aware datetime from ISO 8601 text or Unix seconds/milliseconds; None otherwise."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, int | float):
        seconds = value / 1000 if value > 10_000_000_000 else value
        return datetime.fromtimestamp(seconds, UTC)
    text = str(value).strip()
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def format_timestamp(value: datetime, style: str) -> str:
    """``value`` the way an API's updated-since parameter wants it."""
    if style == "epoch":
        return str(int(value.timestamp()))
    if style == "epoch_ms":
        return str(int(value.timestamp() * 1000))
    if style == "iso_z":
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return value.isoformat()


@dataclass(slots=True)
class Watermark:
    """Where polling resumes: the newest time seen and the ids updated at exactly it."""

    ts: datetime | None = None
    ids: set[str] = field(default_factory=set)

    @classmethod
    def parse(cls, text: str | None) -> Watermark:
        """Read a stored watermark (JSON from ``dump``, or a bare timestamp)."""
        if not text:
            return cls()
        try:
            data = json.loads(text)
        except ValueError:
            return cls(parse_timestamp(text))
        if isinstance(data, dict):
            return cls(parse_timestamp(data.get("ts")), {str(i) for i in data.get("ids", [])})
        return cls(parse_timestamp(data))

    def dump(self) -> str | None:
        """The text to store; None when nothing was seen yet."""
        if self.ts is None:
            return None
        ids = sorted(self.ids)[:MAX_TIED_IDS]
        return json.dumps({"ts": self.ts.isoformat(), "ids": ids}, separators=(",", ":"))

    def seen(self, updated: datetime | None, external_id: str) -> bool:
        """Whether a record updated at ``updated`` was already delivered before this mark."""
        if self.ts is None or updated is None:
            return False
        return updated < self.ts or (updated == self.ts and external_id in self.ids)

    def advance(self, updated: datetime | None, external_id: str) -> None:
        """Take a delivered record into account."""
        if updated is None:
            return
        if self.ts is None or updated > self.ts:
            self.ts = updated
            self.ids = {external_id}
        elif updated == self.ts:
            self.ids.add(external_id)

    def copy(self) -> Watermark:
        return Watermark(self.ts, set(self.ids))

    def query_value(self, *, inclusive: bool, style: str) -> str | None:
        """The updated-since parameter to send; None when polling from the start.

        For an exclusive parameter, ask from one second earlier so ties are still seen.
        """
        if self.ts is None:
            return None
        ts = self.ts if inclusive else self.ts - timedelta(seconds=1)
        return format_timestamp(ts, style)
