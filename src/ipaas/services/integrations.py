"""Integrations: create and describe them, semantic versions, publishing to the marketplace,
and the report of what changes when a subscription moves to another version."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ipaas.connectors.definition import IntegrationDefinition
from ipaas.domain.accounts import TenantScope
from ipaas.domain.validation import validate_as
from ipaas.errors import ConflictError, ValidationError
from ipaas.mapping import LookupTable, MappingCollection
from ipaas.store.catalog import CatalogRepository, Integration
from ipaas.store.mappings import MappingRepository, Owner
from ipaas.store.unit_of_work import UnitOfWork

SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)(?:\.(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*))*))?"
    r"(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$"
)
#: Columns of ``integrations``; the rest of a definition goes into ``definition``.
_COLUMNS = ("key", "name", "version", "description", "connector")


def semver_key(version: str) -> tuple[int, int, int, int, tuple[Any, ...]]:
    """A sort key for a semantic version (a pre-release sorts before its release)."""
    m = SEMVER.match(version)
    if m is None:
        raise ValidationError(
            f"version must be a semantic version like 1.2.3, not {version[:40]!r}",
            field="version",
        )
    pre = m.group(4)
    parts = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in (pre or "").split("."))
    return (int(m.group(1)), int(m.group(2)), int(m.group(3)), 0 if pre else 1, parts)


def validate_definition(data: dict[str, Any]) -> tuple[IntegrationDefinition, dict[str, Any]]:
    """Check a whole definition (the YAML form); returns it and the ``oauth`` block."""
    data = dict(data)
    oauth = data.pop("oauth", None) or {}
    semver_key(str(data.get("version", "1.0.0")))
    definition = IntegrationDefinition.from_dict(data)
    if oauth:
        from ipaas.services.oauth import OAuthConfig

        OAuthConfig.check(oauth)
    return definition, oauth


def _stored_definition(definition: IntegrationDefinition, oauth: dict[str, Any]) -> dict[str, Any]:
    stored = definition.model_dump(
        mode="json", exclude=set(_COLUMNS) | {"mappings", "lookup_tables"}
    )
    if oauth:
        stored["oauth"] = oauth
    return stored


def full_definition(integration: Integration) -> dict[str, Any]:
    """The integration as one definition document (columns and ``definition`` merged)."""
    data = dict(integration.definition)
    data.update({k: getattr(integration, k) for k in _COLUMNS})
    return data


def create_integration(
    uow: UnitOfWork, scope: TenantScope, data: dict[str, Any]
) -> tuple[Integration, list[int]]:
    """Create an integration from its definition; templates in ``mappings`` are stored as the
    integration's mapping collections. Returns it and the template ids."""
    definition, oauth = validate_definition(data)
    templates = _templates(definition.mappings)
    integration = CatalogRepository(uow.conn).create_integration(
        scope,
        key=definition.key,
        version=definition.version,
        name=definition.name,
        connector=definition.connector,
        description=definition.description,
        definition=_stored_definition(definition, oauth),
    )
    repo = MappingRepository(uow.conn)
    owner = Owner("integration", integration.id)
    # Lookup tables first: templates refer to them by name.
    for table in _lookup_tables(definition.lookup_tables):
        repo.add_lookup(owner, table)
    ids = [repo.add_collection(owner, t).id for t in templates]
    return integration, ids


def _lookup_tables(raw: list[dict[str, Any]]) -> list[LookupTable]:
    return [validate_as(LookupTable, item, "lookup_tables", n) for n, item in enumerate(raw)]


def _templates(raw: list[dict[str, Any]]) -> list[MappingCollection]:
    return [validate_as(MappingCollection, item, "mappings", n) for n, item in enumerate(raw)]


class PublishedVersionError(ConflictError):
    """A published integration version is frozen (subscriptions rely on it)."""

    code = "BIZL_VERSION_PUBLISHED"


def editable_integration(uow: UnitOfWork, scope: TenantScope, integration_id: int) -> Integration:
    """An integration the scope builds whose templates may change: not yet published."""
    current = CatalogRepository(uow.conn).own_integration(scope, integration_id)
    if current.published:
        raise PublishedVersionError(
            f"{current.key} {current.version} is published: its mapping templates and lookup "
            "tables are frozen; create a new version to change them",
            field="version",
        )
    return current


def update_integration(
    uow: UnitOfWork, scope: TenantScope, integration_id: int, changes: dict[str, Any]
) -> Integration:
    """Change an unpublished version (a published one is frozen: make a new version)."""
    repo = CatalogRepository(uow.conn)
    current = repo.own_integration(scope, integration_id)
    if current.published:
        raise ConflictError(
            f"{current.key} {current.version} is published; create a new version instead",
            field="version",
        )
    merged = {**full_definition(current), **changes, "key": current.key}
    merged["version"] = current.version
    definition, oauth = validate_definition(merged)
    repo.update_integration(
        integration_id,
        name=definition.name,
        description=definition.description,
        connector=definition.connector,
        definition=_stored_definition(definition, oauth),
    )
    return repo.integration(scope, integration_id)


def new_version(
    uow: UnitOfWork,
    scope: TenantScope,
    integration_id: int,
    version: str,
    changes: dict[str, Any],
) -> Integration:
    """A new version row of an integration: its definition with ``changes``, and copies of
    its templates and lookup tables. The version must be higher than every existing one."""
    repo = CatalogRepository(uow.conn)
    base = repo.own_integration(scope, integration_id)
    newest = max((v.version for v in repo.versions(scope, base.key)), key=semver_key)
    if semver_key(version) <= semver_key(newest):
        raise ValidationError(
            f"version {version} must be higher than the newest, {newest}", field="version"
        )
    merged = {**full_definition(base), **changes, "key": base.key, "version": version}
    merged.pop("mappings", None)
    definition, oauth = validate_definition(merged)
    created = repo.create_integration(
        scope,
        key=base.key,
        version=version,
        name=definition.name,
        connector=definition.connector,
        description=definition.description,
        definition=_stored_definition(definition, oauth),
    )
    maps = MappingRepository(uow.conn)
    source, target = Owner("integration", base.id), Owner("integration", created.id)
    for stored in maps.collections(source):
        maps.add_collection(target, stored.collection)
    for lookup in maps.lookups(source):
        maps.add_lookup(target, lookup.table)
    return created


def publish(
    uow: UnitOfWork, scope: TenantScope, integration_id: int, published: bool
) -> Integration:
    """Show an integration version in the marketplace (or withdraw it)."""
    repo = CatalogRepository(uow.conn)
    repo.own_integration(scope, integration_id)
    repo.update_integration(integration_id, published=published)
    return repo.integration(scope, integration_id)


@dataclass
class UpgradeReport:
    """What moving from one version to another changes."""

    from_version: str
    to_version: str
    settings_added: list[str] = field(default_factory=list)
    settings_removed: list[str] = field(default_factory=list)
    required_settings_missing: list[str] = field(default_factory=list)
    data_types_added: list[str] = field(default_factory=list)
    data_types_removed: list[str] = field(default_factory=list)
    data_types_changed: list[str] = field(default_factory=list)
    templates_added: list[str] = field(default_factory=list)
    templates_removed: list[str] = field(default_factory=list)
    templates_changed: list[str] = field(default_factory=list)


def _template_map(uow: UnitOfWork, integration_id: int) -> dict[str, dict[str, Any]]:
    found = {}
    for stored in MappingRepository(uow.conn).collections(Owner("integration", integration_id)):
        c = stored.collection
        name = f"{c.data_type}/{c.direction.value}/{c.name}"
        found[name] = c.model_dump(mode="json", exclude={"id"})
    return found


def upgrade_report(
    uow: UnitOfWork, old: Integration, new: Integration, settings: dict[str, Any]
) -> UpgradeReport:
    """Compare two versions; ``settings`` are a subscription's current (public or set) names."""
    report = UpgradeReport(old.version, new.version)
    old_s = {s["name"]: s for s in old.definition.get("settings", [])}
    new_s = {s["name"]: s for s in new.definition.get("settings", [])}
    report.settings_added = sorted(set(new_s) - set(old_s))
    report.settings_removed = sorted(set(old_s) - set(new_s))
    # Only new fields can be missing: the ones the subscription had are already filled.
    report.required_settings_missing = [
        n
        for n in report.settings_added
        if new_s[n].get("required") and new_s[n].get("default") is None and n not in settings
    ]
    old_t = {d["data_type"]: sorted(d["directions"]) for d in old.definition.get("data_types", [])}
    new_t = {d["data_type"]: sorted(d["directions"]) for d in new.definition.get("data_types", [])}
    report.data_types_added = sorted(set(new_t) - set(old_t))
    report.data_types_removed = sorted(set(old_t) - set(new_t))
    report.data_types_changed = sorted(t for t in set(old_t) & set(new_t) if old_t[t] != new_t[t])
    old_m, new_m = _template_map(uow, old.id), _template_map(uow, new.id)
    report.templates_added = sorted(set(new_m) - set(old_m))
    report.templates_removed = sorted(set(old_m) - set(new_m))
    report.templates_changed = sorted(n for n in set(old_m) & set(new_m) if old_m[n] != new_m[n])
    return report
