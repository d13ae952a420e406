"""``/api/v1/companies``: the companies you can see; a MiSP creates the subscribers it manages."""

from __future__ import annotations

from ipaas.api.context import Ctx
from ipaas.api.pagination import Page, PageDep, make_page
from ipaas.api.routing import IdPath, RequestBody, feature_router
from ipaas.api.schemas import CompanyOut, Name
from ipaas.domain.accounts import check_may_create_company
from ipaas.domain.roles import CompanyKind, Feature
from ipaas.store.tenants import TenantRepository

router = feature_router(Feature.USER_MANAGEMENT, "/companies", tags=["companies"])


class CompanyIn(RequestBody):
    name: Name
    kind: CompanyKind = CompanyKind.SUBSCRIBER


@router.get("", response_model=Page[CompanyOut])
def list_companies(ctx: Ctx, page: PageDep) -> Page[CompanyOut]:
    """Your current company and, for a MiSP, the subscribers it manages."""
    rows = ctx.accounts.companies(ctx.tenant, page.after_id, page.fetch)
    return make_page(rows, page, CompanyOut.of, lambda c: c.id)


@router.get("/{company_id}", response_model=CompanyOut)
def get_company(company_id: IdPath, ctx: Ctx) -> CompanyOut:
    return CompanyOut.of(ctx.accounts.company(ctx.tenant, company_id))


@router.post("", status_code=201, response_model=CompanyOut)
def create_company(body: CompanyIn, ctx: Ctx) -> CompanyOut:
    """A MiSP creates a subscriber company it manages (act in it with ``X-Company-Id``)."""
    check_may_create_company(ctx.principal, body.kind)
    company_id = TenantRepository(ctx.uow.conn).create_company(
        body.name, body.kind, managing_misp_id=ctx.principal.company_id
    )
    ctx.audit("company.create", "company", company_id, {"kind": body.kind.value})
    ctx.commit()
    return CompanyOut.of(ctx.accounts.company(None, company_id))
