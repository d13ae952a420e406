"""Passwords, tokens and the encryption of secret preset values.

``SecretBox`` encrypts secret fields at rest (Fernet, rotatable keys); ``passwords`` hashes
passwords with argon2 and API tokens with SHA-256; ``setting_values`` checks preset values
against their declared ``SettingField`` types and splits them into public and secret parts.
"""

from ipaas.security.passwords import (
    hash_password,
    hash_token,
    new_token,
    password_needs_rehash,
    verify_password,
)
from ipaas.security.secret_box import MASK, SecretBox, load_secret_box, secret_box_for
from ipaas.security.setting_values import (
    SettingValues,
    mask_secrets,
    split_values,
    validate_values,
)

__all__ = [
    "MASK",
    "SecretBox",
    "SettingValues",
    "hash_password",
    "hash_token",
    "load_secret_box",
    "mask_secrets",
    "new_token",
    "password_needs_rehash",
    "secret_box_for",
    "split_values",
    "validate_values",
    "verify_password",
]
