"""Every write endpoint of the app, fed hostile bodies: no 5xx, ever.

The routes are walked from the app itself, so new endpoints are covered automatically.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from ipaas.api.app import create_app
from ipaas.bootstrap import bootstrap
from ipaas.settings import Settings

pytestmark = pytest.mark.anyio

DEEP = ("[" * 100_000 + "]" * 100_000).encode()
BODIES: dict[str, tuple[bytes, str]] = {
    "oversized": (b'{"x": "' + b"a" * 3_000_000 + b'"}', "application/json"),
    "deeply_nested": (DEEP, "application/json"),
    "invalid_utf8": (b'{"name": "\xff\xfe\xc3\x28"}', "application/json"),
    "not_json": (b"{not json", "application/json"),
    "wrong_content_type": (b"<xml>1</xml>", "application/xml"),
    "form_instead_of_json": (b"a=1&b=2", "application/x-www-form-urlencoded"),
}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    data_dir: Path = tmp_path_factory.mktemp("hostile")
    hub = bootstrap(Settings(data_dir=data_dir), migrate_database=True)
    try:
        yield create_app(hub)
    finally:
        hub.close()


def _routes(routes: list[Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    for route in routes:
        path = prefix + getattr(route, "path", "")
        for method in sorted(getattr(route, "methods", None) or ()):
            if method in ("POST", "PUT", "PATCH"):
                yield method, path
        sub = getattr(route, "routes", None)
        if sub:
            yield from _routes(sub, path)


def _write_routes() -> list[tuple[str, str]]:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        hub = bootstrap(Settings(data_dir=Path(tmp)))
        found = set(_routes(create_app(hub).routes))
        hub.close()
    # the webhook intake is the most exposed surface: always in the walk
    found |= {("POST", "/hooks/v1/notifications"), ("POST", "/hooks/{token}")}
    return sorted(found)


def _concrete(path: str) -> str:
    # any path parameter gets an id that exists nowhere
    return re.sub(r"\{[^}]+\}", "999999", path)


@pytest.mark.parametrize(("method", "path"), _write_routes())
@pytest.mark.parametrize("kind", sorted(BODIES))
async def test_hostile_body_never_causes_a_server_error(
    app: Any, method: str, path: str, kind: str
) -> None:
    """Guarantee: oversized (413), deeply nested, invalid UTF-8, malformed or wrongly
    typed bodies, sent without credentials or with a bogus bearer key, are answered
    with a 4xx: the hub never fails with a 5xx and never accepts them (no 2xx)."""
    body, content_type = BODIES[kind]
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://hub") as client:
        for headers in ({}, {"Authorization": "Bearer not-a-key"}):
            answer = await client.request(
                method,
                _concrete(path),
                content=body,
                headers={**headers, "Content-Type": content_type},
            )
            assert 400 <= answer.status_code < 500, (kind, headers, answer.status_code)
            if kind == "oversized" and path.startswith("/hooks"):
                assert answer.status_code in (401, 404, 413)
