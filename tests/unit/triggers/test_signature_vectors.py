"""The signature schemes of ``ipaas.connectors.signatures`` against published example vectors.

Sources:
- Standard Webhooks: the test vector of the specification's reference libraries
  (github.com/standard-webhooks/standard-webhooks, libraries/*/ tests; also Svix's):
  secret ``whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw``, id ``msg_p5jXN8AQM9LWM0D4loKWxJek``,
  timestamp 1614265330, body ``{"test": 2432232314}``.
- HMAC-SHA256 hex: GitHub's "Validating webhook deliveries" page (docs.github.com/en/webhooks/
  using-webhooks/validating-webhook-deliveries), secret ``It's a Secret to Everybody``, payload
  ``Hello, World!``, ``X-Hub-Signature-256: sha256=757107ea…3e17``.
- HMAC-SHA256 base64: Shopify's documented HMAC example (shopify.dev OAuth "verify a request"):
  secret ``hush`` over ``code=0907a61c0c8d55e99db179b68161bc00&shop=some-shop.myshopify.com&
  state=0.6784241404160823&timestamp=1337178173`` gives hex ``700e2dad…8fc4bf``; Shopify's
  webhooks send the same HMAC-SHA256 digest base64-encoded in ``X-Shopify-Hmac-Sha256``.
"""

from __future__ import annotations

import base64

import pytest

from ipaas.connectors.signatures import (
    sign_hmac_sha256_base64,
    sign_hmac_sha256_hex,
    sign_standard_webhooks,
    verify_hmac_sha256_base64,
    verify_hmac_sha256_hex,
    verify_signature,
    verify_standard_webhooks,
)
from ipaas.errors import AuthenticationError

SW_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SW_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
SW_TIMESTAMP = 1614265330
SW_BODY = b'{"test": 2432232314}'
SW_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

GITHUB_SECRET = "It's a Secret to Everybody"
GITHUB_BODY = b"Hello, World!"
GITHUB_SIGNATURE = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"

SHOPIFY_SECRET = "hush"
SHOPIFY_MESSAGE = (
    b"code=0907a61c0c8d55e99db179b68161bc00&shop=some-shop.myshopify.com"
    b"&state=0.6784241404160823&timestamp=1337178173"
)
SHOPIFY_HEX = "700e2dadb827fcc8609e9d5ce208b2e9cdaab9df07390d2cbca10d7c328fc4bf"
SHOPIFY_BASE64 = base64.b64encode(bytes.fromhex(SHOPIFY_HEX)).decode()


def _sw_headers(signature: str = SW_SIGNATURE, timestamp: int = SW_TIMESTAMP) -> dict[str, str]:
    return {
        "webhook-id": SW_ID,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature,
    }


# -- Standard Webhooks ---------------------------------------------------------------------


def test_standard_webhooks_reference_vector_signs_and_verifies() -> None:
    assert sign_standard_webhooks(SW_SECRET, SW_ID, SW_TIMESTAMP, SW_BODY) == SW_SIGNATURE
    verify_standard_webhooks([SW_SECRET], _sw_headers(), SW_BODY, now=SW_TIMESTAMP)


def test_standard_webhooks_accepts_any_listed_signature() -> None:
    headers = _sw_headers(f"v1,bm9wZQ== v2,abc {SW_SIGNATURE}")
    verify_standard_webhooks([SW_SECRET], headers, SW_BODY, now=SW_TIMESTAMP)


@pytest.mark.parametrize(
    ("secrets", "headers", "body"),
    [
        (["whsec_" + base64.b64encode(b"another secret").decode()], _sw_headers(), SW_BODY),
        ([SW_SECRET], _sw_headers(), b'{"test": 2432232315}'),
        ([SW_SECRET], {**_sw_headers(), "webhook-id": "msg_other"}, SW_BODY),
        ([SW_SECRET], {"webhook-timestamp": str(SW_TIMESTAMP)}, SW_BODY),
        ([SW_SECRET], _sw_headers("v1,not*base64"), SW_BODY),
    ],
    ids=["wrong-secret", "changed-body", "changed-id", "missing-headers", "garbled"],
)
def test_standard_webhooks_refuses_what_was_not_signed(
    secrets: list[str], headers: dict[str, str], body: bytes
) -> None:
    with pytest.raises(AuthenticationError):
        verify_standard_webhooks(secrets, headers, body, now=SW_TIMESTAMP)


@pytest.mark.parametrize("offset", [-301, 301, -86_400, 86_400])
def test_standard_webhooks_refuses_expired_and_future_timestamps(offset: int) -> None:
    with pytest.raises(AuthenticationError, match="timestamp"):
        verify_standard_webhooks([SW_SECRET], _sw_headers(), SW_BODY, now=SW_TIMESTAMP + offset)


def test_standard_webhooks_tolerates_clock_skew_within_five_minutes() -> None:
    for offset in (-299, 299):
        verify_standard_webhooks([SW_SECRET], _sw_headers(), SW_BODY, now=SW_TIMESTAMP + offset)


def test_standard_webhooks_rotation_accepts_old_and_new_secret() -> None:
    new = "whsec_" + base64.b64encode(b"the next secret, 32 bytes long..").decode()
    verify_standard_webhooks([new, SW_SECRET], _sw_headers(), SW_BODY, now=SW_TIMESTAMP)
    signed_with_new = sign_standard_webhooks(new, SW_ID, SW_TIMESTAMP, SW_BODY)
    verify_standard_webhooks(
        [new, SW_SECRET], _sw_headers(signed_with_new), SW_BODY, now=SW_TIMESTAMP
    )
    with pytest.raises(AuthenticationError):
        verify_standard_webhooks([new], _sw_headers(), SW_BODY, now=SW_TIMESTAMP)


# -- HMAC-SHA256 hex (GitHub) --------------------------------------------------------------


def test_github_documented_example_signs_and_verifies() -> None:
    assert sign_hmac_sha256_hex(GITHUB_SECRET, GITHUB_BODY) == GITHUB_SIGNATURE
    verify_hmac_sha256_hex([GITHUB_SECRET], GITHUB_BODY, GITHUB_SIGNATURE)
    verify_signature(
        "hmac_sha256_hex",
        [GITHUB_SECRET],
        {"x-hub-signature-256": GITHUB_SIGNATURE},
        GITHUB_BODY,
        header="X-Hub-Signature-256",
    )


@pytest.mark.parametrize(
    ("secret", "body", "signature"),
    [
        ("It's a secret to everybody", GITHUB_BODY, GITHUB_SIGNATURE),
        (GITHUB_SECRET, b"Hello, World?", GITHUB_SIGNATURE),
        (GITHUB_SECRET, GITHUB_BODY, GITHUB_SIGNATURE.removeprefix("sha256=")),
        (GITHUB_SECRET, GITHUB_BODY, "sha256=zz"),
        (GITHUB_SECRET, GITHUB_BODY, None),
        (GITHUB_SECRET, GITHUB_BODY, GITHUB_SIGNATURE[:-2]),
    ],
    ids=["wrong-secret", "changed-body", "no-prefix", "not-hex", "missing", "truncated"],
)
def test_hex_refuses_what_was_not_signed(secret: str, body: bytes, signature: str | None) -> None:
    with pytest.raises(AuthenticationError):
        verify_hmac_sha256_hex([secret], body, signature)


def test_hex_rotation_accepts_either_secret() -> None:
    verify_hmac_sha256_hex(["new secret", GITHUB_SECRET], GITHUB_BODY, GITHUB_SIGNATURE)
    with pytest.raises(AuthenticationError):
        verify_hmac_sha256_hex(["new secret"], GITHUB_BODY, GITHUB_SIGNATURE)


# -- HMAC-SHA256 base64 (Shopify) ----------------------------------------------------------


def test_shopify_documented_example_signs_and_verifies_in_base64() -> None:
    assert sign_hmac_sha256_hex(SHOPIFY_SECRET, SHOPIFY_MESSAGE, prefix="") == SHOPIFY_HEX
    assert sign_hmac_sha256_base64(SHOPIFY_SECRET, SHOPIFY_MESSAGE) == SHOPIFY_BASE64
    verify_hmac_sha256_base64([SHOPIFY_SECRET], SHOPIFY_MESSAGE, SHOPIFY_BASE64)
    verify_signature(
        "hmac_sha256_base64",
        [SHOPIFY_SECRET],
        {"x-shopify-hmac-sha256": SHOPIFY_BASE64},
        SHOPIFY_MESSAGE,
        header="X-Shopify-Hmac-Sha256",
    )


@pytest.mark.parametrize(
    ("secrets", "body", "signature"),
    [
        (["Hush"], SHOPIFY_MESSAGE, SHOPIFY_BASE64),
        ([SHOPIFY_SECRET], SHOPIFY_MESSAGE + b"&x=1", SHOPIFY_BASE64),
        ([SHOPIFY_SECRET], SHOPIFY_MESSAGE, SHOPIFY_HEX),
        ([SHOPIFY_SECRET], SHOPIFY_MESSAGE, ""),
        ([], SHOPIFY_MESSAGE, SHOPIFY_BASE64),
    ],
    ids=["wrong-secret", "changed-body", "hex-not-base64", "empty", "no-secret"],
)
def test_base64_refuses_what_was_not_signed(
    secrets: list[str], body: bytes, signature: str
) -> None:
    with pytest.raises(AuthenticationError):
        verify_hmac_sha256_base64(secrets, body, signature)


def test_base64_rotation_accepts_either_secret() -> None:
    verify_hmac_sha256_base64(["next", SHOPIFY_SECRET], SHOPIFY_MESSAGE, SHOPIFY_BASE64)


def test_none_scheme_accepts_anything() -> None:
    verify_signature("none", [], {}, b"anything")
