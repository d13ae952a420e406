"""Webhook signing secrets at rest: encrypted with the hub's secret box when it exists.

The accounts area provides ``ipaas.security.secret_box``; until it is importable a secret
is stored marked ``plain:`` (and re-read either way), so enabling webhooks still works.
"""

from __future__ import annotations

import importlib
from typing import Any

from ipaas.bootstrap import Hub


def _box(hub: Hub) -> Any:
    try:
        module = importlib.import_module("ipaas.security.secret_box")
    except ImportError:
        return None
    return module.secret_box_for(hub)


def conceal(hub: Hub, secret: str) -> str:
    """The stored form of a webhook signing secret."""
    box = _box(hub)
    if box is None:
        return "plain:" + secret
    return "enc:" + str(box.encrypt({"secret": secret}))


def reveal(hub: Hub, stored: str) -> str:
    """The secret back from its stored form."""
    if stored.startswith("plain:"):
        return stored.removeprefix("plain:")
    box = _box(hub)
    if box is None:
        raise RuntimeError("webhook secret is encrypted but no secret box is available")
    return str(box.decrypt(stored.removeprefix("enc:"))["secret"])
