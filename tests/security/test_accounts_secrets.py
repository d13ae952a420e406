"""No secret value (preset secrets, passwords, API keys, session tokens) appears in any API
answer, error message, log line or printed output, nor in clear text in the database."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from anyio.from_thread import BlockingPortal, start_blocking_portal

from integration.api.conftest import PASSWORD, World, build_world
from ipaas.bootstrap import bootstrap
from ipaas.settings import Settings
from ipaas.store.tables import metadata

SECRET = "PLAIN-s3cr3t-Value-9c1e"
SECRET_2 = "PLAIN-other-Secret-42aa"
WRONG_PASSWORD = "WRONG-pw-Secret-77"
NEW_PASSWORD = "NEW-password-Secret-31"


@pytest.fixture
def world(tmp_path: Path, sqlite_template: Path) -> Iterator[World]:
    path = tmp_path / "hub.db"
    shutil.copyfile(sqlite_template, path)
    hub = bootstrap(Settings(database_url=f"sqlite:///{path}", data_dir=tmp_path, secret_key="k"))
    portal: BlockingPortal
    with start_blocking_portal("asyncio") as portal:
        yield build_world(hub, portal)
    hub.close()


def test_no_secret_leaks(
    world: World, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    answers: list[httpx.Response] = []
    shop = world.client("shop")
    browser = world.client()

    def call(client: object, method: str, url: str, **kwargs: object) -> httpx.Response:
        answer = client.request(method, url, **kwargs)  # type: ignore[attr-defined]
        answers.append(answer)
        return answer

    call(
        browser,
        "POST",
        "/api/v1/auth/login",
        json={"email": "shop@example.test", "password": WRONG_PASSWORD},
    )
    call(
        browser,
        "POST",
        "/api/v1/auth/login",
        json={"email": "shop@example.test", "password": PASSWORD},
    )
    call(
        browser,
        "POST",
        "/api/v1/auth/password",
        json={"current_password": WRONG_PASSWORD, "new_password": NEW_PASSWORD},
    )
    call(
        browser,
        "POST",
        "/api/v1/auth/password",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
    )
    call(
        browser,
        "POST",
        "/api/v1/auth/login",
        json={"email": "shop@example.test", "password": "x" * 2000},
    )
    created_key = browser.post("/api/v1/api-keys", json={"name": "script"}).json()["token"]

    fields = [
        {"name": "token", "type": "password", "required": True},
        {"name": "cert", "type": "encrypted"},
        {"name": "tenant", "type": "guid"},
        {"name": "mode", "type": "enum", "choices": ["a", "b"]},
        {"name": "count", "type": "number"},
    ]
    preset = call(
        shop,
        "POST",
        "/api/v1/presets",
        json={"name": "creds", "fields": fields, "values": {"token": SECRET, "cert": SECRET}},
    ).json()
    pid = preset["id"]
    call(shop, "GET", f"/api/v1/presets/{pid}")
    call(shop, "GET", "/api/v1/presets")
    call(shop, "PATCH", f"/api/v1/presets/{pid}", json={"values": {"token": SECRET_2}})
    # secrets typed into the wrong place: the errors must not repeat them
    for bad in ({"tenant": SECRET}, {"mode": SECRET}, {"count": SECRET}, {"token": 5}):
        answer = call(shop, "PATCH", f"/api/v1/presets/{pid}", json={"values": bad})
        assert answer.status_code == 422
    call(
        shop,
        "POST",
        "/api/v1/presets",
        json={"name": "dup", "fields": fields, "values": {"cert": SECRET}},
    )
    call(shop, "POST", "/api/v1/presets", json={"name": SECRET * 20, "fields": []})
    call(shop, "GET", "/api/v1/audit")
    call(shop, "GET", "/api/v1/me")

    plain = [SECRET, SECRET_2, WRONG_PASSWORD, PASSWORD, NEW_PASSWORD]
    for answer in answers:
        text = answer.text + str(answer.headers)
        for value in plain:
            assert value not in text, (answer.request.url, value)
        assert created_key not in text
        if answer.status_code >= 400:
            assert set(answer.json()["error"]) == {"code", "message", "field"}
    logged = caplog.text + "\n".join(r.getMessage() for r in caplog.records)
    out, err = capfd.readouterr()
    for value in [*plain, created_key]:
        assert value not in logged
        assert value not in out + err
    with world.hub.engine.connect() as conn:
        dump = "\n".join(
            str(row) for table in metadata.sorted_tables for row in conn.execute(sa.select(table))
        )
    for value in [SECRET, SECRET_2, PASSWORD, NEW_PASSWORD, created_key]:
        assert value not in dump
    session_cookie = browser.http.cookies.get("ipaas_session")
    assert session_cookie
    assert session_cookie not in dump
