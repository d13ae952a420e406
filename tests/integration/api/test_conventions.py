"""Conventions every endpoint gets: declared features, one error shape, request ids,
the size limit, no mass assignment, cursor pagination, and the audit rule."""

from __future__ import annotations

import logging

import pytest
from fastapi import FastAPI
from pydantic import BaseModel

from integration.api.conftest import Client, World
from ipaas.api.app import create_app
from ipaas.api.context import Ctx
from ipaas.api.routing import (
    FEATURE_MARK,
    PERSONAL_MARK,
    PUBLIC_MARK,
    RouteInfo,
    declarations,
    feature_router,
    served_routes,
)
from ipaas.domain import Feature

PERSONAL_PREFIXES = ("/api/v1/auth/", "/api/v1/me", "/api/v1/api-keys", "/api/v1/switch-view")


def _api_routes(app: FastAPI) -> list[RouteInfo]:
    return [r for r in served_routes(app) if r.path.startswith("/api")]


def test_every_api_route_declares_what_it_needs(sqlite_world: World) -> None:
    routes = _api_routes(sqlite_world.app)
    assert len(routes) >= 20
    missing, misplaced = [], []
    for route in routes:
        found = declarations(route.dependant)
        label = f"{sorted(route.methods)} {route.path}"
        if not found:
            missing.append(label)
            continue
        if any(hasattr(c, PUBLIC_MARK) for c in found) and not route.path.startswith(
            "/api/v1/auth/"
        ):
            if not any(hasattr(c, m) for c in found for m in (FEATURE_MARK, PERSONAL_MARK)):
                misplaced.append(f"public: {label}")
        only_personal = not any(hasattr(c, FEATURE_MARK) for c in found) and any(
            hasattr(c, PERSONAL_MARK) for c in found
        )
        if only_personal and not route.path.startswith(PERSONAL_PREFIXES):
            misplaced.append(f"personal: {label}")
    assert not missing, f"routes without requires()/personal()/public(): {missing}"
    assert not misplaced, misplaced


def test_every_request_body_forbids_unknown_fields(sqlite_world: World) -> None:
    for route in _api_routes(sqlite_world.app):
        for param in route.dependant.body_params:
            model = param.field_info.annotation
            if isinstance(model, type) and issubclass(model, BaseModel):
                assert model.model_config.get("extra") == "forbid", (route.path, model)


def test_error_shape_for_framework_errors(sqlite_world: World) -> None:
    client = sqlite_world.client("shop")
    missing = client.get("/api/v1/nothing-here")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "NFND_NOT_FOUND"
    method = client.request("PUT", "/api/v1/companies")
    assert method.status_code == 405
    assert set(method.json()["error"]) == {"code", "message", "field"}
    bad_json = client.post(
        "/api/v1/presets", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert bad_json.status_code == 422
    assert bad_json.json()["error"]["code"] == "VALD_JSON"
    missing_field = client.post("/api/v1/presets", json={"fields": []})
    assert missing_field.json()["error"] == {
        "code": "VALD_MISSING",
        "message": "name: Field required",
        "field": "name",
    }
    bad_path = client.get("/api/v1/presets/abc")
    assert (bad_path.status_code, bad_path.json()["error"]["field"]) == (422, "preset_id")
    anonymous = sqlite_world.client().get("/api/v1/presets")
    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["code"] == "AUTH_REQUIRED"


def test_mass_assignment_is_rejected_naming_the_field(sqlite_world: World) -> None:
    misp = sqlite_world.client("misp")
    extra = misp.post("/api/v1/companies", json={"name": "X", "managing_misp_id": 99})
    assert extra.status_code == 422
    assert extra.json()["error"] == {
        "code": "VALD_UNKNOWN_FIELD",
        "message": "managing_misp_id may not be set here",
        "field": "managing_misp_id",
    }
    kind = misp.post("/api/v1/companies", json={"name": "X", "kind": "misp"})
    assert (kind.status_code, kind.json()["error"]["code"]) == (403, "AUTZ_FIELD")
    assert kind.json()["error"]["field"] == "kind"
    own_id = sqlite_world.client("shop").post(
        "/api/v1/presets", json={"name": "p", "fields": [], "company_id": 1}
    )
    assert own_id.json()["error"]["field"] == "company_id"


def test_request_ids_in_answers_and_logs(
    sqlite_world: World, caplog: pytest.LogCaptureFixture
) -> None:
    client = sqlite_world.client("shop")
    with caplog.at_level(logging.INFO, logger="ipaas.api"):
        given = client.get("/api/v1/me", headers={"X-Request-Id": "trace-123"})
        made = client.get("/api/v1/me")
        evil = client.get("/api/v1/me", headers={"X-Request-Id": "bad id\twith tab"})
    assert given.headers["x-request-id"] == "trace-123"
    assert len(made.headers["x-request-id"]) == 32
    assert evil.headers["x-request-id"] != "bad id\twith tab"
    assert any("request_id=trace-123" in r.getMessage() for r in caplog.records)
    error = client.get("/api/v1/presets/999", headers={"X-Request-Id": "trace-404"})
    assert error.headers["x-request-id"] == "trace-404"


def test_request_size_limit(sqlite_world: World) -> None:
    hub = sqlite_world.hub
    hub.settings = hub.settings.model_copy(update={"max_request_bytes": 300})
    client = Client(
        sqlite_world.portal,
        create_app(hub),
        {"Authorization": f"Bearer {sqlite_world.keys['shop']}"},
    )
    big = {"name": "p", "fields": [], "values": {}, "pad": "x" * 400}
    declared = client.post("/api/v1/presets", json=big)
    assert declared.status_code == 413
    assert declared.json()["error"]["code"] == "VALD_TOO_LARGE"

    async def chunks():  # type: ignore[no-untyped-def]
        for _ in range(10):
            yield b"x" * 100

    streamed = client.post(
        "/api/v1/presets", content=chunks(), headers={"content-type": "application/json"}
    )
    assert streamed.status_code == 413
    small = client.post("/api/v1/presets", json={"name": "p", "fields": []})
    assert small.status_code == 201


def test_unexpected_errors_and_missing_audit_are_500_without_details(
    sqlite_world: World, caplog: pytest.LogCaptureFixture
) -> None:
    router = feature_router(Feature.TRAINING, "/boom")

    @router.get("")
    def boom() -> None:
        raise RuntimeError("internal detail: password=hunter2")

    @router.post("")
    def unaudited(ctx: Ctx) -> None:
        ctx.commit()

    sqlite_world.app.include_router(router)
    client = sqlite_world.client("shop")
    with caplog.at_level(logging.ERROR):
        answer = client.get("/api/v1/boom", headers={"X-Request-Id": "r-500"})
    assert answer.status_code == 500
    assert answer.json()["error"] == {
        "code": "INTL_ERROR",
        "message": "internal error; quote request id r-500",
        "field": None,
    }
    assert "hunter2" not in answer.text
    assert any("r-500" in r.getMessage() for r in caplog.records)
    assert client.post("/api/v1/boom").status_code == 500


def test_cursor_pagination(sqlite_world: World) -> None:
    client = sqlite_world.client("shop")
    for n in range(5):
        client.post("/api/v1/presets", json={"name": f"p{n}", "fields": []})
    seen, cursor, pages = [], None, 0
    while pages < 10:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/v1/presets", params=params).json()
        seen += [p["name"] for p in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [f"p{n}" for n in range(5)]
    assert pages == 3
    bad = client.get("/api/v1/presets", params={"cursor": "garbage"})
    assert (bad.status_code, bad.json()["error"]["field"]) == (422, "cursor")
    too_many = client.get("/api/v1/presets", params={"limit": 1000})
    assert too_many.json()["error"]["field"] == "limit"


def test_openapi_is_served(sqlite_world: World) -> None:
    client = sqlite_world.client()
    assert client.get("/docs").status_code == 200
    spec = client.get("/openapi.json").json()
    assert "/api/v1/presets/{preset_id}" in spec["paths"]
