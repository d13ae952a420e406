"""Webhook signature schemes."""

from __future__ import annotations

import base64
import time

import pytest

from ipaas.connectors import signatures as sig
from ipaas.errors import AuthenticationError

BODY = b'{"id": 1}'


def test_hex_and_base64_accept_any_rotated_secret_and_reject_others() -> None:
    header = sig.sign_hmac_sha256_hex("new", BODY)
    assert header.startswith("sha256=")
    sig.verify_hmac_sha256_hex(["old", "new"], BODY, header)
    sig.verify_hmac_sha256_base64(["old", "new"], BODY, sig.sign_hmac_sha256_base64("old", BODY))
    with pytest.raises(AuthenticationError):
        sig.verify_hmac_sha256_hex(["other"], BODY, header)
    with pytest.raises(AuthenticationError):
        sig.verify_hmac_sha256_base64(
            ["new"], BODY + b" ", sig.sign_hmac_sha256_base64("new", BODY)
        )
    with pytest.raises(AuthenticationError):
        sig.verify_hmac_sha256_hex(["new"], BODY, None)


def test_standard_webhooks_spec_example() -> None:
    # The example of the Standard Webhooks specification.
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    msg_id, stamp = "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330
    body = b'{"test": 2432232314}'
    expected = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    assert sig.sign_standard_webhooks(secret, msg_id, stamp, body) == expected
    headers = {"webhook-id": msg_id, "webhook-timestamp": str(stamp), "webhook-signature": expected}
    sig.verify_standard_webhooks([secret], headers, body, now=stamp + 10)
    with pytest.raises(AuthenticationError):
        sig.verify_standard_webhooks([secret], headers, body, now=stamp + 301)
    with pytest.raises(AuthenticationError):
        sig.verify_standard_webhooks([secret], headers, body, now=stamp - 301)


def test_standard_webhooks_several_signatures_and_secrets() -> None:
    old = "whsec_" + base64.b64encode(b"o" * 24).decode()
    new = "whsec_" + base64.b64encode(b"n" * 24).decode()
    stamp = int(time.time())
    both = " ".join(
        [sig.sign_standard_webhooks(new, "m1", stamp, BODY), "v2,ignored", "v1,!!notb64"]
    )
    headers = {"webhook-id": "m1", "webhook-timestamp": str(stamp), "webhook-signature": both}
    sig.verify_standard_webhooks([old, new], headers, BODY)
    with pytest.raises(AuthenticationError):
        sig.verify_standard_webhooks([old], headers, BODY)
    with pytest.raises(AuthenticationError):
        sig.verify_standard_webhooks([new], {**headers, "webhook-id": "m2"}, BODY)
    with pytest.raises(AuthenticationError):
        sig.verify_standard_webhooks([new], {}, BODY)


def test_verify_signature_dispatches_by_scheme() -> None:
    headers = {"x-sig": sig.sign_hmac_sha256_base64("s3cret", BODY)}
    sig.verify_signature("hmac_sha256_base64", ["s3cret"], headers, BODY, header="X-Sig")
    sig.verify_signature("none", [], {}, BODY)
    with pytest.raises(AuthenticationError):
        sig.verify_signature("hmac_sha256_hex", ["s3cret"], headers, BODY, header="X-Sig")
