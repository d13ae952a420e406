"""The storefront's records and rules: products with variants, customers, orders,
inventory levels and webhook registrations, with Shopify-like shapes.

Every committed change is sent to the matching registered webhooks (see :mod:`.delivery`).
"""

from __future__ import annotations

import json
import uuid
from decimal import Decimal
from typing import Any

from ipaas.demo.systems import _fields as f
from ipaas.demo.systems.base import DemoSystem
from ipaas.demo.systems.delivery import Delivery
from ipaas.demo.systems.signing import shop_signature
from ipaas.demo.systems.store import Query, StoredDocument
from ipaas.errors import ConflictError, NotFoundError, ValidationError

_ACTIONS = ("create", "update", "delete")
SHOP_RESOURCES = {"products": "product", "customers": "customer", "orders": "order"}
"""Resources with full CRUD under ``/api``, and their singular names."""

SHOP_TOPICS = (
    *(f"{resource}/{action}" for resource in SHOP_RESOURCES for action in _ACTIONS),
    "inventory_levels/update",
)

WEBHOOKS = "_webhooks"
_STATUSES = ("active", "draft", "archived")
_FINANCIAL = ("paid", "pending", "refunded")
_FULFILLMENT = (None, "fulfilled", "partial")


def _price(value: Decimal) -> str:
    return f"{value:.2f}"


class ShopSystem(DemoSystem):
    """The storefront demo system (``app.state.system`` of :func:`create_shop_app`)."""

    name = "shop"
    generate_kinds = ("products", "customers", "orders", "stock", "price_changes")

    # -- reading -------------------------------------------------------------------------

    def present(self, document: StoredDocument) -> dict[str, Any]:
        """The API shape of a stored record (tombstones carry ``deleted_at``)."""
        record: dict[str, Any] = {}
        if document.resource in SHOP_RESOURCES:
            record["id"] = int(document.key)
        record.update(document.data)
        if document.resource in SHOP_RESOURCES:
            record["created_at"] = document.created_at
        record["updated_at"] = document.updated_at
        if document.deleted:
            record["deleted_at"] = document.updated_at
        return record

    def get(self, resource: str, record_id: int) -> dict[str, Any]:
        """One live record, or NotFoundError."""
        document = self.store.get(resource, str(record_id))
        if document is None:
            raise NotFoundError(f"{SHOP_RESOURCES[resource]} {record_id} not found")
        return self.present(document)

    # -- writing -------------------------------------------------------------------------

    def create(self, resource: str, body: dict[str, Any]) -> dict[str, Any]:
        """Create a record from its API body (without the singular wrapper)."""
        with self.store.transaction():
            record_id = self.store.next_value(f"id:{resource}", start=1001)
            data = self._validate(resource, body, None)
            document = self.store.put(resource, str(record_id), data)
            levels = self._sync_inventory(resource, data)
        record = self.present(document)
        self._emit(f"{resource}/create", record)
        for level in levels:
            self._emit("inventory_levels/update", self.present(level))
        return record

    def update(self, resource: str, record_id: int, body: dict[str, Any]) -> dict[str, Any]:
        """Change the given fields of a live record (PUT is a partial update, as in Shopify)."""
        with self.store.transaction():
            existing = self.store.get(resource, str(record_id))
            if existing is None:
                raise NotFoundError(f"{SHOP_RESOURCES[resource]} {record_id} not found")
            data = self._validate(resource, body, existing.data)
            document = self.store.put(resource, str(record_id), data)
            levels = self._sync_inventory(resource, data)
        record = self.present(document)
        self._emit(f"{resource}/update", record)
        for level in levels:
            self._emit("inventory_levels/update", self.present(level))
        return record

    def delete(self, resource: str, record_id: int) -> None:
        """Delete a live record, keeping a tombstone; NotFoundError if there is none."""
        document = self.store.delete(resource, str(record_id))
        if document is None:
            raise NotFoundError(f"{SHOP_RESOURCES[resource]} {record_id} not found")
        self._emit(f"{resource}/delete", self.present(document))

    def set_inventory(self, sku: str, location: str, available: int) -> dict[str, Any]:
        """Set the quantity of ``sku`` at ``location``; ``main`` is also each variant's
        ``inventory_quantity`` (the product is updated and fires ``products/update``)."""
        with self.store.transaction():
            level, changed = self._put_level(sku, location, available)
            products = []
            if location == "main":
                query = Query(any_equals={("$.variants", "$.sku"): sku})
                for product in self.store.list("products", query, limit=100):
                    variants = product.data["variants"]
                    for variant in variants:
                        if variant.get("sku") == sku:
                            variant["inventory_quantity"] = available
                    products.append(self.store.put("products", product.key, product.data))
        record = self.present(level)
        if changed:
            self._emit("inventory_levels/update", record)
        for product in products:
            self._emit("products/update", self.present(product))
        return record

    def _put_level(self, sku: str, location: str, available: int) -> tuple[StoredDocument, bool]:
        key = f"{sku}@{location}"
        existing = self.store.get("inventory_levels", key)
        if existing and existing.data["available"] == available:
            return existing, False
        data = {"sku": sku, "location": location, "available": available}
        return self.store.put("inventory_levels", key, data), True

    def _sync_inventory(self, resource: str, data: dict[str, Any]) -> list[StoredDocument]:
        # A variant's inventory_quantity is its level at "main"; keep the two in step.
        changed_levels = []
        for variant in data["variants"] if resource == "products" else []:
            if variant.get("sku"):
                level, changed = self._put_level(
                    variant["sku"], "main", variant["inventory_quantity"]
                )
                if changed:
                    changed_levels.append(level)
        return changed_levels

    # -- validation ----------------------------------------------------------------------

    def _validate(
        self, resource: str, body: dict[str, Any], old: dict[str, Any] | None
    ) -> dict[str, Any]:
        if resource == "products":
            return self._product(body, old)
        if resource == "customers":
            return self._customer(body, old)
        return self._order(body, old)

    def _product(self, body: dict[str, Any], old: dict[str, Any] | None) -> dict[str, Any]:
        data = dict(old or {"body_html": None, "vendor": None, "product_type": None, "tags": ""})
        data.update({k: body[k] for k in ("body_html", "vendor", "product_type") if k in body})
        data["title"] = f.text({**(old or {}), **body}, "title", required=True)
        data["status"] = f.choice(body.get("status", data.get("status", "active")), "status",
                                  _STATUSES)  # fmt: skip
        tags = body.get("tags", data["tags"])
        data["tags"] = ", ".join(tags) if isinstance(tags, list) else str(tags or "")
        if "variants" in body or old is None:
            given = f.rows(body.get("variants") or [{"option1": "Default Title"}], "variants")
            known = {v["id"]: v for v in (old or {}).get("variants", [])}
            data["variants"] = [self._variant(row, i, known) for i, row in enumerate(given)]
        order = ("title", "body_html", "vendor", "product_type", "status", "tags", "variants")
        return {name: data[name] for name in order}

    def _variant(self, row: dict[str, Any], i: int, known: dict[int, Any]) -> dict[str, Any]:
        path = f"variants[{i}]."
        old = known.get(row.get("id"), {})  # type: ignore[arg-type]
        merged = {**old, **row}
        compare = merged.get("compare_at_price")
        return {
            "id": old["id"] if old else self.store.next_value("id:variants", start=2001),
            "sku": f.text(merged, "sku", path=path),
            "price": _price(f.money(merged.get("price", "0"), f"{path}price")),
            "compare_at_price": None
            if compare in (None, "")
            else _price(f.money(compare, f"{path}compare_at_price")),
            "barcode": f.text(merged, "barcode", path=path),
            "weight": f.integer(merged.get("weight", 0), f"{path}weight"),
            "inventory_quantity": f.integer(
                merged.get("inventory_quantity", 0), f"{path}inventory_quantity", minimum=None
            ),
            "option1": f.text(merged, "option1", path=path),
            "option2": f.text(merged, "option2", path=path),
        }

    def _customer(self, body: dict[str, Any], old: dict[str, Any] | None) -> dict[str, Any]:
        data = dict(old or {"first_name": None, "last_name": None, "phone": None})
        merged = {**data, **body}
        data["email"] = f.email(merged.get("email"), "email")
        for name in ("first_name", "last_name", "phone"):
            data[name] = f.text(merged, name)
        data["accepts_marketing"] = f.boolean(
            merged.get("accepts_marketing", False), "accepts_marketing"
        )
        data["default_address"] = f.mapping(merged.get("default_address"), "default_address")
        if data["email"] != (old or {}).get("email"):
            taken = self.store.list("customers", Query(equals={"$.email": data["email"]}), 1)
            if taken:
                raise ConflictError("email has already been taken", field="email")
        return data

    def _order(self, body: dict[str, Any], old: dict[str, Any] | None) -> dict[str, Any]:
        data = dict(old or {})
        merged = {**data, **body}
        if old is None:
            number = self.store.next_value("order_number", start=1001)
            data.update(name=f"#{number}", order_number=number)
        data["email"] = None if merged.get("email") is None else f.email(merged["email"], "email")
        data["currency"] = f.text(merged, "currency") or self.settings.currency
        data["financial_status"] = f.choice(
            merged.get("financial_status", "pending"), "financial_status", _FINANCIAL
        )
        data["fulfillment_status"] = f.choice(
            merged.get("fulfillment_status"), "fulfillment_status", _FULFILLMENT
        )
        for name in ("billing_address", "shipping_address"):
            data[name] = f.mapping(merged.get(name), name)
        if "line_items" in body or old is None:
            lines = f.rows(body.get("line_items"), "line_items", required=True)
            data["line_items"] = [self._line(row, i) for i, row in enumerate(lines)]
        subtotal = sum(
            (Decimal(line["price"]) * line["quantity"] for line in data["line_items"]), Decimal(0)
        )
        if "total_tax" in body:
            tax = f.money(body["total_tax"], "total_tax")
        else:
            tax = (subtotal * Decimal(str(self.settings.vat_rate))).quantize(Decimal("0.01"))
        data["subtotal_price"] = _price(subtotal)
        data["total_tax"] = _price(tax)
        data["total_price"] = _price(subtotal + tax)
        return data

    def _line(self, row: dict[str, Any], i: int) -> dict[str, Any]:
        path = f"line_items[{i}]."
        sku = f.text(row, "sku", path=path)
        return {
            "id": row.get("id") or self.store.next_value("id:line_items", start=5001),
            "sku": sku,
            "title": f.text(row, "title") or sku or "Item",
            "quantity": f.integer(row.get("quantity", 1), f"{path}quantity", minimum=1),
            "price": _price(f.money(row.get("price", "0"), f"{path}price")),
        }

    # -- webhooks ------------------------------------------------------------------------

    def add_webhook(self, topic: str, address: str) -> dict[str, Any]:
        """Register ``address`` for ``topic``."""
        f.choice(topic, "topic", SHOP_TOPICS)
        if not address.startswith(("http://", "https://")):
            raise ValidationError("address must be an http(s) URL", field="address")
        webhook_id = self.store.next_value("id:webhooks", start=9001)
        data = {"topic": topic, "address": address, "format": "json"}
        return self.present_webhook(self.store.put(WEBHOOKS, str(webhook_id), data))

    def present_webhook(self, document: StoredDocument) -> dict[str, Any]:
        """The API shape of a webhook registration."""
        return {"id": int(document.key), **document.data, "created_at": document.created_at}

    def webhooks_list(self) -> list[dict[str, Any]]:
        """Every registration, oldest first."""
        documents = self.store.list(WEBHOOKS, Query(), limit=10_000)
        return [self.present_webhook(d) for d in documents]

    def _emit(self, topic: str, record: dict[str, Any]) -> None:
        subscribers = self.store.list(WEBHOOKS, Query(equals={"$.topic": topic}), limit=1000)
        if not subscribers:
            return
        body = json.dumps(record).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Shop-Topic": topic,
            "X-Shop-Hmac-Sha256": shop_signature(self.settings.shop_webhook_secret, body),
        }
        for webhook in subscribers:
            delivery_headers = {**headers, "X-Shop-Webhook-Id": str(uuid.uuid4())}
            self.webhooks.send(Delivery(webhook.data["address"], body, delivery_headers))

    # -- generator -----------------------------------------------------------------------

    def _generate(self, kind: str, count: int) -> list[str]:
        from ipaas.demo.systems.shop_generate import generate_shop

        return generate_shop(self, kind, count)
