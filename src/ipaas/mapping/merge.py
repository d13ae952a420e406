"""Applying a partial mapping result onto the current record, for updates."""

from __future__ import annotations

import copy
from typing import Any


def merge_onto(current: dict[str, Any], partial: dict[str, Any]) -> dict[str, Any]:
    """``current`` updated with ``partial``, deeply; neither argument is changed.

    A key absent from ``partial`` keeps its current value (the field was not mapped); a key
    mapped to ``None`` clears it; nested objects merge key by key; lists are replaced whole
    (a list's items have no stable identity to merge by).
    """
    merged = copy.deepcopy(current)
    _merge_into(merged, partial)
    return merged


def _merge_into(target: dict[str, Any], partial: dict[str, Any]) -> None:
    for key, value in partial.items():
        existing = target.get(key)
        if isinstance(value, dict) and isinstance(existing, dict):
            _merge_into(existing, value)
        else:
            target[key] = copy.deepcopy(value)
