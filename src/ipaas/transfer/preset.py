"""What a mapping may read as ``$preset``: the subscription's settings, never its secrets.

Secrets are stored encrypted apart from ``settings``, but a secret typed into a plain
settings value (an older import, a hand-edited row) must still not reach a formula, whose
output may be sent to another system or logged. Which settings are secret is decided where
the accounts code decides it (``ipaas.security.setting_values.split_values``), from the
fields the integration declares and those its connector class declares. A declaration
that cannot be read hides its field (fail closed).
"""

from __future__ import annotations

from typing import Any

import pydantic

from ipaas.connectors.base import SettingField
from ipaas.connectors.definition import SettingSpec
from ipaas.connectors.registry import default_registry
from ipaas.security.setting_values import split_values
from ipaas.store.transfer import SubscriptionInfo


def public_preset(sub: SubscriptionInfo) -> dict[str, Any]:
    """The subscription's settings a formula may read: every declared secret removed."""
    key = (sub.connector, repr(sub.declared_settings))
    hidden = _CACHE.get(key)
    if hidden is None:
        if len(_CACHE) > 1000:
            _CACHE.clear()
        hidden = _CACHE[key] = _secret_names(sub.connector, sub.declared_settings)
    if not hidden:
        return sub.settings
    return {k: v for k, v in sub.settings.items() if k not in hidden}


_CACHE: dict[tuple[str, str], frozenset[str]] = {}


def _secret_names(connector: str, declared: tuple[dict[str, Any], ...]) -> frozenset[str]:
    fields: list[SettingField] = []
    unreadable: set[str] = set()
    for entry in declared:
        try:
            fields.append(SettingSpec.model_validate(entry).to_field())
        except pydantic.ValidationError:
            name = entry.get("name")
            if isinstance(name, str):
                unreadable.add(name)
    try:
        fields.extend(default_registry().get(connector).settings_fields)
    except Exception:
        pass  # an unknown connector declares nothing more
    names = {f.name for f in fields}
    return frozenset(split_values(fields, dict.fromkeys(names)).secret) | unreadable
