"""``/api/v1/notifications``: alert rules of your company, its SMTP settings (password
write-only), the alerts sent, and checking the rules now."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, SecretStr

from ipaas.api.context import Ctx
from ipaas.api.pagination import Page, PageDep, make_page
from ipaas.api.routing import IdField, IdPath, RequestBody, feature_router
from ipaas.api.schemas import Email, Name
from ipaas.connectors.http import BlockedHostError, is_metadata_host, refuse_metadata_url
from ipaas.domain.roles import Feature
from ipaas.errors import ValidationError
from ipaas.notifications.evaluator import evaluate_in
from ipaas.security.secret_box import MASK, secret_box_for
from ipaas.store.catalog import CatalogRepository
from ipaas.store.notifications import AlertEvent, AlertRule, NotificationRepository, SmtpSettings

router = feature_router(Feature.SETTINGS, "/notifications", tags=["notifications"])

Kind = Literal["item_errors", "error_rate", "queue_age", "auth_failures"]
Minutes = Annotated[int, Field(ge=1, le=60 * 24 * 31)]


class RuleIn(RequestBody):
    name: Name
    kind: Kind
    #: item_errors: attempts; error_rate: 0..1; queue_age: seconds; auth_failures: calls.
    threshold: Annotated[float, Field(ge=0, le=1e9)]
    window_minutes: Minutes = 60
    channel: Literal["email", "webhook"]
    #: An email address (channel email) or an http(s) URL (channel webhook).
    target: Annotated[str, Field(min_length=3, max_length=2000)]
    #: At most one alert per period.
    period_minutes: Minutes = 60
    subscription_id: IdField | None = None
    enabled: bool = True


class RulePatch(RequestBody):
    name: Name | None = None
    threshold: Annotated[float, Field(ge=0, le=1e9)] | None = None
    window_minutes: Minutes | None = None
    period_minutes: Minutes | None = None
    enabled: bool | None = None


class RuleOut(BaseModel):
    id: int
    name: str
    kind: str
    threshold: float
    window_minutes: int
    channel: str
    target: str
    period_minutes: int
    subscription_id: int | None
    enabled: bool
    last_fired_at: datetime | None

    @classmethod
    def of(cls, r: AlertRule) -> RuleOut:
        return cls(**{k: getattr(r, k) for k in cls.model_fields})


class EventOut(BaseModel):
    id: int
    rule_id: int
    at: datetime
    value: float
    message: str
    delivered: bool
    error: str | None

    @classmethod
    def of(cls, e: AlertEvent) -> EventOut:
        return cls(**{k: getattr(e, k) for k in cls.model_fields})


class SmtpIn(RequestBody):
    host: Annotated[str, Field(min_length=1, max_length=255)]
    port: Annotated[int, Field(ge=1, le=65535)] = 587
    username: Annotated[str, Field(max_length=255)] | None = None
    #: Write-only; send the mask back (or leave it out) to keep the stored one.
    password: Annotated[SecretStr, Field(max_length=1000)] | None = None
    sender: Email
    security: Literal["none", "starttls", "ssl"] = "starttls"


class SmtpOut(BaseModel):
    host: str
    port: int
    username: str | None
    password: str | None
    sender: str
    security: str


def _is_metadata_url(url: str) -> bool:
    try:
        refuse_metadata_url(url)
    except BlockedHostError:
        return True
    return False


def _repo(ctx: Ctx) -> NotificationRepository:
    return NotificationRepository(ctx.uow.conn)


@router.get("/rules", response_model=Page[RuleOut])
def list_rules(ctx: Ctx, page: PageDep) -> Page[RuleOut]:
    return make_page(
        _repo(ctx).rules(ctx.tenant, page.after_id, page.fetch), page, RuleOut.of, lambda r: r.id
    )


@router.post("/rules", status_code=201, response_model=RuleOut)
def create_rule(body: RuleIn, ctx: Ctx) -> RuleOut:
    """An alert rule: what to watch, the threshold, where to send, how often at most."""
    if body.channel == "webhook" and not body.target.startswith(("http://", "https://")):
        raise ValidationError("a webhook target must be an http(s) URL", field="target")
    if body.channel == "webhook" and _is_metadata_url(body.target):
        raise ValidationError(
            "a webhook target may not be a cloud metadata address", field="target"
        )
    if body.channel == "email" and "@" not in body.target:
        raise ValidationError("an email target must be an email address", field="target")
    if body.kind == "error_rate" and body.threshold > 1:
        raise ValidationError("an error rate threshold is between 0 and 1", field="threshold")
    if body.subscription_id is not None:
        try:
            CatalogRepository(ctx.uow.conn).subscription(ctx.tenant, body.subscription_id)
        except Exception:
            raise ValidationError("no such subscription", field="subscription_id") from None
    rule = _repo(ctx).create_rule(ctx.tenant, body.model_dump())
    ctx.audit("alert_rule.create", "alert_rule", rule.id)
    ctx.commit()
    return RuleOut.of(rule)


@router.get("/rules/{rule_id}", response_model=RuleOut)
def get_rule(rule_id: IdPath, ctx: Ctx) -> RuleOut:
    return RuleOut.of(_repo(ctx).rule(ctx.tenant, rule_id))


@router.patch("/rules/{rule_id}", response_model=RuleOut)
def update_rule(rule_id: IdPath, body: RulePatch, ctx: Ctx) -> RuleOut:
    changes = body.model_dump(exclude_unset=True)
    rule = _repo(ctx).update_rule(ctx.tenant, rule_id, changes)
    ctx.audit("alert_rule.update", "alert_rule", rule_id, {"changed": sorted(changes)})
    ctx.commit()
    return RuleOut.of(rule)


@router.delete("/rules/{rule_id}", status_code=204)
def delete_rule(rule_id: IdPath, ctx: Ctx) -> None:
    _repo(ctx).delete_rule(ctx.tenant, rule_id)
    ctx.audit("alert_rule.delete", "alert_rule", rule_id)
    ctx.commit()


@router.get("/events", response_model=Page[EventOut])
def list_events(ctx: Ctx, page: PageDep) -> Page[EventOut]:
    """Alerts sent (or that failed to send), oldest first."""
    return make_page(
        _repo(ctx).events(ctx.tenant, page.after_id, page.fetch), page, EventOut.of, lambda e: e.id
    )


@router.post("/evaluate", response_model=list[EventOut])
def evaluate_now(ctx: Ctx) -> list[EventOut]:
    """Check your company's rules now (the scheduler does it periodically)."""
    before = {e.id for e in _repo(ctx).events(ctx.tenant, 0, 10_000)}
    evaluate_in(
        ctx.uow,
        secret_box_for(ctx.hub),
        company_ids=[ctx.principal.company_id],
        transport=ctx.hub.extras.get("alert_transport"),
    )
    ctx.audit("alert_rule.evaluate", "company", ctx.principal.company_id)
    ctx.commit()
    return [EventOut.of(e) for e in _repo(ctx).events(ctx.tenant, 0, 10_000) if e.id not in before]


def _smtp_out(s: SmtpSettings) -> SmtpOut:
    return SmtpOut(
        host=s.host,
        port=s.port,
        username=s.username,
        password=MASK if s.password else None,
        sender=s.sender,
        security=s.security,
    )


@router.get("/smtp", response_model=SmtpOut | None)
def get_smtp(ctx: Ctx) -> SmtpOut | None:
    found = _repo(ctx).smtp(ctx.principal.company_id)
    return _smtp_out(found) if found else None


@router.put("/smtp", response_model=SmtpOut)
def put_smtp(body: SmtpIn, ctx: Ctx) -> SmtpOut:
    """The SMTP server alerts are emailed through; the password is stored encrypted."""
    if is_metadata_host(body.host):
        raise ValidationError("the SMTP host may not be a cloud metadata address", field="host")
    repo = _repo(ctx)
    company = ctx.principal.company_id
    current = repo.smtp(company)
    password = body.password.get_secret_value() if body.password else None
    blob = current.password if current else None
    if password and password != MASK:
        blob = secret_box_for(ctx.hub).encrypt({"password": password})
    settings = SmtpSettings(
        company, body.host, body.port, body.username, blob, body.sender, body.security
    )
    repo.save_smtp(settings)
    ctx.audit(
        "smtp.update",
        "company",
        company,
        {"password_changed": blob != (current.password if current else None)},
    )
    ctx.commit()
    return _smtp_out(settings)
