"""Sign in and out, choose the company, switch to a subscriber view and back.

Each action calls the API's own use case (``ipaas.api.auth``, ``me``, ``views``) with a
``RequestContext``, so lock-out, audit and the switching rules stay in one place.
"""

from __future__ import annotations

from typing import Annotated

import pydantic
from fastapi import Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from ipaas.api import auth, me, views
from ipaas.api.context import SESSION_COOKIE, RequestContext, contexts_of, current_identity
from ipaas.domain.accounts import LoginLockedError
from ipaas.errors import AuthenticationError
from ipaas.store.accounts import AccountRepository
from ipaas.web import csrf
from ipaas.web.context import (
    WEB_PREFIX,
    CsrfError,
    Web,
    _open_uow,
    redirect,
    web_router,
)
from ipaas.web.templating import render_bare

router = web_router()


def _safe_next(target: str | None) -> str:
    # Only our own pages: never an absolute URL (open redirect).
    if target and target.startswith(f"{WEB_PREFIX}/") and not target.startswith("//"):
        return target
    return f"{WEB_PREFIX}/"


def _login_page(
    request: Request, next_: str, error: str | None = None, email: str = "", status: int = 200
) -> HTMLResponse:
    token = request.cookies.get(csrf.PRELOGIN_COOKIE) or csrf.new_prelogin_token()
    page = render_bare("login.html", status, csrf_token=token, next=next_, error=error, email=email)
    page.set_cookie(csrf.PRELOGIN_COOKIE, token, httponly=True, samesite="strict", path="/app")
    return page


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str | None = None) -> HTMLResponse:
    """The sign-in form."""
    return _login_page(request, _safe_next(next))


@router.post("/login")
def login(
    request: Request,
    email: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=1024)],
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Check the password through the API's login and set the session cookie."""
    target = _safe_next(next)
    if not csrf.valid(request.cookies.get(csrf.PRELOGIN_COOKIE) or "", csrf_token):
        return _login_page(request, target, "The form expired; please sign in again.", email, 403)
    uow = _open_uow(request)
    try:
        ctx = RequestContext(request, uow)
        holder = Response()
        try:
            body = auth.LoginIn(email=email, password=pydantic.SecretStr(password))
            auth.login(body, ctx, holder)
        except LoginLockedError as exc:
            return _login_page(request, target, exc.message, email, 429)
        except (AuthenticationError, pydantic.ValidationError):
            return _login_page(request, target, "The email or the password is wrong.", email, 401)
    finally:
        uow.__exit__(None, None, None)
    answer = RedirectResponse(target, status_code=303)
    for key, value in holder.raw_headers:
        if key.lower() == b"set-cookie":
            answer.raw_headers.append((key, value))
    answer.delete_cookie(csrf.PRELOGIN_COOKIE, path="/app")
    return answer


@router.post("/logout")
def logout(ctx: Web) -> Response:
    """End the session."""
    personal = RequestContext(ctx.request, ctx.uow, ctx.identity)
    holder = Response()
    auth.logout(personal, holder)
    answer = RedirectResponse(f"{WEB_PREFIX}/login", status_code=303)
    answer.delete_cookie(SESSION_COOKIE, path="/")
    return answer


@router.get("/company", response_class=HTMLResponse)
def choose_company_form(request: Request) -> Response:
    """Pick the company to act in (shown when a user belongs to several)."""
    uow = _open_uow(request)
    try:
        cookie = request.cookies.get(SESSION_COOKIE)
        if not cookie:
            return RedirectResponse(f"{WEB_PREFIX}/login", status_code=303)
        identity = current_identity(request, uow)
        contexts = contexts_of(AccountRepository(uow.conn), identity.user.id)
        token = csrf.session_token(request.app.state.hub, cookie)
        return render_bare(
            "company.html", contexts=[c for c in contexts if c.via != "view"], csrf_token=token
        )
    except AuthenticationError:
        return RedirectResponse(f"{WEB_PREFIX}/login", status_code=303)
    finally:
        uow.__exit__(None, None, None)


@router.post("/company")
async def choose_company(request: Request) -> Response:
    """Remember the chosen company in the session (the API's ``PUT /me/active-company``)."""
    uow = _open_uow(request)
    try:
        cookie = request.cookies.get(SESSION_COOKIE)
        if not cookie:
            return RedirectResponse(f"{WEB_PREFIX}/login", status_code=303)
        identity = current_identity(request, uow)
        form = await request.form()
        token = csrf.session_token(request.app.state.hub, cookie)
        given = form.get(csrf.CSRF_FIELD)
        if not csrf.valid(token, given if isinstance(given, str) else None):
            raise CsrfError("the form expired; reload and retry")
        raw = str(form.get("company_id") or "")
        company_id = int(raw) if raw.isdigit() and len(raw) < 19 else None
        ctx = RequestContext(request, uow, identity)
        me.set_active_company(me.ActiveCompanyIn(company_id=company_id), ctx)
        principal_home = f"{WEB_PREFIX}/"
    finally:
        uow.__exit__(None, None, None)
    return RedirectResponse(principal_home, status_code=303)


@router.post("/view")
def switch_view(ctx: Web, company_id: Annotated[int, Form(ge=1, le=2**62)]) -> Response:
    """An integrator switches to a subscriber view of a company it builds for."""
    views.switch_view(views.SwitchIn(company_id=company_id), ctx.api_ctx)
    return redirect(f"{WEB_PREFIX}/", "Switched to the subscriber view")


@router.post("/view/end")
def end_view(ctx: Web) -> Response:
    """Back to the integrator's own company."""
    views.switch_back(RequestContext(ctx.request, ctx.uow, ctx.identity))
    return redirect(f"{WEB_PREFIX}/", "Back to your integrator view")


ROUTERS = (router,)
