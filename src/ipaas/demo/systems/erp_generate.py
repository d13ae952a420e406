"""Generated ERP data: the demo catalogue as items, customers, sales orders, stock and
price changes, written through :class:`ErpSystem` so notifications fire as for API calls.

Items are keyed by the catalogue SKU (``ItemNo = "SKU-000123"``), so the ERP and the
storefront built with the same seed describe the same articles.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ipaas.demo.systems.generator import Article, Person
from ipaas.demo.systems.store import Query

if TYPE_CHECKING:
    from ipaas.demo.systems.erp_system import ErpSystem


def item_body(article: Article) -> dict[str, Any]:
    """The ERP item of a catalogue article."""
    return {
        "ItemNo": article.sku,
        "Description": article.title,
        "UnitPrice": float(article.price),
        "NetWeight": article.weight_g / 1000,
        "Blocked": False,
        "ItemCategoryCode": article.category,
        "Ean": article.ean,
    }


def customer_body(person: Person) -> dict[str, Any]:
    """The ERP customer of a person (its CustomerNo is assigned by the ERP)."""
    return {
        "Name": f"{person.first_name} {person.last_name}",
        "EMail": person.email,
        "PhoneNo": person.phone,
        "Address": person.street,
        "City": person.city,
        "PostCode": person.post_code,
        "CountryCode": person.country_code,
    }


def generate_erp(erp: ErpSystem, kind: str, count: int) -> list[str]:
    """Create ``count`` records of ``kind``; returns the keys touched."""
    keys: list[str] = []
    for _ in range(count):
        if kind == "items":
            keys.append(_new_item(erp))
        elif kind == "customers":
            keys.append(_new_customer(erp))
        elif kind == "orders":
            keys.append(_new_order(erp))
        elif kind == "stock":
            articles = _ensure(erp, "items", 10)
            index, quantity = erp.generator.stock_level(erp.next_generated("stock"), articles)
            sku = erp.generator.article(index).sku
            body = {"Inventory": quantity, "LocationCode": "MAIN"}
            if erp.store.get("stock", sku) is None:
                erp.create("stock", {"ItemNo": sku, **body})
            else:
                erp.update("stock", sku, body)
            keys.append(sku)
        else:  # price_changes
            articles = _ensure(erp, "items", 10)
            index, price = erp.generator.price_change(erp.next_generated("prices"), articles)
            sku = erp.generator.article(index).sku
            if erp.store.get("items", sku) is not None:
                erp.update("items", sku, {"UnitPrice": float(price)})
                keys.append(sku)
    return keys


def _new_item(erp: ErpSystem) -> str:
    article = erp.generator.article(erp.next_generated("items"))
    return str(erp.create("items", item_body(article))["ItemNo"])


def _new_customer(erp: ErpSystem) -> str:
    person = erp.generator.person(erp.next_generated("customers"))
    return str(erp.create("customers", customer_body(person))["CustomerNo"])


def _ensure(erp: ErpSystem, kind: str, minimum: int) -> int:
    while erp.generated_so_far(kind) < minimum:
        _new_item(erp) if kind == "items" else _new_customer(erp)
    return erp.generated_so_far(kind)


def _new_order(erp: ErpSystem) -> str:
    articles, persons = _ensure(erp, "items", 10), _ensure(erp, "customers", 5)
    index = erp.next_generated("orders")
    person = erp.generator.person(erp.generator.order_customer(index, persons))
    found = erp.store.list("customers", Query(equals={"$.EMail": person.email}), limit=1)
    customer_no = found[0].key if found else _new_customer(erp)
    lines = [
        {
            "ItemNo": line.article.sku,
            "Quantity": line.quantity,
            "UnitPrice": float(line.article.price),
        }
        for line in erp.generator.order_lines(index, articles)
    ]
    body = {"CustomerNo": customer_no, "Status": "Released", "Lines": lines}
    return str(erp.create("salesOrders", body)["OrderNo"])
