"""Who may act in which company, view switching, and permission decisions. Pure rules.

A request acts as one *principal*: a user, the company it acts in, and the role it has
there. The role comes from one of three places (``Principal.via``):

- ``member``: the user's membership of the company;
- ``misp``: the user is a MiSP member and the company is a subscriber that MiSP manages;
  the user acts there with the subscriber role;
- ``view``: the user is an integrator who switched to a subscriber view of a company the
  integrator builds for; the user acts there with the subscriber role, except user
  management (a test view must not let an integrator change a client's staff).

Features come from the table in ``ipaas.domain.roles``; nothing here repeats it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from ipaas.domain.roles import CompanyKind, Feature, Role, role_has_feature
from ipaas.errors import (
    AuthenticationError,
    PermissionDeniedError,
    ValidationError,
)

# --- errors the API maps to answers (codes are stable; see ipaas.api.errors) ---------------


class NotAuthenticatedError(AuthenticationError):
    """Sign in first: send the session cookie or an Authorization: Bearer ipk_... header."""

    code = "AUTH_REQUIRED"


class InvalidCredentialsError(AuthenticationError):
    """The email or the password is wrong."""

    code = "AUTH_INVALID_CREDENTIALS"


class LoginLockedError(AuthenticationError):
    """Too many failed logins: wait before trying again."""

    code = "AUTH_LOCKED"

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class FeatureDeniedError(PermissionDeniedError):
    """Your role in this company may not use this feature."""

    code = "AUTZ_FEATURE"


class FieldNotAllowedError(PermissionDeniedError):
    """Your role may not set this field (or this value of it)."""

    code = "AUTZ_FIELD"


class CompanyNotAvailableError(PermissionDeniedError):
    """You cannot act in that company."""

    code = "AUTZ_COMPANY"


class CompanyChoiceRequiredError(ValidationError):
    """You belong to several companies: say which one with the X-Company-Id header."""

    code = "VALD_COMPANY_REQUIRED"


# --- companies, memberships, principals ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class CompanyRef:
    """What the rules need to know about a company."""

    id: int
    name: str
    kind: CompanyKind
    managing_misp_id: int | None = None


@dataclass(frozen=True, slots=True)
class Membership:
    """A user's role in one company."""

    company: CompanyRef
    role: Role


Via = Literal["member", "misp", "view"]


@dataclass(frozen=True, slots=True)
class ActingContext:
    """One company a user may act in, with which role, and why."""

    company: CompanyRef
    role: Role
    via: Via
    #: The company whose membership grants this context (the MiSP or the integrator).
    home_company_id: int
    #: Companies the principal may also read in this context (a MiSP's subscribers).
    also_visible: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is making a request, in which company, with which role."""

    user_id: int
    email: str
    context: ActingContext
    auth: Literal["session", "api_key"] = "session"
    credential_id: int | None = None
    companies: tuple[ActingContext, ...] = field(default=(), repr=False)

    @property
    def company_id(self) -> int:
        """The company the request acts in (and writes into)."""
        return self.context.company.id

    @property
    def role(self) -> Role:
        return self.context.role

    @property
    def tenant(self) -> TenantScope:
        """The scope every repository call of this request goes through."""
        return TenantScope.of(self)

    @property
    def switched(self) -> bool:
        """Whether this is an integrator's switched subscriber view."""
        return self.context.via == "view"


def acting_contexts(
    memberships: Iterable[Membership],
    managed: Mapping[int, Sequence[CompanyRef]],
    switches: Mapping[int, CompanyRef],
) -> list[ActingContext]:
    """Every context a user may act in.

    ``managed`` maps a MiSP company id to the subscriber companies it manages;
    ``switches`` maps an integrator company id to the company its view is switched to.
    A switched integrator membership yields the view instead of the integrator context.
    """
    out: dict[int, ActingContext] = {}
    for m in memberships:
        company = m.company
        if m.role is Role.INTEGRATOR and company.id in switches:
            target = switches[company.id]
            out.setdefault(target.id, ActingContext(target, Role.SUBSCRIBER, "view", company.id))
            continue
        subs = tuple(managed.get(company.id, ())) if m.role is Role.MISP else ()
        out[company.id] = ActingContext(
            company, m.role, "member", company.id, frozenset(s.id for s in subs)
        )
        for sub in subs:
            if sub.id not in out:
                out[sub.id] = ActingContext(sub, Role.SUBSCRIBER, "misp", company.id)
    return sorted(out.values(), key=lambda c: c.company.id)


def choose_context(
    contexts: Sequence[ActingContext],
    requested: int | None,
    remembered: int | None = None,
) -> ActingContext:
    """The context a request acts in: the requested company, else the remembered one
    (a session setting), else the only company the user is a member of.

    Asking for an integrator company whose view is switched gives the view.
    """
    by_id = {c.company.id: c for c in contexts}
    by_home = {c.home_company_id: c for c in contexts if c.via == "view"}
    if requested is not None:
        found = by_id.get(requested) or by_home.get(requested)
        if found is None:
            raise CompanyNotAvailableError(
                f"you cannot act in company {requested}", field="X-Company-Id"
            )
        return found
    if remembered is not None:
        found = by_id.get(remembered) or by_home.get(remembered)
        if found is not None:
            return found
    # Companies reached through a membership (a MiSP's subscribers are reached through it).
    own = [c for c in contexts if c.via != "misp"]
    if len(own) == 1:
        return own[0]
    if not contexts:
        raise CompanyNotAvailableError("you are not a member of any company")
    raise CompanyChoiceRequiredError(field="X-Company-Id")


def can(principal: Principal, feature: Feature) -> bool:
    """Whether ``principal`` may use ``feature`` in its current company."""
    if principal.switched and feature is Feature.USER_MANAGEMENT:
        return False
    return role_has_feature(principal.role, feature)


def require(principal: Principal, feature: Feature) -> None:
    """Raise ``FeatureDeniedError`` unless ``principal`` may use ``feature``."""
    if not can(principal, feature):
        raise FeatureDeniedError(
            f"the {principal.role.value} role may not use {feature.value}"
            + (" in a switched view" if principal.switched else "")
        )


def visible_company_ids(principal: Principal) -> frozenset[int]:
    """The companies whose objects ``principal`` may read: the current one and, for a MiSP
    in its own company, the subscribers it manages. Every repository query filters on it."""
    return frozenset({principal.company_id}) | principal.context.also_visible


@dataclass(frozen=True, slots=True)
class TenantScope:
    """What a repository needs to keep tenants apart: where new objects go (``company_id``)
    and which companies' objects may be read or changed (``visible``). An object outside
    ``visible`` does not exist for the caller (``NotFoundError``, never a permission error).
    """

    company_id: int
    visible: frozenset[int]

    @classmethod
    def of(cls, principal: Principal) -> TenantScope:
        """The scope of a request's principal."""
        return cls(principal.company_id, visible_company_ids(principal))

    @classmethod
    def single(cls, company_id: int) -> TenantScope:
        """The scope of one company only (CLI, workers, tests)."""
        return cls(company_id, frozenset({company_id}))


# --- roles a company may hold, and what a caller may grant ---------------------------------

#: The roles a member of a company of each kind may have.
ROLES_FOR_KIND: dict[CompanyKind, frozenset[Role]] = {
    CompanyKind.MISP: frozenset({Role.MISP}),
    CompanyKind.SUBSCRIBER: frozenset({Role.SUBSCRIBER}),
    CompanyKind.INTEGRATOR: frozenset({Role.INTEGRATOR}),
}


def check_role_for_company(kind: CompanyKind, role: Role) -> None:
    """Raise ``FieldNotAllowedError`` (field ``role``) when ``role`` does not fit ``kind``."""
    if role not in ROLES_FOR_KIND[kind]:
        allowed = ", ".join(sorted(r.value for r in ROLES_FOR_KIND[kind]))
        raise FieldNotAllowedError(
            f"a {kind.value} company's members may have the role {allowed}, not {role.value}",
            field="role",
        )


def check_may_create_company(principal: Principal, kind: CompanyKind) -> None:
    """Only a MiSP acting in its own company may create companies: subscribers it manages."""
    if principal.role is not Role.MISP or principal.context.via != "member":
        raise FeatureDeniedError("only a MiSP may create companies")
    if kind is not CompanyKind.SUBSCRIBER:
        raise FieldNotAllowedError(
            f"a MiSP may create subscriber companies, not {kind.value}", field="kind"
        )


def check_may_switch_view(principal: Principal, target: CompanyRef, builds_for: bool) -> None:
    """An integrator acting in its own company may switch to a subscriber it builds for."""
    if principal.role is not Role.INTEGRATOR or principal.context.via != "member":
        raise FeatureDeniedError("only an integrator may switch views")
    if target.kind is not CompanyKind.SUBSCRIBER or not builds_for:
        raise CompanyNotAvailableError(
            f"company {target.id} does not use an integration you build", field="company_id"
        )


# --- login lock-out -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LoginPolicy:
    """How many failed logins lock an email or a client address, and for how long."""

    max_failures_per_email: int = 5
    max_failures_per_ip: int = 20
    window: timedelta = timedelta(minutes=15)

    def locked_until(
        self,
        email_failures: Sequence[datetime],
        ip_failures: Sequence[datetime],
        now: datetime,
    ) -> tuple[datetime, str] | None:
        """When the lock ends and what is locked, or None when a login may be tried.

        The failures passed are those inside the window since the last success.
        """
        for failures, limit, what in (
            (email_failures, self.max_failures_per_email, "this email"),
            (ip_failures, self.max_failures_per_ip, "your address"),
        ):
            recent = sorted(t for t in failures if t > now - self.window)
            if len(recent) >= limit:
                return recent[-limit] + self.window, what
        return None

    def lock_error(self, until: datetime, what: str, now: datetime) -> LoginLockedError:
        """The error to answer a locked login with."""
        seconds = max(1.0, (until - now).total_seconds())
        minutes = int(seconds // 60) + 1
        return LoginLockedError(
            f"too many failed logins for {what}; try again in {minutes} minute(s) "
            f"(at {until.strftime('%H:%M')} UTC)",
            retry_after=seconds,
        )
