"""How a router declares what it needs: a feature, the caller's own account, or nothing.

Every ``/api`` route must carry exactly such a declaration; a test walks the app and fails
on a route without one. Use the factories, not ``APIRouter`` directly:

- ``feature_router(Feature.X, "/things")``: every route needs feature X in the caller's
  current company (403 ``AUTZ_FEATURE`` otherwise). A route can demand one more feature with
  ``dependencies=[requires(Feature.Y)]``.
- ``personal_router("/me")``: the caller's own account; needs a login, no company.
- ``public_router("/auth")``: no login (only login and invitation acceptance).

Request bodies subclass ``RequestBody`` (unknown fields are rejected, naming the field).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Path
from fastapi.params import Depends as DependsParam
from pydantic import BaseModel, ConfigDict, Field

from ipaas.api.context import IdentityDep, PrincipalDep
from ipaas.domain.accounts import require
from ipaas.domain.roles import Feature

API_PREFIX = "/api/v1"
FEATURE_MARK = "__ipaas_feature__"
PERSONAL_MARK = "__ipaas_personal__"
PUBLIC_MARK = "__ipaas_public__"


#: The largest id a path or body may carry (larger ones are rejected, not sent to SQL).
MAX_ID = 2**62
#: A path parameter holding an object id.
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
#: A body field holding an object id.
IdField = Annotated[int, Field(ge=1, le=MAX_ID)]


class RequestBody(BaseModel):
    """Base of every request body: an unknown field (one a role may not set) is an error."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def requires(feature: Feature) -> DependsParam:
    """A dependency that lets the request through only if the caller's role in its current
    company has ``feature`` (see ``ipaas.domain.roles.FEATURES``)."""

    def check_feature(principal: PrincipalDep) -> None:
        require(principal, feature)

    setattr(check_feature, FEATURE_MARK, feature)
    check_feature.__name__ = f"requires_{feature.value}"
    return Depends(check_feature)


def personal() -> DependsParam:
    """A dependency for endpoints on the caller's own account: a login, no feature."""

    def check_login(identity: IdentityDep) -> None:
        return None

    setattr(check_login, PERSONAL_MARK, True)
    return Depends(check_login)


def public() -> DependsParam:
    """Marks an endpoint anyone may call."""

    def no_check() -> None:
        return None

    setattr(no_check, PUBLIC_MARK, True)
    return Depends(no_check)


def _router(prefix: str, tags: list[str] | None, dependency: DependsParam) -> APIRouter:
    return APIRouter(
        prefix=f"{API_PREFIX}{prefix}",
        tags=list(tags or [prefix.strip("/").split("/")[0] or "api"]),
        dependencies=[dependency],
    )


def feature_router(feature: Feature, prefix: str, *, tags: list[str] | None = None) -> APIRouter:
    """A router whose every route needs ``feature``."""
    return _router(prefix, tags, requires(feature))


def personal_router(prefix: str, *, tags: list[str] | None = None) -> APIRouter:
    """A router for the caller's own account."""
    return _router(prefix, tags, personal())


def public_router(prefix: str, *, tags: list[str] | None = None) -> APIRouter:
    """A router anyone may call. Keep it to authentication."""
    return _router(prefix, tags, public())


@dataclass(frozen=True, slots=True)
class RouteInfo:
    """One route of the app as served: its full path, methods and dependency tree."""

    path: str
    methods: frozenset[str]
    dependant: Any


def served_routes(app: FastAPI) -> list[RouteInfo]:
    """Every FastAPI route of ``app`` with router prefixes and dependencies applied."""
    from fastapi import routing

    contexts = getattr(routing, "iter_route_contexts", None)
    routes: list[Any] = list(contexts(app.routes)) if contexts else list(app.routes)
    out = []
    for route in routes:
        dependant = getattr(route, "dependant", None)
        if dependant is None or getattr(route, "path", None) is None:
            continue
        out.append(RouteInfo(route.path, frozenset(route.methods or ()), dependant))
    return out


def declarations(dependant: Any) -> list[Callable[..., Any]]:
    """Every declaration (feature, personal, public) found in a route's dependency tree."""
    found: list[Callable[..., Any]] = []
    stack = [dependant]
    while stack:
        node = stack.pop()
        call = getattr(node, "call", None)
        if call is not None and any(
            hasattr(call, mark) for mark in (FEATURE_MARK, PERSONAL_MARK, PUBLIC_MARK)
        ):
            found.append(call)
        stack.extend(getattr(node, "dependencies", []))
    return found
