"""``/api/v1/presets``: named field sets (credentials, variables, settings) that
subscriptions reuse. Secret fields are write-only: answers show ``{"set": true, "value":
"••••"}``; sending the mask back keeps the stored secret, ``null`` clears it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, JsonValue, model_validator

from ipaas.api.context import Ctx
from ipaas.api.pagination import Page, PageDep, make_page
from ipaas.api.routing import IdField, IdPath, RequestBody, feature_router
from ipaas.api.schemas import Name
from ipaas.connectors.base import SettingField, SettingType
from ipaas.domain.roles import Feature
from ipaas.security.setting_values import mask_secrets
from ipaas.store.presets import Preset

router = feature_router(Feature.SUBSCRIPTION_MANAGEMENT, "/presets", tags=["presets"])

PresetKind = Literal["credentials", "variables", "settings"]
FieldName = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_.-]{0,99}$")]
Values = Annotated[dict[FieldName, JsonValue], Field(max_length=200)]


class SettingFieldSchema(RequestBody):
    """One declared field (mirrors ``ipaas.connectors.base.SettingField``)."""

    name: FieldName
    type: SettingType = "string"
    required: bool = False
    default: str | float | bool | None = None
    choices: Annotated[list[Annotated[str, Field(max_length=200)]], Field(max_length=100)] = []
    description: Annotated[str, Field(max_length=500)] = ""
    sort_order: Annotated[int, Field(ge=-10_000, le=10_000)] = 0

    @model_validator(mode="after")
    def _enum_has_choices(self) -> SettingFieldSchema:
        if self.type == "enum" and not self.choices:
            raise ValueError("an enum field needs choices")
        return self

    def to_field(self) -> SettingField:
        return SettingField(
            name=self.name,
            type=self.type,
            required=self.required,
            default=self.default,
            choices=tuple(self.choices),
            description=self.description,
            sort_order=self.sort_order,
        )

    @classmethod
    def of(cls, f: SettingField) -> SettingFieldSchema:
        return cls(
            name=f.name,
            type=f.type,
            required=f.required,
            default=None if f.secret else f.default,
            choices=list(f.choices),
            description=f.description,
            sort_order=f.sort_order,
        )


class PresetIn(RequestBody):
    name: Name
    kind: PresetKind = "settings"
    #: Take the fields from this integration's declaration...
    integration_id: IdField | None = None
    #: ...or declare them here (a preset without an integration).
    fields: Annotated[list[SettingFieldSchema], Field(max_length=200)] | None = None
    values: Values = {}

    @model_validator(mode="after")
    def _unique_fields(self) -> PresetIn:
        names = [f.name for f in self.fields or []]
        if len(names) != len(set(names)):
            raise ValueError("field names must be unique")
        return self


class PresetPatch(RequestBody):
    name: Name | None = None
    values: Values | None = None


class SecretOut(BaseModel):
    set: bool
    value: str | None


class PresetOut(BaseModel):
    id: int
    company_id: int
    integration_id: int | None
    name: str
    kind: str
    fields: list[SettingFieldSchema]
    #: Values of the fields that are not secret.
    values: dict[str, Any]
    #: For each secret field: whether it is set (its value is never shown).
    secrets: dict[str, SecretOut]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, p: Preset) -> PresetOut:
        return cls(
            id=p.id,
            company_id=p.company_id,
            integration_id=p.integration_id,
            name=p.name,
            kind=p.kind,
            fields=[SettingFieldSchema.of(f) for f in sorted(p.fields, key=lambda f: f.sort_order)],
            values=p.values,
            secrets={k: SecretOut(**v) for k, v in mask_secrets(p.fields, p.secrets_set).items()},
            created_at=p.created_at,
            updated_at=p.updated_at,
        )


@router.get("", response_model=Page[PresetOut])
def list_presets(ctx: Ctx, page: PageDep) -> Page[PresetOut]:
    rows = ctx.presets.page(ctx.tenant, page.after_id, page.fetch)
    return make_page(rows, page, PresetOut.of, lambda p: p.id)


@router.post("", status_code=201, response_model=PresetOut)
def create_preset(body: PresetIn, ctx: Ctx) -> PresetOut:
    """Create a preset; values are checked against the declared fields."""
    fields = tuple(f.to_field() for f in body.fields) if body.fields is not None else None
    preset = ctx.presets.create(
        ctx.tenant,
        name=body.name,
        kind=body.kind,
        integration_id=body.integration_id,
        fields=fields,
        values=dict(body.values),
    )
    ctx.audit("preset.create", "preset", preset.id, {"fields": sorted(body.values)})
    ctx.commit()
    return PresetOut.of(preset)


@router.get("/{preset_id}", response_model=PresetOut)
def get_preset(preset_id: IdPath, ctx: Ctx) -> PresetOut:
    return PresetOut.of(ctx.presets.get(ctx.tenant, preset_id))


@router.patch("/{preset_id}", response_model=PresetOut)
def update_preset(preset_id: IdPath, body: PresetPatch, ctx: Ctx) -> PresetOut:
    """Change the name or some values; omitted fields keep their values."""
    values = dict(body.values) if body.values is not None else None
    preset, changed = ctx.presets.update(ctx.tenant, preset_id, name=body.name, values=values)
    ctx.audit("preset.update", "preset", preset_id, {"changed": changed})
    ctx.commit()
    return PresetOut.of(preset)


@router.delete("/{preset_id}", status_code=204)
def delete_preset(preset_id: IdPath, ctx: Ctx) -> None:
    ctx.presets.delete(ctx.tenant, preset_id)
    ctx.audit("preset.delete", "preset", preset_id)
    ctx.commit()
