"""``public_preset``: which settings a mapping may read."""

from __future__ import annotations

from typing import Any

from ipaas.store.transfer import SubscriptionInfo
from ipaas.transfer.preset import public_preset


def _sub(settings: dict[str, Any], declared: list[dict[str, Any]], connector: str = "x") -> Any:
    return SubscriptionInfo(
        id=1,
        company_id=1,
        integration_id=1,
        name="erp",
        connector=connector,
        settings=settings,
        flows={},
        throttle_rate=None,
        throttle_period="second",
        throttle_concurrency=None,
        paused=False,
        declared_settings=tuple(declared),
    )


def test_declared_secrets_are_removed() -> None:
    sub = _sub(
        {"url": "u", "token": "t", "password": "p", "free": 1},
        [
            {"name": "url"},
            {"name": "token", "type": "encrypted"},
            {"name": "password", "type": "password"},
        ],
    )
    assert public_preset(sub) == {"url": "u", "free": 1}


def test_an_unreadable_declaration_hides_its_field() -> None:
    sub = _sub({"odd": "v", "url": "u"}, [{"name": "odd", "type": "no-such-type"}])
    assert public_preset(sub) == {"url": "u"}


def test_nothing_declared_keeps_every_setting() -> None:
    assert public_preset(_sub({"a": 1}, [])) == {"a": 1}
