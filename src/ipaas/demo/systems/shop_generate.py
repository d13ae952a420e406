"""Generated storefront data: the demo catalogue as products, customers, orders, stock
and price changes, written through :class:`ShopSystem` so webhooks fire as for API calls."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ipaas.demo.systems.generator import Article, Person
from ipaas.demo.systems.store import Query

if TYPE_CHECKING:
    from ipaas.demo.systems.shop_system import ShopSystem


def product_body(article: Article) -> dict[str, Any]:
    """The storefront product of a catalogue article."""
    return {
        "title": article.title,
        "body_html": f"<p>{article.description}</p>",
        "vendor": article.vendor,
        "product_type": article.category.title(),
        "status": "active",
        "tags": f"{article.category.lower()}, {article.color.lower()}",
        "variants": [
            {
                "sku": article.sku,
                "price": str(article.price),
                "compare_at_price": str(article.compare_at_price)
                if article.compare_at_price
                else None,
                "barcode": article.ean,
                "weight": article.weight_g,
                "inventory_quantity": article.stock,
                "option1": article.color,
                "option2": article.size,
            }
        ],
    }


def customer_body(person: Person) -> dict[str, Any]:
    """The storefront customer of a person."""
    return {
        "email": person.email,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "phone": person.phone,
        "accepts_marketing": person.accepts_marketing,
        "default_address": _address(person),
    }


def _address(person: Person) -> dict[str, Any]:
    return {
        "first_name": person.first_name,
        "last_name": person.last_name,
        "address1": person.street,
        "city": person.city,
        "zip": person.post_code,
        "country_code": person.country_code,
        "phone": person.phone,
    }


def generate_shop(shop: ShopSystem, kind: str, count: int) -> list[str]:
    """Create ``count`` records of ``kind``; orders create articles and customers first
    when there are none yet. Returns the ids (or SKUs for stock) touched."""
    keys: list[str] = []
    for _ in range(count):
        if kind == "products":
            keys.append(_new_product(shop))
        elif kind == "customers":
            keys.append(_new_customer(shop))
        elif kind == "orders":
            keys.append(_new_order(shop))
        elif kind == "stock":
            articles = _ensure(shop, "products", 10)
            index, quantity = shop.generator.stock_level(shop.next_generated("stock"), articles)
            sku = shop.generator.article(index).sku
            shop.set_inventory(sku, "main", quantity)
            keys.append(sku)
        else:  # price_changes
            articles = _ensure(shop, "products", 10)
            index, price = shop.generator.price_change(shop.next_generated("prices"), articles)
            keys.extend(_change_price(shop, shop.generator.article(index).sku, str(price)))
    return keys


def _new_product(shop: ShopSystem) -> str:
    article = shop.generator.article(shop.next_generated("products"))
    return str(shop.create("products", product_body(article))["id"])


def _new_customer(shop: ShopSystem) -> str:
    person = shop.generator.person(shop.next_generated("customers"))
    return str(shop.create("customers", customer_body(person))["id"])


def _ensure(shop: ShopSystem, kind: str, minimum: int) -> int:
    # Orders and changes need something to refer to: create a first batch if needed.
    while shop.generated_so_far(kind) < minimum:
        _new_product(shop) if kind == "products" else _new_customer(shop)
    return shop.generated_so_far(kind)


def _new_order(shop: ShopSystem) -> str:
    articles, persons = _ensure(shop, "products", 10), _ensure(shop, "customers", 5)
    index = shop.next_generated("orders")
    person = shop.generator.person(shop.generator.order_customer(index, persons))
    lines = shop.generator.order_lines(index, articles)
    body = {
        "email": person.email,
        "financial_status": "paid",
        "line_items": [
            {
                "sku": line.article.sku,
                "title": line.article.title,
                "quantity": line.quantity,
                "price": str(line.article.price),
            }
            for line in lines
        ],
        "billing_address": _address(person),
        "shipping_address": _address(person),
    }
    return str(shop.create("orders", body)["id"])


def _change_price(shop: ShopSystem, sku: str, price: str) -> list[str]:
    query = Query(any_equals={("$.variants", "$.sku"): sku})
    changed = []
    for product in shop.store.list("products", query, limit=100):
        variants = [
            {**variant, "price": price} if variant.get("sku") == sku else variant
            for variant in product.data["variants"]
        ]
        shop.update("products", int(product.key), {"variants": variants})
        changed.append(product.key)
    return changed
