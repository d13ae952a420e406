"""Pagination strategies: how to ask for the next page of a list.

Each strategy takes the parameters of the first request and, after each response,
returns the next request or None when the list is done.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

from ipaas.connectors.paths import get_path


@dataclass(slots=True)
class PageRequest:
    """One list request: a URL (absolute or a path) and its query parameters."""

    url: str
    params: dict[str, Any] = field(default_factory=dict)


class Paginator(Protocol):
    """Turns one page's response into the request for the next."""

    def first(self, request: PageRequest) -> PageRequest:
        """The first request, with page-size parameters added."""

    def next(
        self, request: PageRequest, response: httpx.Response, body: Any, count: int
    ) -> PageRequest | None:
        """The request for the page after ``response`` (``count`` records), or None."""


def _with_page_size(request: PageRequest, size_param: str | None, page_size: int) -> PageRequest:
    """``request`` asking for ``page_size`` records in ``size_param`` (unchanged without one)."""
    params = dict(request.params)
    if size_param:
        params[size_param] = page_size
    return PageRequest(request.url, params)


def _is_last_page(count: int, page_size: int) -> bool:
    """A short or empty page is the last one."""
    return count == 0 or count < page_size


class SinglePage:
    """No pagination: one request returns everything."""

    def first(self, request: PageRequest) -> PageRequest:
        return request

    def next(
        self, request: PageRequest, response: httpx.Response, body: Any, count: int
    ) -> PageRequest | None:
        return None


class PageNumberPaginator:
    """``?page=1&per_page=50``; stops at a short or empty page."""

    def __init__(
        self,
        page_param: str = "page",
        size_param: str | None = "per_page",
        *,
        page_size: int = 50,
        start: int = 1,
    ) -> None:
        self.page_param = page_param
        self.size_param = size_param
        self.page_size = page_size
        self.start = start

    def first(self, request: PageRequest) -> PageRequest:
        start = PageRequest(request.url, {**request.params, self.page_param: self.start})
        return _with_page_size(start, self.size_param, self.page_size)

    def next(
        self, request: PageRequest, response: httpx.Response, body: Any, count: int
    ) -> PageRequest | None:
        if _is_last_page(count, self.page_size):
            return None
        page = int(request.params[self.page_param]) + 1
        return PageRequest(request.url, {**request.params, self.page_param: page})


class OffsetPaginator:
    """``?$skip=0&$top=50`` (or offset/limit); stops at a short or empty page."""

    def __init__(
        self, offset_param: str = "offset", limit_param: str = "limit", *, page_size: int = 50
    ) -> None:
        self.offset_param = offset_param
        self.limit_param = limit_param
        self.page_size = page_size

    def first(self, request: PageRequest) -> PageRequest:
        params = {**request.params, self.offset_param: 0, self.limit_param: self.page_size}
        return PageRequest(request.url, params)

    def next(
        self, request: PageRequest, response: httpx.Response, body: Any, count: int
    ) -> PageRequest | None:
        if _is_last_page(count, self.page_size):
            return None
        offset = int(request.params[self.offset_param]) + count
        return PageRequest(request.url, {**request.params, self.offset_param: offset})


class CursorPaginator:
    """A cursor from the body (``next_cursor``) sent back as a parameter; stops without one."""

    def __init__(
        self,
        cursor_path: str = "next_cursor",
        cursor_param: str = "cursor",
        *,
        limit_param: str | None = "limit",
        page_size: int = 50,
    ) -> None:
        self.cursor_path = cursor_path
        self.cursor_param = cursor_param
        self.limit_param = limit_param
        self.page_size = page_size

    def first(self, request: PageRequest) -> PageRequest:
        return _with_page_size(request, self.limit_param, self.page_size)

    def next(
        self, request: PageRequest, response: httpx.Response, body: Any, count: int
    ) -> PageRequest | None:
        cursor = get_path(body, self.cursor_path)
        if not cursor or count == 0:
            return None
        return PageRequest(request.url, {**request.params, self.cursor_param: cursor})


class LinkHeaderPaginator:
    """The ``Link: <url>; rel="next"`` header (RFC 8288); the next URL carries every parameter."""

    def __init__(self, *, limit_param: str | None = "limit", page_size: int = 50) -> None:
        self.limit_param = limit_param
        self.page_size = page_size

    def first(self, request: PageRequest) -> PageRequest:
        return _with_page_size(request, self.limit_param, self.page_size)

    def next(
        self, request: PageRequest, response: httpx.Response, body: Any, count: int
    ) -> PageRequest | None:
        link = response.links.get("next")
        if not link or not link.get("url"):
            return None
        return PageRequest(str(response.request.url.join(link["url"])), {})


class NextLinkPaginator:
    """A next-page URL in the body (``@odata.nextLink``, ``links.next``); stops without one."""

    def __init__(
        self,
        next_path: str = "@odata.nextLink",
        *,
        limit_param: str | None = None,
        page_size: int = 50,
    ) -> None:
        self.next_path = next_path
        self.limit_param = limit_param
        self.page_size = page_size

    def first(self, request: PageRequest) -> PageRequest:
        return _with_page_size(request, self.limit_param, self.page_size)

    def next(
        self, request: PageRequest, response: httpx.Response, body: Any, count: int
    ) -> PageRequest | None:
        link = get_path(body, self.next_path)
        if not link or not isinstance(link, str):
            return None
        return PageRequest(str(response.request.url.join(link)), {})
