"""The dashboard's CSRF tokens (``ipaas.web.csrf``): an HMAC of the session cookie."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

from ipaas.bootstrap import Hub
from ipaas.web import csrf


@dataclass
class _Settings:
    secret_key: str | None


@dataclass
class _Hub:
    """The two things csrf reads from a hub: its settings' secret key and its extras."""

    settings: _Settings
    extras: dict[str, Any] = field(default_factory=dict)


def _hub(secret: str | None) -> Hub:
    return cast(Hub, _Hub(_Settings(secret)))


def test_a_session_has_one_stable_token() -> None:
    hub = _hub("key-1")
    token = csrf.session_token(hub, "session-a")
    assert token == csrf.session_token(hub, "session-a")
    assert len(token) == 64
    assert "session-a" not in token


def test_tokens_differ_by_session_and_by_server_key() -> None:
    token = csrf.session_token(_hub("key-1"), "session-a")
    assert token != csrf.session_token(_hub("key-1"), "session-b")
    assert token != csrf.session_token(_hub("key-2"), "session-a")
    # the same configured key on another process (another node) gives the same token
    assert token == csrf.session_token(_hub("key-1"), "session-a")


def test_without_a_configured_key_each_process_makes_one() -> None:
    hub = _hub(None)
    token = csrf.session_token(hub, "session-a")
    assert token == csrf.session_token(hub, "session-a")
    assert isinstance(hub.extras["web_csrf_key"], bytes)
    assert token != csrf.session_token(_hub(None), "session-a")


def test_only_the_exact_token_is_valid() -> None:
    token = csrf.session_token(_hub("key-1"), "session-a")
    assert csrf.valid(token, token)
    assert not csrf.valid(token, None)
    assert not csrf.valid(token, "")
    assert not csrf.valid(token, token[:-1])
    assert not csrf.valid(token, token.upper())
    assert not csrf.valid(token, "forged")


def test_prelogin_tokens_are_random() -> None:
    tokens = {csrf.new_prelogin_token() for _ in range(20)}
    assert len(tokens) == 20
    assert all(len(t) >= 32 for t in tokens)
