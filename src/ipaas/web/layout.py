"""What the layout shows around every page: navigation, switchers and branding."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ipaas.domain.roles import Role
from ipaas.web.nav import visible_nav
from ipaas.web.queries import common

if TYPE_CHECKING:
    from ipaas.web.context import WebCtx


def layout_values(ctx: WebCtx) -> dict[str, Any]:
    """Values every page template gets."""
    principal = ctx.principal
    context = principal.context
    view_targets: list[Any] = []
    if principal.role is Role.INTEGRATOR and context.via == "member":
        view_targets = common.companies_built_for(ctx.conn, principal.company_id)
    current_path = ctx.request.url.path
    nav = visible_nav(principal)
    active = max(
        (e for e in nav if current_path.startswith(e.href.rstrip("/") or "/app")),
        key=lambda e: len(e.href),
        default=None,
    )
    return {
        "ctx": ctx,
        "principal": principal,
        "user": ctx.identity.user,
        "nav": nav,
        "active_nav": active.key if active else None,
        "companies": [c for c in principal.companies if c.via != "view"],
        "view_targets": view_targets,
        "brand": common.branding_for(ctx.conn, context.company),
        "csrf_token": ctx.csrf_token,
        "flash": (ctx.flash or "")[:200] or None,
    }
