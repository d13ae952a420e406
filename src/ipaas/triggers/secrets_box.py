"""Webhook signing secrets at rest, encrypted with the hub's secret box."""

from __future__ import annotations

from ipaas.bootstrap import Hub
from ipaas.security.secret_box import secret_box_for


def conceal(hub: Hub, secret: str) -> str:
    """The stored (encrypted) form of a webhook signing secret."""
    blob = secret_box_for(hub).encrypt({"secret": secret})
    if blob is None:  # only an empty mapping encrypts to nothing
        raise ValueError("an empty webhook secret cannot be stored")
    return blob


def reveal(hub: Hub, stored: str) -> str:
    """The secret back from its stored form."""
    return str(secret_box_for(hub).decrypt(stored)["secret"])
