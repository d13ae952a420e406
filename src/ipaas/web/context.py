"""The per-request context of a dashboard page, and the route class that turns errors into
pages (a login redirect, a company chooser, or an error page) instead of JSON.

Identity, principal and features come from ``ipaas.api.context`` and
``ipaas.domain.accounts``: the dashboard uses the same session cookie and the same rules.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass, field
from functools import cached_property
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.routing import APIRoute

from ipaas.api.context import (
    SESSION_COOKIE,
    Identity,
    RequestContext,
    build_principal,
    current_identity,
    hub_of,
    reads_only,
)
from ipaas.api.errors import status_for
from ipaas.bootstrap import Hub
from ipaas.domain.accounts import (
    CompanyChoiceRequiredError,
    CompanyNotAvailableError,
    NotAuthenticatedError,
    Principal,
    can,
    require,
)
from ipaas.domain.roles import Feature
from ipaas.errors import IpaasError
from ipaas.store.accounts import AccountRepository
from ipaas.store.unit_of_work import UnitOfWork
from ipaas.web import csrf
from ipaas.web.queries import common
from ipaas.web.templating import render

WEB_PREFIX = "/app"


class CsrfError(IpaasError):
    """The form is stale or came from another site: reload the page and try again."""

    code = "AUTZ_CSRF"


class _ChooseCompany(Exception):
    pass


@dataclass
class WebCtx:
    """What a page handler works with: the caller, its company, the transaction, CSRF."""

    request: Request
    uow: UnitOfWork
    identity: Identity
    principal: Principal
    csrf_token: str
    flash: str | None = None
    _extra: dict[str, Any] = field(default_factory=dict)

    @property
    def hub(self) -> Hub:
        return hub_of(self.request)

    @property
    def conn(self) -> Any:
        return self.uow.conn

    def can(self, feature: Feature) -> bool:
        return can(self.principal, feature)

    def require(self, feature: Feature) -> None:
        require(self.principal, feature)

    @cached_property
    def api_ctx(self) -> RequestContext:
        """The API's request context, to call the API's use cases (audit included)."""
        return RequestContext(self.request, self.uow, self.identity, self.principal)

    @cached_property
    def visible(self) -> frozenset[int]:
        """Company ids whose objects this page may read."""
        return self.principal.tenant.visible

    @cached_property
    def subscriptions(self) -> list[common.SubscriptionRow]:
        """The subscriptions this page may read (the current company's, and a MiSP's
        subscribers' when the MiSP acts in its own company)."""
        return common.subscriptions_of(self.conn, self.visible)

    @cached_property
    def sub_ids(self) -> list[int]:
        return [s.id for s in self.subscriptions]

    def subscription(self, sub_id: int) -> common.SubscriptionRow:
        """One visible subscription, or ``NotFoundError``."""
        return common.subscription(self.conn, self.visible, sub_id)

    def render(self, template: str, status_code: int = 200, **values: Any) -> HTMLResponse:
        """Render ``template`` inside the layout (navigation, switchers, branding)."""
        return render(self, template, status_code=status_code, **values)


def _open_uow(request: Request) -> UnitOfWork:
    uow = hub_of(request).unit_of_work(read_only=reads_only(request))
    uow.__enter__()
    return uow


async def web_context(request: Request) -> AsyncIterator[WebCtx]:
    """The page context; unauthenticated requests are sent to the login page."""
    if request.method == "POST":
        # Read the whole body before the transaction begins: on SQLite a writing
        # transaction takes the write lock (BEGIN IMMEDIATE), and awaiting the body while
        # holding it would block every other writing request on this event loop (a live
        # preview beside a save waited out the 30 s busy timeout). Starlette caches both.
        kind = request.headers.get("content-type", "")
        if kind.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            await request.form()  # FastAPI may have parsed it already: then it is cached
        else:
            await request.body()
    # A writing unit of work takes SQLite's write lock and may wait for it: never on the
    # event loop, or a request waiting here would stop the loop from finishing (and
    # unlocking) the request that holds it, until the busy timeout. (Pages that only read
    # get a read-only one, which never waits.)
    uow = await run_in_threadpool(_open_uow, request)
    try:
        cookie = request.cookies.get(SESSION_COOKIE)
        if not cookie:
            raise NotAuthenticatedError()
        identity, principal = await run_in_threadpool(_who, request, uow)
        token = csrf.session_token(hub_of(request), cookie)
        if request.method == "POST":
            given = request.headers.get(csrf.CSRF_HEADER)
            if given is None:
                form = await request.form()
                value = form.get(csrf.CSRF_FIELD)
                given = value if isinstance(value, str) else None
            if not csrf.valid(token, given):
                raise CsrfError("the form expired or came from another site; reload and retry")
        yield WebCtx(request, uow, identity, principal, token, request.query_params.get("msg"))
    finally:
        await run_in_threadpool(uow.__exit__, None, None, None)


def _who(request: Request, uow: UnitOfWork) -> tuple[Identity, Principal]:
    identity = current_identity(request, uow)
    if identity.auth != "session":
        raise NotAuthenticatedError("the dashboard needs a session")
    try:
        principal = build_principal(AccountRepository(uow.conn), identity, None)
    except CompanyChoiceRequiredError:
        if request.url.path != f"{WEB_PREFIX}/company":
            raise _ChooseCompany() from None
        raise
    return identity, principal


Web = Annotated[WebCtx, Depends(web_context)]


def needs(feature: Feature) -> Any:
    """A router dependency: the caller's role in its company must have ``feature``."""

    def check(ctx: Web) -> None:
        ctx.require(feature)

    check.__name__ = f"page_requires_{feature.value}"
    return Depends(check)


def _wants_json(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return request.url.path.endswith(".json") or (
        "application/json" in accept and "text/html" not in accept
    )


def _error_page(
    request: Request, status: int, title: str, message: str, code: str = "ERROR"
) -> Response:
    if _wants_json(request):
        # the same shape as the API's errors: a code to branch on and a message to show
        return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)
    from ipaas.web.templating import render_bare

    return render_bare("error.html", status, title=title, message=message)


class WebRoute(APIRoute):
    """Dashboard routes answer errors with pages: login, company choice, or an error page."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            try:
                return await original(request)
            except NotAuthenticatedError:
                if _wants_json(request):
                    return JSONResponse(
                        {"error": {"code": NotAuthenticatedError.code, "message": "sign in"}},
                        status_code=401,
                    )
                target = quote(str(request.url.path), safe="/")
                return RedirectResponse(f"{WEB_PREFIX}/login?next={target}", status_code=303)
            except _ChooseCompany:
                return RedirectResponse(f"{WEB_PREFIX}/company", status_code=303)
            except CompanyNotAvailableError as exc:
                return _error_page(request, 403, "Not available", exc.message, exc.code)
            except CsrfError as exc:
                return _error_page(request, 403, "Form expired", exc.message, exc.code)
            except RequestValidationError as exc:
                first = exc.errors()[0] if exc.errors() else {}
                where = ".".join(str(p) for p in first.get("loc", ())[1:])
                return _error_page(
                    request,
                    422,
                    "Invalid input",
                    f"{where}: {first.get('msg', 'invalid')}",
                    "VALD_INVALID",
                )
            except IpaasError as exc:
                status = status_for(exc)
                title = {403: "Not allowed", 404: "Not found"}.get(status, "Could not do that")
                message = exc.message if status < 500 else "Something went wrong on our side."
                return _error_page(request, status, title, message, exc.code)

        return handler


def web_router(prefix: str = "", feature: Feature | None = None) -> APIRouter:
    """A dashboard router; every route needs ``feature`` when given."""
    return APIRouter(
        prefix=f"{WEB_PREFIX}{prefix}",
        route_class=WebRoute,
        dependencies=[needs(feature)] if feature else [],
        include_in_schema=False,
    )


def redirect(url: str, message: str | None = None) -> RedirectResponse:
    """A 303 after a POST, with an optional one-line notice shown on the next page."""
    if message:
        url += ("&" if "?" in url else "?") + "msg=" + quote(message)
    return RedirectResponse(url, status_code=303)


def as_id(value: str | None) -> int | None:
    """A query-string id; empty or malformed values mean "not given"."""
    if value and value.isdigit() and 0 < int(value) < 2**62:
        return int(value)
    return None
