"""``/api/v1/members``: the members of your current company, invitations, roles."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel

from ipaas.api.context import Ctx
from ipaas.api.pagination import Page
from ipaas.api.routing import IdPath, RequestBody, feature_router
from ipaas.api.schemas import Email
from ipaas.domain.accounts import check_role_for_company
from ipaas.domain.roles import Feature, Role
from ipaas.store.accounts import Member

router = feature_router(Feature.USER_MANAGEMENT, "/members", tags=["members"])

INVITATION_TTL = timedelta(days=7)


class MemberOut(BaseModel):
    user_id: int
    company_id: int
    email: str
    name: str
    role: Role

    @classmethod
    def of(cls, m: Member) -> MemberOut:
        return cls(
            user_id=m.user_id, company_id=m.company_id, email=m.email, name=m.name, role=m.role
        )


class InvitationIn(RequestBody):
    email: Email
    role: Role


class InvitationOut(BaseModel):
    id: int
    email: str
    role: Role
    expires_at: datetime
    #: Give this to the person invited; they accept at POST /api/v1/auth/invitations/accept.
    token: str


class RoleIn(RequestBody):
    role: Role


@router.get("", response_model=Page[MemberOut])
def list_members(ctx: Ctx) -> Page[MemberOut]:
    """Everyone in your current company, with their role."""
    members = ctx.accounts.members(ctx.tenant, ctx.principal.company_id)
    return Page[MemberOut](items=[MemberOut.of(m) for m in members])


@router.post("/invitations", status_code=201, response_model=InvitationOut)
def invite(body: InvitationIn, ctx: Ctx) -> InvitationOut:
    """Invite someone by email with a role that fits the company."""
    company = ctx.accounts.company(ctx.tenant, ctx.principal.company_id)
    check_role_for_company(company.kind, body.role)
    invitation_id, token = ctx.accounts.create_invitation(
        ctx.tenant, company.id, body.email, body.role, ctx.user.id, INVITATION_TTL
    )
    ctx.audit("member.invite", "invitation", invitation_id, {"role": body.role.value})
    ctx.commit()
    invitation = ctx.accounts.open_invitation(token)
    return InvitationOut(
        id=invitation_id,
        email=invitation.email,
        role=invitation.role,
        expires_at=invitation.expires_at,
        token=token,
    )


@router.patch("/{user_id}", response_model=MemberOut)
def change_role(user_id: IdPath, body: RoleIn, ctx: Ctx) -> MemberOut:
    """Change a member's role (it must fit the company's kind)."""
    company = ctx.accounts.company(ctx.tenant, ctx.principal.company_id)
    before = ctx.accounts.member(ctx.tenant, company.id, user_id)
    check_role_for_company(company.kind, body.role)
    ctx.accounts.set_role(ctx.tenant, company.id, user_id, body.role)
    ctx.audit(
        "member.change_role",
        "user",
        user_id,
        {"from": before.role.value, "to": body.role.value},
    )
    ctx.commit()
    return MemberOut.of(ctx.accounts.member(ctx.tenant, company.id, user_id))


@router.delete("/{user_id}", status_code=204)
def remove_member(user_id: IdPath, ctx: Ctx) -> None:
    """Remove someone from your current company (not its last member)."""
    ctx.accounts.remove_member(ctx.tenant, ctx.principal.company_id, user_id)
    ctx.audit("member.remove", "user", user_id)
    ctx.commit()
