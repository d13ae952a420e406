"""CSRF tokens: one per session, derived from the session cookie with a server key.

Nothing is stored: the token is an HMAC of the session token, so it changes with the
session and cannot be guessed by another site. Before login a double-submit cookie
protects the login form.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from ipaas.bootstrap import Hub

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
PRELOGIN_COOKIE = "ipaas_csrf"


def _key(hub: Hub) -> bytes:
    configured = hub.settings.secret_key
    if configured:
        return hashlib.sha256(b"ipaas-web-csrf:" + configured.encode()).digest()
    # No configured key: one per process (tokens die with a restart, sessions do not).
    key = hub.extras.get("web_csrf_key")
    if not isinstance(key, bytes):
        key = secrets.token_bytes(32)
        hub.extras["web_csrf_key"] = key
    return key


def session_token(hub: Hub, session_cookie: str) -> str:
    """The CSRF token of the session whose cookie is ``session_cookie``."""
    return hmac.new(_key(hub), session_cookie.encode(), hashlib.sha256).hexdigest()


def valid(expected: str, given: str | None) -> bool:
    """Whether ``given`` is the expected token (compared in constant time)."""
    return bool(given) and hmac.compare_digest(expected, given or "")


def new_prelogin_token() -> str:
    """A random token for the login form's double-submit cookie."""
    return secrets.token_urlsafe(24)
