"""What each kind of alert rule measures, and when it is breached.

- ``item_errors``: items that ended in error after at least ``threshold`` attempts in the
  window (breached by one);
- ``error_rate``: errors / finished items in the window above ``threshold`` (0..1);
- ``queue_age``: the oldest pending item has waited more than ``threshold`` seconds;
- ``auth_failures``: at least ``threshold`` calls answered 401 or 403 in the window (an
  external system refusing our credentials).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ipaas.store import monitoring as queries
from ipaas.store.unit_of_work import UnitOfWork

RULE_KINDS = ("item_errors", "error_rate", "queue_age", "auth_failures")


@dataclass(frozen=True, slots=True)
class Measurement:
    value: float
    text: str


def measure(
    uow: UnitOfWork, kind: str, threshold: float, subs: list[int], window: timedelta, now: datetime
) -> Measurement:
    """The rule's current value over ``subs`` and the window ending ``now``."""
    since = now - window
    if kind == "queue_age":
        oldest = [
            d.oldest_pending_at for d in queries.queue_depth(uow.conn, subs) if d.oldest_pending_at
        ]
        age = (now - min(oldest)).total_seconds() if oldest else 0.0
        return Measurement(age, f"the oldest waiting queue item is {age:.0f} s old")
    if kind == "auth_failures":
        refused = sum(
            1
            for _s, _a, status, _d, _e in queries.call_times(uow.conn, subs, since, now)
            if status in (401, 403)
        )
        return Measurement(float(refused), f"{refused} calls were refused with 401/403")
    finished = queries.finished_items(uow.conn, subs, since, now)
    errors = [i for i in finished if i.state == "error"]
    if kind == "item_errors":
        count = sum(1 for i in errors if i.attempts >= threshold)
        return Measurement(
            float(count), f"{count} items ended in error after {threshold:g}+ attempts"
        )
    rate = len(errors) / len(finished) if finished else 0.0
    return Measurement(rate, f"error rate {rate:.1%} ({len(errors)} of {len(finished)} items)")


def breached(kind: str, threshold: float, value: float) -> bool:
    """Whether ``value`` breaks a rule of ``kind`` with ``threshold``."""
    if kind == "item_errors":
        return value >= 1
    if kind == "auth_failures":
        return value >= threshold
    return value > threshold
