"""Subscription documents: one company's connection of one integration version.

```yaml
kind: subscription
name: Demo Shop
company: Demo Retailer          # created as a subscriber company if missing
integration: {key: demo-shop, version: "1.0.0"}
settings:
  shop_url: http://127.0.0.1:8101
  api_token: ${env:SHOP_TOKEN}  # secret settings only as environment references
flows: {product: {to_hub: true, from_hub: true}}
webhooks: [product/created, product/updated]
polling: {product: {interval_seconds: 300}}
throttle: {rate: 20, period: second, concurrency: 4}
paused: false
```

Secret settings are read from the environment at apply time and stored encrypted; a
secret written in plain text is refused. Without ``mappings`` a new subscription gets a
copy of the integration's templates; with them, they replace the subscription's own.
"""

from __future__ import annotations

import os
import re
from typing import Any, Literal

import pydantic
from pydantic import BaseModel, ConfigDict, Field

from ipaas.connectors.definition import IntegrationDefinition
from ipaas.domain import Scope, get_data_type
from ipaas.integration_as_code.documents import Document
from ipaas.mapping import LookupTable, MappingCollection
from ipaas.security.secret_box import SecretBox
from ipaas.store.definitions import DefinitionStore, integration_document

ENV_REFERENCE = re.compile(r"^\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}$")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class IntegrationRef(_Model):
    key: str
    version: str = "1.0.0"


class ThrottleDoc(_Model):
    rate: float | None = Field(None, gt=0)
    period: Literal["second", "minute"] = "second"
    concurrency: int | None = Field(None, ge=1)


class PollingDoc(_Model):
    interval_seconds: float | None = Field(None, gt=0)
    cron: str | None = None
    enabled: bool = True


class SubscriptionDoc(_Model):
    """The YAML form of a subscription's configuration."""

    kind: Literal["subscription"]
    name: str = Field(min_length=1, max_length=200)
    company: str = Field(min_length=1, max_length=200)
    integration: IntegrationRef
    settings: dict[str, Any] = Field(default_factory=dict)
    flows: dict[str, dict[Literal["to_hub", "from_hub"], bool]] = Field(default_factory=dict)
    webhooks: list[str] = Field(default_factory=list)
    polling: dict[str, PollingDoc] = Field(default_factory=dict)
    throttle: ThrottleDoc | None = None
    paused: bool = False
    lookup_tables: list[LookupTable] | None = None
    mappings: list[MappingCollection] | None = None


def env_name(subscription: str, setting: str) -> str:
    """The environment variable an exported secret setting refers to."""
    return re.sub(r"[^A-Z0-9]+", "_", f"{subscription}_{setting}".upper()).strip("_")


class SubscriptionPlan:
    """A validated subscription document with its secrets resolved from the environment."""

    def __init__(
        self,
        document: Document,
        doc: SubscriptionDoc,
        integration_row: dict[str, Any] | None,
        public: dict[str, Any],
        secret: dict[str, Any],
    ) -> None:
        self.document = document
        self.doc = doc
        self.integration_row = integration_row
        self.public = public
        self.secret = secret


def plan_subscription(
    document: Document,
    store: DefinitionStore,
    environ: dict[str, str] | None = None,
) -> SubscriptionPlan:
    """Validate a subscription document against its integration; problems name the file,
    line and field. Secret values come from ``environ`` (default ``os.environ``)."""
    environ = dict(os.environ) if environ is None else environ
    try:
        doc = SubscriptionDoc.model_validate(document.data)
    except pydantic.ValidationError as exc:
        raise document.pydantic_error(exc) from None
    row = store.integration(doc.integration.key, doc.integration.version)
    if row is None:
        raise document.error(
            f"no integration {doc.integration.key} {doc.integration.version}; apply its "
            "definition first (or in the same run)",
            ["integration"],
        )
    definition = _definition(row)
    secrets = definition.secret_settings()
    declared = {s.name for s in definition.settings}
    public: dict[str, Any] = {}
    secret: dict[str, Any] = {}
    for name, value in doc.settings.items():
        where = ["settings", name]
        if name not in declared:
            raise document.error(
                f"{doc.integration.key} has no setting {name!r}; known: "
                + ", ".join(sorted(declared)),
                where,
            )
        reference = ENV_REFERENCE.match(value) if isinstance(value, str) else None
        if name in secrets:
            if reference is None:
                raise document.error(
                    "a secret setting must be an environment reference like ${env:NAME}, "
                    "never the value itself",
                    where,
                )
            if reference.group(1) not in environ:
                raise document.error(
                    f"the environment variable {reference.group(1)} is not set", where
                )
            secret[name] = environ[reference.group(1)]
        elif reference is not None:
            public[name] = environ.get(reference.group(1), "")
        else:
            public[name] = value
    for data_type in [*doc.flows, *doc.polling]:
        try:
            get_data_type(data_type)
        except Exception as exc:
            section = "flows" if data_type in doc.flows else "polling"
            raise document.error(str(exc), [section, data_type]) from None
    for n, scope in enumerate(doc.webhooks):
        try:
            Scope.parse(scope)
        except Exception as exc:
            raise document.error(str(exc), ["webhooks", n]) from None
    return SubscriptionPlan(document, doc, row, public, secret)


def _definition(row: dict[str, Any]) -> IntegrationDefinition:
    document = integration_document(row)
    known = {k: v for k, v in document.items() if k in IntegrationDefinition.model_fields}
    return IntegrationDefinition.model_validate(known)


def _columns(plan: SubscriptionPlan, box: SecretBox) -> dict[str, Any]:
    doc = plan.doc
    throttle = doc.throttle or ThrottleDoc()
    return {
        "settings": plan.public,
        "flows": {t: dict(f) for t, f in doc.flows.items()},
        "webhooks": {"scopes": list(doc.webhooks)},
        "polling": {t: p.model_dump(exclude_unset=True) for t, p in doc.polling.items()},
        "throttle_rate": throttle.rate,
        "throttle_period": throttle.period,
        "throttle_concurrency": throttle.concurrency,
        "paused": doc.paused,
        "secrets": box.encrypt(plan.secret) if plan.secret else None,
    }


_COMPARED = (
    "integration_id",
    "settings",
    "flows",
    "webhooks",
    "polling",
    "throttle_rate",
    "throttle_period",
    "throttle_concurrency",
    "paused",
)


def apply_subscription(
    store: DefinitionStore, plan: SubscriptionPlan, box: SecretBox
) -> tuple[str, int]:
    """Create or update the subscription; returns the outcome and its id."""
    doc = plan.doc
    assert plan.integration_row is not None
    integration_id = int(plan.integration_row["id"])
    company = store.company_named(doc.company)
    company_id = int(company["id"]) if company else store.create_company(doc.company, "subscriber")
    values = {**_columns(plan, box), "integration_id": integration_id}
    row = store.subscription_named(company_id, doc.name)
    if row is None:
        sub_id = store.create_subscription({**values, "company_id": company_id, "name": doc.name})
        tables = doc.lookup_tables or []
        collections = doc.mappings
        if collections is None:
            tables = store.lookups("integration", integration_id)
            collections = store.collections("integration", integration_id)
        store.replace_lookups("subscription", sub_id, tables)
        store.replace_collections("subscription", sub_id, collections)
        return "created", sub_id
    sub_id = int(row["id"])
    changed = any(row[k] != values[k] for k in _COMPARED)
    changed = changed or box.decrypt(row["secrets"]) != plan.secret
    if changed:
        store.update_subscription(sub_id, values)
    if doc.mappings is not None:
        dump = [c.model_dump(mode="json", exclude_unset=True) for c in doc.mappings]
        current = [
            c.model_dump(mode="json", exclude_unset=True)
            for c in store.collections("subscription", sub_id)
        ]
        tables = doc.lookup_tables or []
        if dump != current or tables != store.lookups("subscription", sub_id):
            store.replace_lookups("subscription", sub_id, tables)
            store.replace_collections("subscription", sub_id, doc.mappings)
            changed = True
    return ("updated" if changed else "unchanged"), sub_id


def export_subscription(store: DefinitionStore, row: dict[str, Any]) -> dict[str, Any]:
    """A subscription's document; secrets as ``${env:NAME}`` references, never values."""
    integration = store.integration_by_id(int(row["integration_id"]))
    company = store.company(int(row["company_id"]))
    definition = _definition(integration)
    secret_names = definition.secret_settings()
    settings = dict(row["settings"] or {})
    for name in sorted(secret_names):
        if row["secrets"]:
            settings[name] = "${env:" + env_name(row["name"], name) + "}"
    document: dict[str, Any] = {
        "kind": "subscription",
        "name": row["name"],
        "company": company["name"],
        "integration": {"key": integration["key"], "version": integration["version"]},
        "settings": settings,
        "flows": dict(row["flows"] or {}),
        "webhooks": list((row["webhooks"] or {}).get("scopes", [])),
        "polling": dict(row["polling"] or {}),
    }
    if row["throttle_rate"] is not None or row["throttle_concurrency"] is not None:
        document["throttle"] = {
            "rate": row["throttle_rate"],
            "period": row["throttle_period"],
            "concurrency": row["throttle_concurrency"],
        }
    document["paused"] = bool(row["paused"])
    sub_id, integration_id = int(row["id"]), int(integration["id"])
    own = store.collections("subscription", sub_id)
    templates = store.collections("integration", integration_id)
    own_tables = store.lookups("subscription", sub_id)
    if own != templates or own_tables != store.lookups("integration", integration_id):
        if own_tables:
            document["lookup_tables"] = [
                t.model_dump(mode="json", exclude_unset=True) for t in own_tables
            ]
        document["mappings"] = [
            c.model_dump(mode="json", exclude_unset=True, exclude={"id"}) for c in own
        ]
    return document
