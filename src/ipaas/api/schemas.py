"""Response models shared by several routers, and small field types for request bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, SecretStr

from ipaas.domain.accounts import ActingContext, CompanyRef
from ipaas.domain.roles import CompanyKind, Role
from ipaas.security.passwords import MIN_PASSWORD_LENGTH

Email = Annotated[str, Field(min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Password = Annotated[SecretStr, Field(min_length=1, max_length=1024)]
NewPassword = Annotated[SecretStr, Field(min_length=MIN_PASSWORD_LENGTH, max_length=1024)]


class CompanyOut(BaseModel):
    id: int
    name: str
    kind: CompanyKind
    managing_misp_id: int | None

    @classmethod
    def of(cls, company: CompanyRef) -> CompanyOut:
        return cls(
            id=company.id,
            name=company.name,
            kind=company.kind,
            managing_misp_id=company.managing_misp_id,
        )


class ActingAsOut(BaseModel):
    """A company the caller may act in, the role there, and why (member, misp, view)."""

    company_id: int
    name: str
    kind: CompanyKind
    role: Role
    via: str
    home_company_id: int

    @classmethod
    def of(cls, context: ActingContext) -> ActingAsOut:
        return cls(
            company_id=context.company.id,
            name=context.company.name,
            kind=context.company.kind,
            role=context.role,
            via=context.via,
            home_company_id=context.home_company_id,
        )


class UserOut(BaseModel):
    id: int
    email: str
    name: str


class Created(BaseModel):
    id: int
    created_at: datetime | None = None
