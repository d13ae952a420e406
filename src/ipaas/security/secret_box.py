"""Encryption of secret values at rest: Fernet under one or more keys (MultiFernet).

The key comes from ``settings.secret_key`` (``IPAAS_SECRET_KEY``; several keys separated by
commas, the first one encrypts) or else from ``<data_dir>/secret.key``, created with 0600
permissions on first use. A key that is not a Fernet key is stretched into one with SHA-256,
so any long random string works. ``ipaas secrets rotate-key`` re-encrypts under a new key.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from ipaas.errors import ConfigurationError
from ipaas.settings import Settings

#: What the API shows instead of a secret value.
MASK = "••••"
KEY_FILE_NAME = "secret.key"
_EXTRAS_KEY = "secret_box"


class SecretBox:
    """Encrypts and decrypts JSON objects of secret values. Never logs or shows them."""

    def __init__(self, keys: list[str]) -> None:
        if not keys:
            raise ConfigurationError("no secret key configured", field="secret_key")
        self._keys = [_as_fernet_key(k) for k in keys]
        self._fernet = MultiFernet([Fernet(k) for k in self._keys])

    def __repr__(self) -> str:
        return f"SecretBox(<{len(self._keys)} key(s)>)"

    def encrypt(self, values: dict[str, Any]) -> str | None:
        """The encrypted form of ``values``; None when there is nothing to hide."""
        if not values:
            return None
        return self._fernet.encrypt(json.dumps(values, sort_keys=True).encode()).decode()

    def decrypt(self, blob: str | None) -> dict[str, Any]:
        """The values in ``blob`` (empty when None)."""
        if not blob:
            return {}
        try:
            data = json.loads(self._fernet.decrypt(blob.encode()))
        except InvalidToken:
            raise ConfigurationError(
                "stored secrets cannot be decrypted with the configured key", field="secret_key"
            ) from None
        if not isinstance(data, dict):
            raise ConfigurationError("stored secrets are damaged", field="secret_key")
        return data

    def rotate(self, blob: str | None) -> str | None:
        """``blob`` re-encrypted under the first key (readable by any of the keys)."""
        if not blob:
            return blob
        try:
            return self._fernet.rotate(blob.encode()).decode()
        except InvalidToken:
            raise ConfigurationError(
                "stored secrets cannot be decrypted with the configured keys", field="secret_key"
            ) from None


def _as_fernet_key(key: str) -> bytes:
    raw = key.strip().encode()
    try:
        if len(base64.urlsafe_b64decode(raw)) == 32:
            return raw
    except ValueError:
        pass
    return base64.urlsafe_b64encode(hashlib.sha256(raw).digest())


def key_file(settings: Settings) -> Path:
    """Where the key lives when ``IPAAS_SECRET_KEY`` is not set."""
    return settings.data_dir / KEY_FILE_NAME


def read_key_file(path: Path) -> list[str]:
    """The keys in a key file, newest first."""
    if path.stat().st_mode & 0o077:
        raise ConfigurationError(
            f"{path} must be readable by its owner only (chmod 600)", field="secret_key"
        )
    return [line.strip() for line in path.read_text().splitlines() if line.strip()]


def write_key_file(path: Path, keys: list[str]) -> None:
    """Write ``keys`` (newest first) atomically with 0600 permissions."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write("\n".join(keys) + "\n")
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def configured_keys(settings: Settings) -> list[str]:
    """The keys from the settings, or from the key file (created on first use)."""
    if settings.secret_key:
        return [k for k in settings.secret_key.split(",") if k.strip()]
    path = key_file(settings)
    if not path.exists():
        write_key_file(path, [Fernet.generate_key().decode()])
    return read_key_file(path)


def load_secret_box(settings: Settings) -> SecretBox:
    """The secret box for ``settings``."""
    return SecretBox(configured_keys(settings))


def secret_box_for(hub: Any) -> SecretBox:
    """The hub's secret box, kept in ``hub.extras``. With a key file, a rotation done by
    another process (``ipaas secrets rotate-key``) is picked up when the file changes."""
    settings = hub.settings
    stamp: object = None
    if not settings.secret_key:
        path = key_file(settings)
        stamp = path.stat().st_mtime_ns if path.exists() else None
    cached = hub.extras.get(_EXTRAS_KEY)
    if isinstance(cached, tuple) and cached[0] == stamp and isinstance(cached[1], SecretBox):
        return cached[1]
    box = load_secret_box(settings)
    if not settings.secret_key:
        stamp = key_file(settings).stat().st_mtime_ns
    hub.extras[_EXTRAS_KEY] = (stamp, box)
    return box
