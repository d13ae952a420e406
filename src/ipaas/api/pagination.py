"""Cursor pagination: ``?cursor=...&limit=...`` in, ``{"items": [...], "next_cursor"}`` out.

Repositories page by id: ``repo.page(scope, after_id, limit + 1)``; ``make_page`` trims the
extra row and turns the last id into the next cursor (opaque to clients).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel

from ipaas.errors import ValidationError

T = TypeVar("T")
S = TypeVar("S")
MAX_LIMIT = 200


class Page(BaseModel, Generic[T]):
    """One page of a list; pass ``next_cursor`` back as ``cursor`` for the next one."""

    items: list[T]
    next_cursor: str | None = None


@dataclass(frozen=True, slots=True)
class PageParams:
    after_id: int
    limit: int

    @property
    def fetch(self) -> int:
        """How many rows to ask the repository for (one more than shown)."""
        return self.limit + 1


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _, value = text.partition(":")
        if kind != "id" or not value.isdigit() or len(value) > 18:
            raise ValueError(cursor)
        return int(value)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ValidationError("cursor is not one this API gave out", field="cursor") from None


def page_params(
    cursor: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> PageParams:
    """The paging query parameters of a list endpoint."""
    return PageParams(decode_cursor(cursor) if cursor else 0, limit)


PageDep = Annotated[PageParams, Depends(page_params)]


def make_page(
    rows: Sequence[S], params: PageParams, to_item: Callable[[S], T], id_of: Callable[[S], int]
) -> Page[T]:
    """A page from ``rows`` fetched with ``params.fetch``."""
    shown = list(rows[: params.limit])
    more = len(rows) > params.limit
    return Page[T](
        items=[to_item(r) for r in shown],
        next_cursor=encode_cursor(id_of(shown[-1])) if more and shown else None,
    )
