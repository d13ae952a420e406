"""Webhook signatures of the demo systems, for the senders here and for tests.

- Storefront: ``X-Shop-Hmac-Sha256: base64(HMAC-SHA256(secret, raw body))``, the secret
  being the shop's webhook secret as UTF-8 text.
- ERP: Standard Webhooks (https://www.standardwebhooks.com): headers ``webhook-id``,
  ``webhook-timestamp`` (Unix seconds) and ``webhook-signature: v1,<base64 HMAC-SHA256 of
  "{id}.{timestamp}.{body}">`` keyed with the base64-decoded part of ``whsec_<base64>``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets


def shop_signature(secret: str, body: bytes) -> str:
    """The ``X-Shop-Hmac-Sha256`` value of ``body``."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def verify_shop_signature(secret: str, body: bytes, signature: str) -> bool:
    """Whether ``signature`` is the storefront's signature of ``body``."""
    return hmac.compare_digest(shop_signature(secret, body), signature)


def new_standard_webhooks_secret() -> str:
    """A fresh ``whsec_<base64>`` signing secret (24 random bytes)."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def _secret_bytes(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix("whsec_"))


def standard_webhooks_signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` value (``v1,<base64>``) of one notification."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(_secret_bytes(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def verify_standard_webhooks(
    secret: str, message_id: str, timestamp: int, body: bytes, signature_header: str
) -> bool:
    """Whether any space-separated signature in ``signature_header`` matches."""
    expected = standard_webhooks_signature(secret, message_id, timestamp, body)
    return any(hmac.compare_digest(expected, part) for part in signature_header.split())
