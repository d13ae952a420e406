"""Realistic, deterministic demo data: one catalogue, one customer base, many orders.

Record ``n`` of a kind depends only on the seed and ``n``: the storefront and the ERP,
given the same seed, hold the *same* articles (same SKU, EAN, name and price) and the
same customers (same email), written in each system's own fields. That is what lets the
hub match records between the two by SKU, EAN and email in the demo.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal

_ADJECTIVES = ["Classic", "Urban", "Alpine", "Coastal", "Vintage", "Everyday", "Nordic", "Solar"]
_NOUNS = ["Backpack", "Hoodie", "Sneaker", "Water Bottle", "Beanie", "Rain Jacket", "Tote Bag",
          "Desk Lamp", "Notebook", "Sunglasses", "Mug", "Scarf"]  # fmt: skip
_CATEGORIES = {"Backpack": "BAGS", "Tote Bag": "BAGS", "Hoodie": "APPAREL", "Beanie": "APPAREL",
               "Rain Jacket": "APPAREL", "Scarf": "APPAREL", "Sneaker": "SHOES",
               "Water Bottle": "HOME", "Desk Lamp": "HOME", "Mug": "HOME",
               "Notebook": "OFFICE", "Sunglasses": "ACCESSORIES"}  # fmt: skip
_VENDORS = ["Northwind", "Acme Goods", "Fjord & Co", "Bluebird Supply"]
_COLORS = ["Black", "Navy", "Olive", "Sand", "Red", "Grey"]
_SIZES = ["S", "M", "L", "XL", "One size"]
_FIRST = ["Anna", "Ben", "Clara", "David", "Elif", "Finn", "Greta", "Hugo", "Ines", "Jonas",
          "Katrin", "Lukas", "Mia", "Noah", "Olga", "Paul", "Rosa", "Sven", "Tara",
          "Yusuf"]  # fmt: skip
_LAST = ["Müller", "Schmidt", "Jansen", "Bakker", "Rossi", "García", "Novak", "Dubois",
         "Kowalski", "Larsen", "Weber", "Fischer", "Visser", "Moreau", "Costa", "Nagy"]  # fmt: skip
_CITIES = [("Berlin", "10115", "DE"), ("Hamburg", "20095", "DE"), ("Amsterdam", "1011", "NL"),
           ("Vienna", "1010", "AT"), ("Paris", "75001", "FR"), ("Milan", "20121", "IT"),
           ("Utrecht", "3511", "NL"), ("Munich", "80331", "DE")]  # fmt: skip
_STREETS = ["Hauptstraße", "Keizersgracht", "Rue de Rivoli", "Via Roma", "Ringstraße", "Lindenweg"]


@dataclass(frozen=True)
class Article:
    """One article of the demo catalogue, in neutral terms."""

    index: int
    sku: str
    ean: str
    title: str
    description: str
    vendor: str
    category: str
    price: Decimal
    compare_at_price: Decimal | None
    weight_g: int
    color: str
    size: str
    stock: int


@dataclass(frozen=True)
class Person:
    """One customer of the demo customer base, in neutral terms."""

    index: int
    first_name: str
    last_name: str
    email: str
    phone: str
    street: str
    city: str
    post_code: str
    country_code: str
    accepts_marketing: bool


@dataclass(frozen=True)
class OrderLine:
    """One line of a generated order."""

    article: Article
    quantity: int


def ean13(number: int) -> str:
    """A valid EAN-13 (with check digit) in the 400-440 (Germany) prefix range."""
    body = f"400{number:09d}"[:12]
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


class DemoDataGenerator:
    """Deterministic articles, persons, orders and price changes for one seed."""

    def __init__(self, seed: int) -> None:
        self.seed = seed

    def _rng(self, kind: str, index: int) -> random.Random:
        return random.Random(f"{self.seed}:{kind}:{index}")

    def article(self, index: int) -> Article:
        """Article ``index`` (1-based) of the catalogue: SKU ``SKU-000123``."""
        rng = self._rng("article", index)
        noun = rng.choice(_NOUNS)
        title = f"{rng.choice(_ADJECTIVES)} {noun}"
        price = Decimal(rng.randrange(499, 14999)) / 100
        price = price.quantize(Decimal("1")) - Decimal("0.01")  # prices end in .99
        on_sale = rng.random() < 0.2
        compare_at = (price * Decimal("1.25")).quantize(Decimal("0.01")) if on_sale else None
        return Article(
            index=index,
            sku=f"SKU-{index:06d}",
            ean=ean13(index),
            title=title,
            description=f"The {title.lower()}: made to last, designed in Europe.",
            vendor=rng.choice(_VENDORS),
            category=_CATEGORIES[noun],
            price=max(price, Decimal("4.99")),
            compare_at_price=compare_at,
            weight_g=rng.randrange(80, 2500, 10),
            color=rng.choice(_COLORS),
            size=rng.choice(_SIZES),
            stock=rng.randrange(0, 250),
        )

    def person(self, index: int) -> Person:
        """Customer ``index`` (1-based): a unique email ``first.last.<index>@example.com``."""
        rng = self._rng("person", index)
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        city, post_code, country = rng.choice(_CITIES)
        local = f"{first}.{last}".lower().translate(str.maketrans("üíéçá", "uieca"))
        return Person(
            index=index,
            first_name=first,
            last_name=last,
            email=f"{local}.{index}@example.com",
            phone=f"+49 30 {rng.randrange(1000000, 9999999)}",
            street=f"{rng.choice(_STREETS)} {rng.randrange(1, 200)}",
            city=city,
            post_code=post_code,
            country_code=country,
            accepts_marketing=rng.random() < 0.4,
        )

    def order_lines(self, index: int, articles: int) -> list[OrderLine]:
        """One to four lines over articles ``1..articles`` for order ``index``."""
        rng = self._rng("order", index)
        picked = rng.sample(range(1, articles + 1), k=min(articles, rng.randint(1, 4)))
        return [OrderLine(self.article(i), rng.randint(1, 3)) for i in picked]

    def order_customer(self, index: int, persons: int) -> int:
        """Which customer (``1..persons``) places order ``index``."""
        return self._rng("order-customer", index).randint(1, persons)

    def price_change(self, index: int, articles: int) -> tuple[int, Decimal]:
        """Price change ``index``: an article (``1..articles``) and its new price."""
        rng = self._rng("price", index)
        article = self.article(rng.randint(1, articles))
        factor = Decimal(rng.choice([90, 95, 105, 110, 120])) / 100
        return article.index, (article.price * factor).quantize(Decimal("0.01"))

    def stock_level(self, index: int, articles: int) -> tuple[int, int]:
        """Stock change ``index``: an article (``1..articles``) and its new quantity."""
        rng = self._rng("stock", index)
        return rng.randint(1, articles), rng.randrange(0, 300)
