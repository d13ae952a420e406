"""Users and roles: the members of the current company; invite someone, change a role,
remove a member. Each action is the members API's own use case (``ipaas.api.members``),
so the role rules, the last-member guard and the audit log are the API's."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Response

from ipaas.api import members as members_api
from ipaas.domain.accounts import ROLES_FOR_KIND
from ipaas.domain.roles import Feature
from ipaas.web.context import WEB_PREFIX, Web, WebCtx, redirect, web_router
from ipaas.web.pages_portal import body

router = web_router("/portal/users", Feature.USER_MANAGEMENT)
ROUTERS = (router,)
PAGE = f"{WEB_PREFIX}/portal/users"


def _page(ctx: WebCtx, invited: members_api.InvitationOut | None = None) -> Response:
    company = ctx.principal.context.company
    return ctx.render(
        "portal_users.html",
        members=ctx.api_ctx.accounts.members(ctx.principal.tenant, ctx.principal.company_id),
        roles=sorted(r.value for r in ROLES_FOR_KIND[company.kind]),
        me=ctx.identity.user.id,
        invited=invited,
        # the configured address, never the request's Host header
        accept_url=f"{ctx.hub.settings.public_url.rstrip('/')}/api/v1/auth/invitations/accept",
    )


@router.get("")
def users_page(ctx: Web) -> Response:
    """Members of this company and their roles."""
    return _page(ctx)


@router.post("/invite")
def invite(
    ctx: Web,
    email: Annotated[str, Form(max_length=320)],
    role: Annotated[str, Form(max_length=20)],
) -> Response:
    """Invite someone; the page shows the invitation token once, to hand over."""
    given = body(members_api.InvitationIn, email=email, role=role)
    invited = members_api.invite(given, ctx.api_ctx)
    # Rendered, not redirected: the token must not travel in a URL (logs, history).
    return _page(ctx, invited)


@router.post("/{user_id}/role")
def change_role(ctx: Web, user_id: int, role: Annotated[str, Form(max_length=20)]) -> Response:
    """Change a member's role (it must fit the company's kind)."""
    changed = members_api.change_role(user_id, body(members_api.RoleIn, role=role), ctx.api_ctx)
    return redirect(PAGE, f"{changed.email} is now {changed.role.value}")


@router.post("/{user_id}/remove")
def remove(ctx: Web, user_id: int) -> Response:
    """Remove a member (never the company's last one)."""
    member = ctx.api_ctx.accounts.member(ctx.principal.tenant, ctx.principal.company_id, user_id)
    members_api.remove_member(user_id, ctx.api_ctx)
    return redirect(PAGE, f"Removed {member.email}")
