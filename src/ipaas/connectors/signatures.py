"""Webhook signature schemes: pure functions, constant-time compares, several secrets.

Every ``verify_*`` function raises ``AuthenticationError`` unless one of ``secrets``
signed ``body``; several secrets are accepted so a secret can be rotated without losing
deliveries. ``sign_*`` functions produce what a sender puts in its header (for tests and
for the demo systems).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from collections.abc import Iterable, Mapping
from typing import Literal

from ipaas.errors import AuthenticationError

SignatureScheme = Literal["none", "hmac_sha256_hex", "hmac_sha256_base64", "standard_webhooks"]
#: Standard Webhooks: how far a timestamp may be from now, in seconds.
STANDARD_WEBHOOKS_TOLERANCE = 5 * 60


def _secrets_bytes(secrets: Iterable[str | bytes]) -> list[bytes]:
    out = [s.encode() if isinstance(s, str) else s for s in secrets if s]
    if not out:
        raise AuthenticationError("no webhook secret is configured")
    return out


def _digest(secret: bytes, body: bytes) -> bytes:
    return hmac.new(secret, body, hashlib.sha256).digest()


def sign_hmac_sha256_hex(secret: str | bytes, body: bytes, *, prefix: str = "sha256=") -> str:
    """``prefix`` + the hex HMAC-SHA256 of ``body`` (GitHub style ``sha256=<hex>``)."""
    return prefix + _digest(_secrets_bytes([secret])[0], body).hex()


def verify_hmac_sha256_hex(
    secrets: Iterable[str | bytes], body: bytes, signature: str | None, *, prefix: str = "sha256="
) -> None:
    """Check a hex HMAC-SHA256 header such as ``sha256=<hex>``."""
    if not signature:
        raise AuthenticationError("the webhook signature header is missing")
    value = signature.strip()
    if prefix:
        if not value.lower().startswith(prefix.lower()):
            raise AuthenticationError("the webhook signature has an unexpected format")
        value = value[len(prefix) :]
    try:
        given = bytes.fromhex(value)
    except ValueError:
        raise AuthenticationError("the webhook signature is not hex") from None
    for secret in _secrets_bytes(secrets):
        if hmac.compare_digest(_digest(secret, body), given):
            return
    raise AuthenticationError("the webhook signature does not match")


def sign_hmac_sha256_base64(secret: str | bytes, body: bytes) -> str:
    """The base64 HMAC-SHA256 of ``body`` (Shopify style)."""
    return base64.b64encode(_digest(_secrets_bytes([secret])[0], body)).decode()


def verify_hmac_sha256_base64(
    secrets: Iterable[str | bytes], body: bytes, signature: str | None
) -> None:
    """Check a base64 HMAC-SHA256 header."""
    if not signature:
        raise AuthenticationError("the webhook signature header is missing")
    try:
        given = base64.b64decode(signature.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise AuthenticationError("the webhook signature is not base64") from None
    for secret in _secrets_bytes(secrets):
        if hmac.compare_digest(_digest(secret, body), given):
            return
    raise AuthenticationError("the webhook signature does not match")


def standard_webhooks_key(secret: str | bytes) -> bytes:
    """The HMAC key of a Standard Webhooks secret (``whsec_`` + base64; raw bytes as is)."""
    if isinstance(secret, bytes):
        return secret
    text = secret.removeprefix("whsec_")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise AuthenticationError("the Standard Webhooks secret is not base64") from None


def sign_standard_webhooks(secret: str | bytes, msg_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` header value ``v1,<base64>`` for one message."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(_digest(standard_webhooks_key(secret), signed)).decode()


def verify_standard_webhooks(
    secrets: Iterable[str | bytes],
    headers: Mapping[str, str],
    body: bytes,
    *,
    tolerance: int = STANDARD_WEBHOOKS_TOLERANCE,
    now: float | None = None,
) -> None:
    """Check a Standard Webhooks delivery (standardwebhooks.com).

    ``headers`` must be lower-cased: ``webhook-id``, ``webhook-timestamp`` (Unix seconds,
    within ``tolerance`` of now, either way) and ``webhook-signature`` (space-separated
    ``v1,<base64>`` entries; any one matching any secret passes).
    """
    msg_id = headers.get("webhook-id")
    stamp = headers.get("webhook-timestamp")
    header = headers.get("webhook-signature")
    if not msg_id or not stamp or not header:
        raise AuthenticationError("the Standard Webhooks headers are missing")
    try:
        timestamp = int(stamp)
    except ValueError:
        raise AuthenticationError("the webhook timestamp is not a number") from None
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        raise AuthenticationError("the webhook timestamp is too old or too new")
    signed = f"{msg_id}.{timestamp}.".encode() + body
    given: list[bytes] = []
    for entry in header.split():
        version, _, value = entry.partition(",")
        if version != "v1":
            continue
        try:
            given.append(base64.b64decode(value, validate=True))
        except (binascii.Error, ValueError):
            continue
    for secret in secrets:
        if not secret:
            continue
        expected = _digest(standard_webhooks_key(secret), signed)
        for candidate in given:
            if hmac.compare_digest(expected, candidate):
                return
    raise AuthenticationError("the webhook signature does not match")


def verify_signature(
    scheme: SignatureScheme,
    secrets: Iterable[str | bytes],
    headers: Mapping[str, str],
    body: bytes,
    *,
    header: str | None = None,
    prefix: str = "sha256=",
    tolerance: int = STANDARD_WEBHOOKS_TOLERANCE,
) -> None:
    """Check ``body`` under ``scheme``; ``header`` names the signature header (lower-case)
    for the HMAC schemes. ``none`` accepts everything."""
    if scheme == "none":
        return
    if scheme == "standard_webhooks":
        verify_standard_webhooks(secrets, headers, body, tolerance=tolerance)
        return
    if not header:
        raise AuthenticationError(f"no signature header is configured for {scheme}")
    value = headers.get(header.lower())
    if scheme == "hmac_sha256_hex":
        verify_hmac_sha256_hex(secrets, body, value, prefix=prefix)
    elif scheme == "hmac_sha256_base64":
        verify_hmac_sha256_base64(secrets, body, value)
    else:  # pragma: no cover - Literal keeps this unreachable
        raise AuthenticationError(f"unknown signature scheme {scheme!r}")
