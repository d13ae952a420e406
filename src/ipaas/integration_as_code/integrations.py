"""Integration documents: validate, apply (create or update) and export.

The stored form keeps exactly the keys the document set (``exclude_unset``), so exporting
what was applied gives the same document back.
"""

from __future__ import annotations

from typing import Any

import pydantic

from ipaas.connectors.definition import IntegrationDefinition
from ipaas.connectors.registry import ConnectorRegistry, default_registry
from ipaas.errors import IpaasError
from ipaas.integration_as_code.documents import Document
from ipaas.mapping import LookupTable, MappingCollection, compile_collection
from ipaas.mapping.errors import MappingDefinitionError
from ipaas.store.definitions import DefinitionStore, integration_document

#: Columns of ``integrations``; the rest of a definition is its ``definition`` JSON.
COLUMNS = ("key", "name", "version", "description", "connector")
#: Parts kept in rows of their own, not in the ``definition`` JSON.
OWNED = ("mappings", "lookup_tables")


class IntegrationPlan:
    """A validated integration document, ready to compare with what is stored."""

    def __init__(
        self,
        document: Document,
        definition: IntegrationDefinition,
        collections: list[MappingCollection],
        tables: list[LookupTable],
    ) -> None:
        self.document = document
        self.definition = definition
        self.collections = collections
        self.tables = tables

    @property
    def key(self) -> str:
        return self.definition.key

    @property
    def version(self) -> str:
        return self.definition.version

    def columns(self) -> dict[str, Any]:
        """Values of the integrations row (``definition`` included)."""
        dumped = self.definition.model_dump(mode="json", exclude_unset=True)
        values = {k: getattr(self.definition, k) for k in COLUMNS}
        values["definition"] = {
            k: v for k, v in dumped.items() if k not in COLUMNS and k not in OWNED
        }
        return values


def plan_integration(
    document: Document, registry: ConnectorRegistry | None = None
) -> IntegrationPlan:
    """Validate an integration document; problems name the file, line and field."""
    data = {k: v for k, v in document.data.items() if k != "kind"}
    try:
        definition = IntegrationDefinition.model_validate(data)
    except pydantic.ValidationError as exc:
        raise document.pydantic_error(exc) from None
    try:
        definition.validate_config(registry or default_registry())
    except IpaasError as exc:
        raise document.dotted_error(exc.message.split(": ", 1)[-1], exc.field) from None
    tables: list[LookupTable] = []
    for n, raw in enumerate(definition.lookup_tables):
        try:
            tables.append(LookupTable.model_validate(raw))
        except pydantic.ValidationError as exc:
            raise document.pydantic_error(exc, ["lookup_tables", n]) from None
    by_name = {t.name: t for t in tables}
    collections: list[MappingCollection] = []
    for n, raw in enumerate(definition.mappings):
        try:
            collection = MappingCollection.model_validate(raw)
        except pydantic.ValidationError as exc:
            raise document.pydantic_error(exc, ["mappings", n]) from None
        try:
            compile_collection(collection, by_name)
        except MappingDefinitionError as exc:
            raise document.dotted_error(
                exc.message, f"mappings.{n}.{exc.field}" if exc.field else f"mappings.{n}"
            ) from None
        collections.append(collection)
    return IntegrationPlan(document, definition, collections, tables)


def stored_integration(store: DefinitionStore, row: dict[str, Any]) -> dict[str, Any]:
    """An integration as a document: columns, definition, lookup tables and templates."""
    document = integration_document(row)
    tables = store.lookups("integration", int(row["id"]))
    collections = store.collections("integration", int(row["id"]))
    if tables:
        document["lookup_tables"] = [t.model_dump(mode="json", exclude_unset=True) for t in tables]
    document["mappings"] = [
        c.model_dump(mode="json", exclude_unset=True, exclude={"id"}) for c in collections
    ]
    return document


def desired_integration(plan: IntegrationPlan) -> dict[str, Any]:
    """What ``stored_integration`` will give once ``plan`` is applied."""
    values = plan.columns()
    document = dict(values.pop("definition"))
    document.update(values)
    if plan.tables:
        document["lookup_tables"] = [
            t.model_dump(mode="json", exclude_unset=True) for t in plan.tables
        ]
    document["mappings"] = [
        c.model_dump(mode="json", exclude_unset=True, exclude={"id"}) for c in plan.collections
    ]
    return document


def apply_integration(store: DefinitionStore, plan: IntegrationPlan, owner_company_id: int) -> str:
    """Create or update the integration; returns ``created``, ``updated`` or ``unchanged``."""
    row = store.integration(plan.key, plan.version)
    if row is None:
        integration_id = store.create_integration(owner_company_id, plan.columns())
        outcome = "created"
    else:
        if stored_integration(store, row) == desired_integration(plan):
            return "unchanged"
        if row["published"]:
            raise plan.document.error(
                f"{plan.key} {plan.version} is published; give the changed definition a new "
                "version",
                ["version"],
            )
        integration_id = int(row["id"])
        store.update_integration(integration_id, plan.columns())
        outcome = "updated"
    store.replace_lookups("integration", integration_id, plan.tables)
    store.replace_collections("integration", integration_id, plan.collections)
    return outcome


#: The order keys are written in when exporting (others follow).
_ORDER = (
    "key",
    "name",
    "version",
    "description",
    "connector",
    "settings",
    "data_types",
    "throttle",
    "config",
    "lookup_tables",
    "mappings",
)


def export_integration(store: DefinitionStore, row: dict[str, Any]) -> dict[str, Any]:
    """The integration's document, keys in the usual order."""
    document = stored_integration(store, row)
    ordered = {k: document[k] for k in _ORDER if k in document}
    ordered.update({k: v for k, v in document.items() if k not in ordered})
    return ordered
