"""Presets (named, reusable field sets) and the settings a subscription runs with.

Secret fields are encrypted with the ``SecretBox`` before they reach the database and are
only decrypted by ``subscription_settings`` and ``PresetRepository.secret_values``.
Fields are declared by the integration (``integrations.definition["settings"]``, a list of
``SettingField`` dicts) or, for a preset without an integration, by the preset itself.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ipaas.connectors.base import SettingField
from ipaas.domain.accounts import TenantScope
from ipaas.errors import ConflictError, NotFoundError, ValidationError
from ipaas.security.secret_box import SecretBox
from ipaas.security.setting_values import SettingValues, validate_values
from ipaas.store.accounts_tables import preset_fields, subscription_presets
from ipaas.store.resources_tables import oauth_tokens, smtp_settings
from ipaas.store.tables import integrations, presets, subscriptions
from ipaas.store.triggers_tables import webhook_registrations
from ipaas.store.types import utcnow
from ipaas.store.unique_names import ensure_unique_name

PRESET_KINDS = ("credentials", "variables", "settings")

#: Every column that holds a secret-box blob. Key rotation re-encrypts them all, so a
#: column added here is never left readable only by a key that is about to be dropped.
ENCRYPTED_COLUMNS: tuple[tuple[sa.Table, str], ...] = (
    (presets, "secrets"),
    (subscriptions, "secrets"),
    (webhook_registrations, "secret"),
    (oauth_tokens, "tokens"),
    (smtp_settings, "password"),
)


def field_to_dict(f: SettingField) -> dict[str, Any]:
    """A JSON form of a field declaration."""
    data = asdict(f)
    data["choices"] = list(f.choices)
    return data


def field_from_dict(data: dict[str, Any]) -> SettingField:
    """A field declaration from its JSON form."""
    return SettingField(
        name=data["name"],
        type=data.get("type", "string"),
        required=bool(data.get("required", False)),
        default=data.get("default"),
        choices=tuple(data.get("choices") or ()),
        description=data.get("description", ""),
        sort_order=int(data.get("sort_order", 0)),
    )


@dataclass(frozen=True, slots=True)
class Preset:
    """A preset as the API may show it: public values and the names of secrets that are set."""

    id: int
    company_id: int
    integration_id: int | None
    name: str
    kind: str
    fields: tuple[SettingField, ...]
    values: dict[str, Any]
    secrets_set: frozenset[str]
    created_at: datetime
    updated_at: datetime


def _conn(uow_or_conn: Any) -> sa.Connection:
    return uow_or_conn if isinstance(uow_or_conn, sa.Connection) else uow_or_conn.conn


class PresetRepository:
    """Create, read, change and delete presets inside a tenant scope."""

    def __init__(self, conn: sa.Connection, box: SecretBox) -> None:
        self._conn = conn
        self._box = box

    def integration_fields(
        self, scope: TenantScope, integration_id: int
    ) -> tuple[SettingField, ...]:
        """The fields an integration declares; it must be published, built or used by the scope."""
        used = sa.select(subscriptions.c.integration_id).where(
            subscriptions.c.company_id.in_(scope.visible)
        )
        row = self._conn.execute(
            sa.select(integrations.c.definition).where(
                integrations.c.id == integration_id,
                sa.or_(
                    integrations.c.published.is_(True),
                    integrations.c.company_id.in_(scope.visible),
                    integrations.c.id.in_(used),
                ),
            )
        ).first()
        if row is None:
            raise NotFoundError(f"integration {integration_id} not found", field="integration_id")
        return tuple(field_from_dict(d) for d in (row.definition or {}).get("settings", []))

    def create(
        self,
        scope: TenantScope,
        *,
        name: str,
        kind: str,
        integration_id: int | None,
        fields: tuple[SettingField, ...] | None,
        values: dict[str, Any],
    ) -> Preset:
        """Create a preset in the scope's company; values are checked against the fields."""
        declared = self._declared(scope, integration_id, fields)
        checked = validate_values(declared, values)
        self._unique_name(scope.company_id, name, None)
        now = utcnow()
        preset_id = self._conn.execute(
            sa.insert(presets)
            .values(
                company_id=scope.company_id,
                integration_id=integration_id,
                name=name,
                kind=kind,
                values=checked.public,
                secrets=self._box.encrypt(checked.secret),
                created_at=now,
                updated_at=now,
            )
            .returning(presets.c.id)
        ).scalar_one()
        if integration_id is None:
            self._conn.execute(
                sa.insert(preset_fields).values(
                    preset_id=preset_id, fields=[field_to_dict(f) for f in declared]
                )
            )
        return self.get(scope, int(preset_id))

    def _declared(
        self,
        scope: TenantScope,
        integration_id: int | None,
        fields: tuple[SettingField, ...] | None,
    ) -> tuple[SettingField, ...]:
        if integration_id is not None:
            if fields:
                raise ValidationError(
                    "fields are declared by the integration; leave fields out", field="fields"
                )
            return self.integration_fields(scope, integration_id)
        if fields is None:
            raise ValidationError(
                "a preset without an integration must declare its fields", field="fields"
            )
        return fields

    def _unique_name(self, company_id: int, name: str, preset_id: int | None) -> None:
        owner = presets.c.company_id == company_id
        ensure_unique_name(self._conn, presets, owner, name, preset_id, "preset")

    def _row(self, scope: TenantScope, preset_id: int) -> Any:
        row = self._conn.execute(
            sa.select(presets, preset_fields.c.fields.label("own_fields"))
            .outerjoin(preset_fields, preset_fields.c.preset_id == presets.c.id)
            .where(presets.c.id == preset_id, presets.c.company_id.in_(scope.visible))
        ).first()
        if row is None:
            raise NotFoundError(f"preset {preset_id} not found")
        return row

    def _fields_of(self, scope: TenantScope, row: Any) -> tuple[SettingField, ...]:
        if row.integration_id is not None:
            return self.integration_fields(TenantScope.single(row.company_id), row.integration_id)
        return tuple(field_from_dict(d) for d in row.own_fields or [])

    def _preset(self, scope: TenantScope, row: Any) -> Preset:
        return Preset(
            id=row.id,
            company_id=row.company_id,
            integration_id=row.integration_id,
            name=row.name,
            kind=row.kind,
            fields=self._fields_of(scope, row),
            values=dict(row._mapping["values"] or {}),
            secrets_set=frozenset(self._box.decrypt(row.secrets)),
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    def get(self, scope: TenantScope, preset_id: int) -> Preset:
        """A preset the scope can see (``NotFoundError`` otherwise)."""
        return self._preset(scope, self._row(scope, preset_id))

    def page(self, scope: TenantScope, after_id: int, limit: int) -> list[Preset]:
        """Presets of the scope's companies, by id, after ``after_id``."""
        rows = self._conn.execute(
            sa.select(presets, preset_fields.c.fields.label("own_fields"))
            .outerjoin(preset_fields, preset_fields.c.preset_id == presets.c.id)
            .where(presets.c.company_id.in_(scope.visible), presets.c.id > after_id)
            .order_by(presets.c.id)
            .limit(limit)
        ).all()
        return [self._preset(scope, r) for r in rows]

    def update(
        self,
        scope: TenantScope,
        preset_id: int,
        *,
        name: str | None = None,
        values: dict[str, Any] | None = None,
    ) -> tuple[Preset, list[str]]:
        """Change a preset; returns it and the names of the fields that changed."""
        row = self._row(scope, preset_id)
        changes: dict[str, Any] = {}
        changed: list[str] = []
        if name is not None and name != row.name:
            self._unique_name(row.company_id, name, preset_id)
            changes["name"] = name
            changed.append("name")
        if values is not None:
            before = SettingValues(
                dict(row._mapping["values"] or {}), self._box.decrypt(row.secrets)
            )
            checked = validate_values(self._fields_of(scope, row), values, existing=before)
            for key in sorted(set(before.public) | set(checked.public)):
                if before.public.get(key) != checked.public.get(key):
                    changed.append(key)
            for key in sorted(set(before.secret) | set(checked.secret)):
                if before.secret.get(key) != checked.secret.get(key):
                    changed.append(key)
            changes["values"] = checked.public
            changes["secrets"] = self._box.encrypt(checked.secret)
        if changes:
            changes["updated_at"] = utcnow()
            self._conn.execute(sa.update(presets).where(presets.c.id == preset_id).values(changes))
        return self.get(scope, preset_id), changed

    def delete(self, scope: TenantScope, preset_id: int) -> None:
        """Delete a preset no subscription uses."""
        self._row(scope, preset_id)
        used = self._conn.execute(
            sa.select(subscription_presets.c.id).where(
                subscription_presets.c.preset_id == preset_id
            )
        ).first()
        if used:
            raise ConflictError(f"preset {preset_id} is used by a subscription")
        self._conn.execute(sa.delete(presets).where(presets.c.id == preset_id))

    def secret_values(self, scope: TenantScope, preset_id: int) -> dict[str, Any]:
        """The decrypted secret values of a preset (for the transfer engine only)."""
        return self._box.decrypt(self._row(scope, preset_id).secrets)

    def attach(
        self, scope: TenantScope, subscription_id: int, preset_id: int, sort_order: int = 0
    ) -> None:
        """Let a subscription use a preset; later presets and its own values win."""
        self._row(scope, preset_id)
        owner = self._conn.execute(
            sa.select(subscriptions.c.company_id).where(subscriptions.c.id == subscription_id)
        ).scalar_one_or_none()
        if owner is None or owner not in scope.visible:
            raise NotFoundError(f"subscription {subscription_id} not found")
        self._conn.execute(
            sa.insert(subscription_presets).values(
                subscription_id=subscription_id, preset_id=preset_id, sort_order=sort_order
            )
        )


def write_subscription_settings(
    uow_or_conn: Any,
    secret_box: SecretBox,
    subscription_id: int,
    fields: tuple[SettingField, ...],
    values: dict[str, Any],
) -> None:
    """Check a subscription's own values against ``fields`` and store them, secrets encrypted."""
    checked = validate_values(fields, values)
    _conn(uow_or_conn).execute(
        sa.update(subscriptions)
        .where(subscriptions.c.id == subscription_id)
        .values(
            settings=checked.public,
            secrets=secret_box.encrypt(checked.secret),
            updated_at=utcnow(),
        )
    )


def _layers(conn: sa.Connection, subscription_id: int) -> list[tuple[dict[str, Any], str | None]]:
    own = conn.execute(
        sa.select(subscriptions.c.settings, subscriptions.c.secrets).where(
            subscriptions.c.id == subscription_id
        )
    ).first()
    if own is None:
        raise NotFoundError(f"subscription {subscription_id} not found")
    rows = conn.execute(
        sa.select(presets.c["values"], presets.c.secrets)
        .join(subscription_presets, subscription_presets.c.preset_id == presets.c.id)
        .where(subscription_presets.c.subscription_id == subscription_id)
        .order_by(subscription_presets.c.sort_order, subscription_presets.c.id)
    ).all()
    layers = [(dict(r._mapping["values"] or {}), r.secrets) for r in rows]
    layers.append((dict(own.settings or {}), own.secrets))
    return layers


def subscription_settings(
    uow_or_conn: Any, secret_box: SecretBox, subscription_id: int
) -> dict[str, Any]:
    """The settings a subscription's connector runs with, secrets decrypted: its presets in
    order, then its own values (later layers win). Never log or return the result."""
    merged: dict[str, Any] = {}
    for public, blob in _layers(_conn(uow_or_conn), subscription_id):
        merged.update(public)
        merged.update(secret_box.decrypt(blob))
    return merged


def public_settings(uow_or_conn: Any, subscription_id: int) -> dict[str, Any]:
    """The same settings with every secret field left out: safe to show and log."""
    merged: dict[str, Any] = {}
    for public, _blob in _layers(_conn(uow_or_conn), subscription_id):
        merged.update(public)
    return merged


def rotate_secrets(uow_or_conn: Any, secret_box: SecretBox) -> int:
    """Re-encrypt every stored secret (every column of ``ENCRYPTED_COLUMNS``) under the
    box's first key.

    ``secret_box`` must hold the new key first and the old keys after it. Returns how many
    rows were re-encrypted. Runs in the caller's transaction: commit to keep it.
    """
    conn = _conn(uow_or_conn)
    count = 0
    for table, column in ENCRYPTED_COLUMNS:
        keys = list(table.primary_key.columns)
        blob_col = table.c[column]
        rows = conn.execute(sa.select(*keys, blob_col).where(blob_col.is_not(None))).all()
        for row in rows:
            where = [key == row._mapping[key.name] for key in keys]
            blob = secret_box.rotate(row._mapping[column])
            conn.execute(sa.update(table).where(*where).values({column: blob}))
            count += 1
    return count
