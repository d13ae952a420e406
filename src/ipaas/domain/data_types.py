"""The registry of canonical data types: schema, match keys and dependency order."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import pydantic

from ipaas.domain import records as r
from ipaas.errors import RecordValidationError, UnknownDataTypeError


@dataclass(frozen=True, slots=True)
class DataType:
    """One kind of canonical record.

    ``match_keys`` are the fields that identify a record across systems when no external
    id links it yet; ``depends_on`` lists the types whose records it refers to.
    """

    name: str
    model: type[r.CanonicalRecord]
    match_keys: tuple[str, ...]
    depends_on: tuple[str, ...] = ()

    def validate(self, body: dict[str, Any]) -> dict[str, Any]:
        """Return the normalized JSON form of ``body`` or raise ``RecordValidationError``."""
        try:
            model = self.model.model_validate(body)
        except pydantic.ValidationError as exc:
            problems = [(".".join(str(p) for p in err["loc"]), err["msg"]) for err in exc.errors()]
            raise RecordValidationError(self.name, problems) from None
        return model.model_dump(mode="json", exclude_none=True)

    def match_key(self, body: dict[str, Any]) -> str | None:
        """The record's match key as one string, or None when a key field is empty."""
        parts = []
        for key in self.match_keys:
            value = body.get(key)
            if value is None or value == "":
                return None
            part = str(value)
            parts.append(part.lower() if key.endswith("email") else part)
        return "\x1f".join(parts)


DATA_TYPES: dict[str, DataType] = {
    t.name: t
    for t in (
        DataType("product_category", r.ProductCategory, ("code",)),
        DataType("location", r.Location, ("code",)),
        DataType("shipping_method", r.ShippingMethod, ("code",)),
        DataType("payment_method", r.PaymentMethod, ("code",)),
        DataType("product", r.Product, ("sku",), ("product_category",)),
        DataType("product_variant", r.ProductVariant, ("sku",), ("product",)),
        DataType(
            "product_inventory",
            r.ProductInventory,
            ("sku", "location_code"),
            ("product", "product_variant", "location"),
        ),
        DataType("customer", r.Customer, ("email",)),
        DataType("customer_address", r.CustomerAddress, ("customer_email", "label"), ("customer",)),
        DataType("gift_card", r.GiftCard, ("code",), ("customer",)),
        DataType(
            "transaction",
            r.Transaction,
            ("type", "number"),
            ("customer", "product", "product_variant", "shipping_method", "payment_method"),
        ),
    )
}


def get_data_type(name: str) -> DataType:
    """The data type called ``name``; raises ``UnknownDataTypeError`` naming the choices."""
    try:
        return DATA_TYPES[name]
    except KeyError:
        known = ", ".join(sorted(DATA_TYPES))
        raise UnknownDataTypeError(f"unknown data type {name!r}; known: {known}") from None


def validate_record(data_type: str, body: dict[str, Any]) -> dict[str, Any]:
    """Validate ``body`` as a record of ``data_type`` and return its normalized form."""
    return get_data_type(data_type).validate(body)


def content_hash(body: dict[str, Any]) -> str:
    """A stable hash of a record's content, independent of key order."""
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def dependency_order(names: list[str] | None = None) -> list[str]:
    """Data types ordered so that every type comes after the types it depends on."""
    wanted = set(names) if names is not None else set(DATA_TYPES)
    ordered: list[str] = []
    seen: set[str] = set()

    def visit(name: str) -> None:
        if name in seen:
            return
        seen.add(name)
        for dep in get_data_type(name).depends_on:
            visit(dep)
        if name in wanted:
            ordered.append(name)

    for name in DATA_TYPES:
        if name in wanted:
            visit(name)
    for name in wanted - set(DATA_TYPES):
        get_data_type(name)
    return ordered
