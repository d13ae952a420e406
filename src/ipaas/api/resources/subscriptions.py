"""``/api/v1/subscriptions``: a company's connections of integrations: settings (secrets
masked), presets, data flows, webhooks or polling, throttle, pause, connector state,
upgrades, OAuth2 authorization and the connection test."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, JsonValue

from ipaas.api.context import Ctx
from ipaas.api.pagination import Page, PageDep, make_page
from ipaas.api.routing import IdField, IdPath, RequestBody, feature_router
from ipaas.api.schemas import Name
from ipaas.domain.roles import Feature
from ipaas.security.secret_box import secret_box_for
from ipaas.services import subscriptions as service
from ipaas.services.connection import test_connection
from ipaas.services.integrations import UpgradeReport
from ipaas.store.catalog import CatalogRepository, Subscription

router = feature_router(Feature.SUBSCRIPTION_MANAGEMENT, "/subscriptions", tags=["subscriptions"])

DataTypeName = Annotated[str, Field(pattern=r"^[a-z_]{1,40}$")]
Key = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.:-]{1,100}$")]


class SubscribeIn(RequestBody):
    integration_id: IdField
    name: Name
    #: Copy the integration's mapping templates and lookup tables into the subscription.
    default_mappings: bool = True


class SubscriptionPatch(RequestBody):
    name: Name | None = None
    throttle_rate: Annotated[float, Field(gt=0, le=100_000)] | None = None
    throttle_period: Literal["second", "minute"] | None = None
    throttle_concurrency: Annotated[int, Field(ge=1, le=1000)] | None = None


class SettingsIn(RequestBody):
    values: Annotated[dict[Key, JsonValue], Field(max_length=200)]


class FlowIn(RequestBody):
    to_hub: bool | None = None
    from_hub: bool | None = None


class FlowsIn(RequestBody):
    flows: Annotated[dict[DataTypeName, FlowIn], Field(max_length=50)]


class TriggerIn(RequestBody):
    mode: Literal["webhook", "polling", "off"]
    interval_seconds: Annotated[float, Field(gt=0, le=86_400 * 31)] | None = None
    cron: Annotated[str, Field(max_length=100)] | None = None


class StateIn(RequestBody):
    values: Annotated[dict[Key, JsonValue], Field(max_length=100)]


class PresetLinkIn(RequestBody):
    preset_id: IdField
    sort_order: Annotated[int, Field(ge=0, le=1000)] = 0


class UpgradeIn(RequestBody):
    version: Annotated[str, Field(min_length=1, max_length=40)]
    #: False: only report what would change.
    apply: bool = False


class SubscriptionOut(BaseModel):
    id: int
    company_id: int
    integration_id: int
    name: str
    flows: dict[str, Any]
    webhooks: dict[str, Any]
    polling: dict[str, Any]
    throttle_rate: float | None
    throttle_period: str
    throttle_concurrency: int | None
    paused: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, s: Subscription) -> SubscriptionOut:
        return cls(
            id=s.id,
            company_id=s.company_id,
            integration_id=s.integration_id,
            name=s.name,
            flows=s.flows,
            webhooks=s.webhooks,
            polling=s.polling,
            throttle_rate=s.throttle_rate,
            throttle_period=s.throttle_period,
            throttle_concurrency=s.throttle_concurrency,
            paused=s.paused,
            created_at=s.created_at,
            updated_at=s.updated_at,
        )


class SubscribedOut(SubscriptionOut):
    mappings_copied: int


class SettingsOut(BaseModel):
    fields: list[str]
    values: dict[str, Any]
    secrets: dict[str, dict[str, Any]]


class UpgradeOut(BaseModel):
    applied: bool
    from_version: str
    to_version: str
    settings_added: list[str]
    settings_removed: list[str]
    required_settings_missing: list[str]
    data_types_added: list[str]
    data_types_removed: list[str]
    data_types_changed: list[str]
    templates_added: list[str]
    templates_removed: list[str]
    templates_changed: list[str]

    @classmethod
    def of(cls, report: UpgradeReport, applied: bool) -> UpgradeOut:
        return cls(applied=applied, **report.__dict__)


class ConnectionOut(BaseModel):
    ok: bool
    code: str | None = None
    message: str | None = None


def _catalog(ctx: Ctx) -> CatalogRepository:
    return CatalogRepository(ctx.uow.conn)


@router.get("", response_model=Page[SubscriptionOut])
def list_subscriptions(ctx: Ctx, page: PageDep) -> Page[SubscriptionOut]:
    rows = _catalog(ctx).subscriptions(ctx.tenant, page.after_id, page.fetch)
    return make_page(rows, page, SubscriptionOut.of, lambda s: s.id)


@router.post("", status_code=201, response_model=SubscribedOut)
def subscribe(body: SubscribeIn, ctx: Ctx) -> SubscribedOut:
    """Subscribe to a marketplace integration version; two stores of one system are two
    subscriptions with different names."""
    sub, copied = service.subscribe(
        ctx.uow, ctx.tenant, body.integration_id, body.name, default_mappings=body.default_mappings
    )
    ctx.audit("subscription.create", "subscription", sub.id, {"mappings_copied": copied})
    ctx.commit()
    return SubscribedOut(**SubscriptionOut.of(sub).model_dump(), mappings_copied=copied)


@router.get("/{subscription_id}", response_model=SubscriptionOut)
def get_subscription(subscription_id: IdPath, ctx: Ctx) -> SubscriptionOut:
    return SubscriptionOut.of(_catalog(ctx).subscription(ctx.tenant, subscription_id))


@router.patch("/{subscription_id}", response_model=SubscriptionOut)
def update_subscription(
    subscription_id: IdPath, body: SubscriptionPatch, ctx: Ctx
) -> SubscriptionOut:
    """Rename, or change the throttle (calls per period, concurrency)."""
    changes = body.model_dump(exclude_unset=True)
    if changes:
        _catalog(ctx).update_subscription(ctx.tenant, subscription_id, **changes)
    ctx.audit("subscription.update", "subscription", subscription_id, {"changed": sorted(changes)})
    ctx.commit()
    return get_subscription(subscription_id, ctx)


@router.delete("/{subscription_id}", status_code=204)
def delete_subscription(subscription_id: IdPath, ctx: Ctx) -> None:
    """Remove a subscription with its mappings, links and queue."""
    _catalog(ctx).delete_subscription(ctx.tenant, subscription_id)
    ctx.audit("subscription.delete", "subscription", subscription_id)
    ctx.commit()


@router.get("/{subscription_id}/settings", response_model=SettingsOut)
def get_settings(subscription_id: IdPath, ctx: Ctx) -> SettingsOut:
    """Its own setting values; secrets only say whether they are set."""
    sub = _catalog(ctx).subscription(ctx.tenant, subscription_id)
    return SettingsOut(**service.settings_view(ctx.uow, secret_box_for(ctx.hub), sub))


@router.patch("/{subscription_id}/settings", response_model=SettingsOut)
def update_settings(subscription_id: IdPath, body: SettingsIn, ctx: Ctx) -> SettingsOut:
    """Fill settings: omitted fields keep their value, the mask ``••••`` keeps a secret,
    ``null`` clears one. Secrets are stored encrypted."""
    box = secret_box_for(ctx.hub)
    changed = service.update_settings(ctx.uow, box, ctx.tenant, subscription_id, body.values)
    ctx.audit("subscription.settings", "subscription", subscription_id, {"changed": changed})
    ctx.commit()
    return get_settings(subscription_id, ctx)


@router.post("/{subscription_id}/presets", status_code=204)
def attach_preset(subscription_id: IdPath, body: PresetLinkIn, ctx: Ctx) -> None:
    """Let the subscription use a preset's values (its own values win)."""
    _catalog(ctx).subscription(ctx.tenant, subscription_id)
    ctx.presets.attach(ctx.tenant, subscription_id, body.preset_id, body.sort_order)
    ctx.audit("subscription.preset", "subscription", subscription_id, {"preset": body.preset_id})
    ctx.commit()


@router.put("/{subscription_id}/flows", response_model=SubscriptionOut)
def set_flows(subscription_id: IdPath, body: FlowsIn, ctx: Ctx) -> SubscriptionOut:
    """Turn data flows on or off: ``{"flows": {"product": {"to_hub": true}}}``."""
    flows = {t: f.model_dump(exclude_none=True) for t, f in body.flows.items()}
    sub = service.set_flows(ctx.uow, ctx.tenant, subscription_id, flows)
    ctx.audit("subscription.flows", "subscription", subscription_id, {"flows": flows})
    ctx.commit()
    return SubscriptionOut.of(sub)


@router.put("/{subscription_id}/triggers/{data_type}", response_model=SubscriptionOut)
def set_trigger(
    subscription_id: IdPath, data_type: DataTypeName, body: TriggerIn, ctx: Ctx
) -> SubscriptionOut:
    """How changes of a data type reach the hub: ``webhook``, ``polling`` (with
    ``interval_seconds`` or ``cron``) or ``off``."""
    sub = service.set_trigger(
        ctx.uow,
        ctx.tenant,
        subscription_id,
        data_type,
        body.mode,
        interval_seconds=body.interval_seconds,
        cron=body.cron,
    )
    ctx.audit("subscription.trigger", "subscription", subscription_id, body.model_dump())
    ctx.commit()
    return SubscriptionOut.of(sub)


def _pause(subscription_id: int, ctx: Ctx, paused: bool) -> SubscriptionOut:
    _catalog(ctx).update_subscription(ctx.tenant, subscription_id, paused=paused)
    verb = "pause" if paused else "resume"
    ctx.audit(f"subscription.{verb}", "subscription", subscription_id)
    ctx.commit()
    return get_subscription(subscription_id, ctx)


@router.post("/{subscription_id}/pause", response_model=SubscriptionOut)
def pause(subscription_id: IdPath, ctx: Ctx) -> SubscriptionOut:
    """Stop transfers of this subscription (items wait in the queue)."""
    return _pause(subscription_id, ctx, True)


@router.post("/{subscription_id}/resume", response_model=SubscriptionOut)
def resume(subscription_id: IdPath, ctx: Ctx) -> SubscriptionOut:
    return _pause(subscription_id, ctx, False)


@router.get("/{subscription_id}/state", response_model=dict[str, Any])
def get_state(subscription_id: IdPath, ctx: Ctx) -> dict[str, Any]:
    """The connector's key-value state."""
    return _catalog(ctx).subscription(ctx.tenant, subscription_id).state


@router.patch("/{subscription_id}/state", response_model=dict[str, Any])
def update_state(subscription_id: IdPath, body: StateIn, ctx: Ctx) -> dict[str, Any]:
    """Set keys of the state; ``null`` removes a key."""
    state = service.update_state(ctx.uow, ctx.tenant, subscription_id, dict(body.values))
    ctx.audit("subscription.state", "subscription", subscription_id, {"keys": sorted(body.values)})
    ctx.commit()
    return state


@router.post("/{subscription_id}/upgrade", response_model=UpgradeOut)
def upgrade(subscription_id: IdPath, body: UpgradeIn, ctx: Ctx) -> UpgradeOut:
    """What moving to another version changes; with ``apply: true`` the move itself."""
    report = service.upgrade(ctx.uow, ctx.tenant, subscription_id, body.version, apply=body.apply)
    if body.apply:
        ctx.audit("subscription.upgrade", "subscription", subscription_id, {"to": body.version})
        ctx.commit()
    return UpgradeOut.of(report, body.apply)


@router.post("/{subscription_id}/test", response_model=ConnectionOut)
async def test(subscription_id: IdPath, ctx: Ctx) -> ConnectionOut:
    """Try the connection with the current settings; the calls go to the api-call log."""
    _catalog(ctx).subscription(ctx.tenant, subscription_id)
    problem = await test_connection(ctx.hub, ctx.uow, subscription_id)
    ctx.audit("subscription.test", "subscription", subscription_id, {"ok": problem is None})
    ctx.commit()
    if problem is None:
        return ConnectionOut(ok=True)
    return ConnectionOut(ok=False, code=problem.code, message=problem.message)
