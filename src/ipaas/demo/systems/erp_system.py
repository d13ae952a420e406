"""The ERP's records and rules: items, customers, sales orders and stock with
Business-Central-like PascalCase fields, OAuth2 client-credentials tokens and
Standard Webhooks subscriptions whose notifications name changed keys in batches.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
import uuid
from decimal import Decimal
from typing import Any

from ipaas.demo.systems import _fields as f
from ipaas.demo.systems.base import DemoSystem
from ipaas.demo.systems.delivery import Delivery
from ipaas.demo.systems.signing import new_standard_webhooks_secret, standard_webhooks_signature
from ipaas.demo.systems.store import Query, StoredDocument
from ipaas.errors import AuthenticationError, ConflictError, NotFoundError, ValidationError

ERP_KEYS = {
    "items": "ItemNo",
    "customers": "CustomerNo",
    "salesOrders": "OrderNo",
    "stock": "ItemNo",
}
"""Entities under ``/v1`` and their key fields (a stock row is keyed by its item)."""

_PREFIXES = {"items": "I", "customers": "C", "salesOrders": "SO"}
SUBSCRIPTIONS = "_subscriptions"


def erp_timestamp(stored: str) -> str:
    """The ERP's spelling of a store timestamp (UTC with ``Z``)."""
    return stored.replace("+00:00", "Z")


class ErpSystem(DemoSystem):
    """The ERP demo system (``app.state.system`` of :func:`create_erp_app`)."""

    name = "erp"
    generate_kinds = ("items", "customers", "orders", "stock", "price_changes")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._tokens: dict[str, float] = {}
        self._tokens_lock = threading.Lock()

    # -- OAuth2 --------------------------------------------------------------------------

    def issue_token(self, client_id: str, client_secret: str) -> dict[str, Any]:
        """A bearer token for valid client credentials (AuthenticationError otherwise)."""
        valid_id = secrets.compare_digest(client_id, self.settings.erp_client_id)
        valid_secret = secrets.compare_digest(client_secret, self.settings.erp_client_secret)
        if not (valid_id and valid_secret):
            raise AuthenticationError("invalid_client")
        token = secrets.token_urlsafe(32)
        ttl = self.settings.erp_token_ttl_s
        with self._tokens_lock:
            now = time.monotonic()
            self._tokens = {t: exp for t, exp in self._tokens.items() if exp > now}
            self._tokens[token] = now + ttl
        return {"access_token": token, "token_type": "Bearer", "expires_in": max(1, round(ttl))}

    def check_token(self, authorization: str) -> None:
        """Accept ``Bearer <live token>``; AuthenticationError says what is wrong."""
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise AuthenticationError("missing bearer token")
        with self._tokens_lock:
            expires = self._tokens.get(token)
        if expires is None:
            raise AuthenticationError("invalid token")
        if expires <= time.monotonic():
            raise AuthenticationError("token expired")

    # -- records -------------------------------------------------------------------------

    def present(self, document: StoredDocument) -> dict[str, Any]:
        """The API shape of a stored record (tombstones carry ``@removed``)."""
        record = {ERP_KEYS[document.resource]: document.key, **document.data}
        record["LastModified"] = erp_timestamp(document.updated_at)
        if document.deleted:
            record["@removed"] = {"reason": "deleted"}
        return record

    def get(self, entity: str, key: str) -> dict[str, Any]:
        """One live record, or NotFoundError."""
        document = self.store.get(entity, key)
        if document is None:
            raise NotFoundError(f"{entity} {key} does not exist", field=ERP_KEYS[entity])
        return self.present(document)

    def create(self, entity: str, body: dict[str, Any]) -> dict[str, Any]:
        """Create a record; the key is assigned (``C00001``) when the body has none."""
        key_field = ERP_KEYS[entity]
        with self.store.transaction():
            key = f.text(body, key_field, required=entity == "stock")
            if key is None:
                number = self.store.next_value(f"no:{entity}")
                key = f"{_PREFIXES[entity]}{number:05d}"
            elif self.store.get(entity, key) is not None:
                raise ConflictError(f"{entity} {key} already exists", field=key_field)
            document = self.store.put(entity, key, self._validate(entity, key, body, None))
        self._emit(entity, "created", key)
        return self.present(document)

    def update(self, entity: str, key: str, body: dict[str, Any]) -> dict[str, Any]:
        """Change the given fields of a live record (PATCH)."""
        key_field = ERP_KEYS[entity]
        if key_field in body and body[key_field] != key:
            raise ValidationError(f"{key_field} cannot be changed", field=key_field)
        with self.store.transaction():
            existing = self.store.get(entity, key)
            if existing is None:
                raise NotFoundError(f"{entity} {key} does not exist", field=key_field)
            document = self.store.put(entity, key, self._validate(entity, key, body, existing.data))
        self._emit(entity, "updated", key)
        return self.present(document)

    def delete(self, entity: str, key: str) -> None:
        """Delete a live record, keeping a tombstone."""
        if self.store.delete(entity, key) is None:
            raise NotFoundError(f"{entity} {key} does not exist", field=ERP_KEYS[entity])
        self._emit(entity, "deleted", key)

    def _validate(
        self, entity: str, key: str, body: dict[str, Any], old: dict[str, Any] | None
    ) -> dict[str, Any]:
        merged = {**(old or {}), **body}
        merged.pop(ERP_KEYS[entity], None)
        merged.pop("LastModified", None)
        if entity == "items":
            return self._item(merged)
        if entity == "customers":
            return self._customer(merged, old)
        if entity == "stock":
            self._require("items", key, "ItemNo")
            return {
                "LocationCode": f.text(merged, "LocationCode") or "MAIN",
                "Inventory": f.number(merged.get("Inventory", 0), "Inventory"),
            }
        return self._order(merged)

    def _item(self, data: dict[str, Any]) -> dict[str, Any]:
        return {
            "Description": f.text(data, "Description", required=True),
            "UnitPrice": float(f.money(data.get("UnitPrice", 0), "UnitPrice")),
            "CurrencyCode": f.text(data, "CurrencyCode") or self.settings.currency,
            "NetWeight": f.number(data.get("NetWeight", 0), "NetWeight"),
            "Blocked": f.boolean(data.get("Blocked", False), "Blocked"),
            "ItemCategoryCode": f.text(data, "ItemCategoryCode"),
            "Ean": f.text(data, "Ean"),
        }

    def _customer(self, data: dict[str, Any], old: dict[str, Any] | None) -> dict[str, Any]:
        email = data.get("EMail")
        result: dict[str, Any] = {
            "Name": f.text(data, "Name", required=True),
            "EMail": None if email in (None, "") else f.email(email, "EMail"),
        }
        for name in ("PhoneNo", "Address", "City", "PostCode", "CountryCode"):
            result[name] = f.text(data, name)
        return result

    def _order(self, data: dict[str, Any]) -> dict[str, Any]:
        customer = f.text(data, "CustomerNo", required=True)
        assert customer is not None
        self._require("customers", customer, "CustomerNo")
        lines = f.rows(data.get("Lines"), "Lines", required=True)
        checked, total = [], Decimal(0)
        for i, line in enumerate(lines):
            item = f.text(line, "ItemNo", required=True, path=f"Lines[{i}].")
            assert item is not None
            self._require("items", item, f"Lines[{i}].ItemNo")
            quantity = f.number(line.get("Quantity", 1), f"Lines[{i}].Quantity")
            price = f.money(line.get("UnitPrice", 0), f"Lines[{i}].UnitPrice")
            total += price * Decimal(str(quantity))
            line_no = f.integer(line.get("LineNo", (i + 1) * 10000), f"Lines[{i}].LineNo")
            checked.append(
                {"LineNo": line_no, "ItemNo": item, "Quantity": quantity, "UnitPrice": float(price)}
            )
        vat = Decimal(1) + Decimal(str(self.settings.vat_rate))
        return {
            "ExternalDocumentNo": f.text(data, "ExternalDocumentNo"),
            "CustomerNo": customer,
            "OrderDate": f.text(data, "OrderDate") or time.strftime("%Y-%m-%d", time.gmtime()),
            "CurrencyCode": f.text(data, "CurrencyCode") or self.settings.currency,
            "Status": f.choice(data.get("Status", "Open"), "Status", ("Open", "Released")),
            "Lines": checked,
            "AmountIncludingVAT": float((total * vat).quantize(Decimal("0.01"))),
        }

    def _require(self, entity: str, key: str, field: str) -> None:
        # Prerequisites: the ERP refuses references to records it does not have.
        if self.settings.erp_strict_references and self.store.get(entity, key) is None:
            raise ValidationError(f"{field}: {entity} {key} does not exist", field=field)

    # -- webhook subscriptions -----------------------------------------------------------

    def subscribe(self, url: str, entity: str) -> dict[str, Any]:
        """Subscribe ``url`` to changes of ``entity``; the answer holds the signing secret."""
        if not url.startswith(("http://", "https://")):
            raise ValidationError("notificationUrl must be an http(s) URL", field="notificationUrl")
        f.choice(entity, "resource", tuple(ERP_KEYS))
        data = {
            "notificationUrl": url,
            "resource": entity,
            "secret": new_standard_webhooks_secret(),
        }
        document = self.store.put(SUBSCRIPTIONS, str(uuid.uuid4()), data)
        return {**self.present_subscription(document), "secret": data["secret"]}

    def present_subscription(self, document: StoredDocument) -> dict[str, Any]:
        """A subscription as listed (without its secret)."""
        return {
            "id": document.key,
            "notificationUrl": document.data["notificationUrl"],
            "resource": document.data["resource"],
            "createdAt": erp_timestamp(document.created_at),
        }

    def subscriptions(self) -> list[dict[str, Any]]:
        """Every subscription, oldest first."""
        documents = self.store.list(SUBSCRIPTIONS, Query(), limit=10_000)
        return [self.present_subscription(d) for d in documents]

    def _emit(self, entity: str, change: str, key: str) -> None:
        query = Query(equals={"$.resource": entity})
        for sub in self.store.list(SUBSCRIPTIONS, query, limit=1000):
            url, secret = sub.data["notificationUrl"], sub.data["secret"]

            def build(items: list[Any], url: str = url, secret: str = secret) -> Delivery:
                body = json.dumps({"value": items}).encode()
                message_id, stamp = f"msg_{uuid.uuid4().hex}", int(time.time())
                return Delivery(
                    url,
                    body,
                    {
                        "Content-Type": "application/json",
                        "webhook-id": message_id,
                        "webhook-timestamp": str(stamp),
                        "webhook-signature": standard_webhooks_signature(
                            secret, message_id, stamp, body
                        ),
                    },
                )

            change_item = {"resource": entity, "changeType": change, "key": key}
            self.webhooks.add_to_batch(sub.key, change_item, build)

    def _generate(self, kind: str, count: int) -> list[str]:
        from ipaas.demo.systems.erp_generate import generate_erp

        return generate_erp(self, kind, count)
