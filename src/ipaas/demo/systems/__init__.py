"""Building blocks of the two demo external systems (:mod:`ipaas.demo.shop`, :mod:`ipaas.demo.erp`).

Public here: the settings, the signature helpers receivers need, and the data generator.
"""

from __future__ import annotations

from ipaas.demo.systems.generator import DemoDataGenerator
from ipaas.demo.systems.settings import DemoSettings
from ipaas.demo.systems.signing import (
    shop_signature,
    standard_webhooks_signature,
    verify_shop_signature,
    verify_standard_webhooks,
)

__all__ = [
    "DemoDataGenerator",
    "DemoSettings",
    "shop_signature",
    "standard_webhooks_signature",
    "verify_shop_signature",
    "verify_standard_webhooks",
]
