"""Canonical record schemas: the hub's standardized data model.

Money is ``Decimal`` beside a record-level ISO 4217 ``currency``; it is stored as a JSON
string so no precision is lost. Timestamps must carry a time zone.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainSerializer, field_validator

CUSTOM_FIELD_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise ValueError("timestamp must include a time zone, e.g. 2026-01-31T12:00:00Z")
    return value


def _currency(value: str) -> str:
    if not re.fullmatch(r"[A-Z]{3}", value):
        raise ValueError("currency must be a three-letter ISO 4217 code such as EUR")
    return value


def _decimal_text(value: Decimal) -> str:
    # One spelling per number ("9.90" and "9.9" are the same price), so content hashes agree.
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


AwareDatetime = Annotated[datetime, AfterValidator(_aware)]
Currency = Annotated[str, AfterValidator(_currency)]
Number = Annotated[Decimal, PlainSerializer(_decimal_text, return_type=str, when_used="json")]
Money = Annotated[Number, Field(max_digits=18, decimal_places=6)]
Quantity = Annotated[Number, Field(max_digits=18, decimal_places=6)]
Code = Annotated[str, Field(min_length=1, max_length=255)]
CustomFieldValue = str | int | float | bool | Number | datetime | list[str] | None


class CanonicalRecord(BaseModel):
    """Fields every canonical record shares."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    custom_fields: dict[str, CustomFieldValue] = Field(default_factory=dict)
    created_at: AwareDatetime | None = None
    updated_at: AwareDatetime | None = None

    @field_validator("custom_fields")
    @classmethod
    def _custom_field_names(cls, value: dict[str, CustomFieldValue]) -> dict[str, object]:
        for name in value:
            if not CUSTOM_FIELD_NAME.match(name):
                raise ValueError(
                    f"custom field name {name!r} must start with a letter or underscore "
                    "and hold only letters, digits and underscores (at most 64)"
                )
        return dict(value)


class Address(BaseModel):
    """A postal address, embedded in customers, locations and transactions."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str | None = None
    company: str | None = None
    line1: str | None = None
    line2: str | None = None
    city: str | None = None
    postal_code: str | None = None
    region: str | None = None
    country: Annotated[str, Field(pattern=r"^[A-Z]{2}$")] | None = None
    phone: str | None = None
    email: str | None = None


class Product(CanonicalRecord):
    sku: Code
    name: str | None = None
    description: str | None = None
    status: Literal["active", "draft", "archived"] = "active"
    price: Money | None = None
    compare_at_price: Money | None = None
    cost: Money | None = None
    currency: Currency | None = None
    tax_class: str | None = None
    barcode: str | None = None
    brand: str | None = None
    weight_kg: Quantity | None = None
    category_codes: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)


class ProductVariant(CanonicalRecord):
    sku: Code
    product_sku: Code
    name: str | None = None
    options: dict[str, str] = Field(default_factory=dict)
    price: Money | None = None
    currency: Currency | None = None
    barcode: str | None = None
    weight_kg: Quantity | None = None


class ProductCategory(CanonicalRecord):
    code: Code
    name: str | None = None
    parent_code: str | None = None
    description: str | None = None


class ProductInventory(CanonicalRecord):
    sku: Code
    location_code: Code
    quantity: Quantity
    reserved: Quantity | None = None


class Location(CanonicalRecord):
    code: Code
    name: str | None = None
    kind: Literal["warehouse", "store", "virtual"] = "warehouse"
    address: Address | None = None


class Customer(CanonicalRecord):
    email: Annotated[str, Field(min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")]
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    phone: str | None = None
    tax_number: str | None = None
    accepts_marketing: bool | None = None


class CustomerAddress(CanonicalRecord):
    customer_email: Code
    label: Code
    address: Address


class LineSerial(BaseModel):
    model_config = ConfigDict(extra="forbid")
    serial: Code


class TransactionLine(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    line_no: int | None = None
    sku: str | None = None
    name: str | None = None
    quantity: Quantity
    unit_price: Money | None = None
    discount: Money | None = None
    tax_rate: Number | None = None
    tax_amount: Money | None = None
    total: Money | None = None
    serials: list[LineSerial] = Field(default_factory=list)
    custom_fields: dict[str, CustomFieldValue] = Field(default_factory=dict)


class Payment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    method: str | None = None
    amount: Money
    reference: str | None = None
    paid_at: AwareDatetime | None = None


class Discount(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str | None = None
    description: str | None = None
    amount: Money


class Tax(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    rate: Number | None = None
    amount: Money


class Transaction(CanonicalRecord):
    type: Literal["order", "invoice", "return", "quote"] = "order"
    number: Code
    status: str | None = None
    customer_email: str | None = None
    currency: Currency | None = None
    ordered_at: AwareDatetime | None = None
    lines: list[TransactionLine] = Field(default_factory=list)
    billing_address: Address | None = None
    shipping_address: Address | None = None
    payments: list[Payment] = Field(default_factory=list)
    discounts: list[Discount] = Field(default_factory=list)
    taxes: list[Tax] = Field(default_factory=list)
    shipping_method: str | None = None
    shipping_amount: Money | None = None
    subtotal: Money | None = None
    discount_total: Money | None = None
    tax_total: Money | None = None
    total: Money | None = None
    notes: str | None = None


class GiftCard(CanonicalRecord):
    code: Code
    balance: Money
    currency: Currency | None = None
    expires_at: AwareDatetime | None = None
    customer_email: str | None = None
    active: bool = True


class ShippingMethod(CanonicalRecord):
    code: Code
    name: str | None = None
    carrier: str | None = None
    price: Money | None = None
    currency: Currency | None = None


class PaymentMethod(CanonicalRecord):
    code: Code
    name: str | None = None
    kind: str | None = None
