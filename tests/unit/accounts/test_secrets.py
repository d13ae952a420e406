"""Secret box, key file, password hashing and preset value checks."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from ipaas.connectors.base import SettingField
from ipaas.errors import ConfigurationError, ValidationError
from ipaas.security import (
    MASK,
    SecretBox,
    SettingValues,
    hash_password,
    load_secret_box,
    mask_secrets,
    validate_values,
    verify_password,
)
from ipaas.settings import Settings

FIELDS = (
    SettingField("url", "string", required=True),
    SettingField("token", "password", required=True),
    SettingField("limit", "number", default=10),
    SettingField("live", "boolean"),
    SettingField("tenant", "guid"),
    SettingField("mode", "enum", choices=("a", "b")),
    SettingField("since", "date"),
    SettingField("at", "datetime"),
    SettingField("cert", "encrypted"),
)


def test_box_round_trip_and_rotation() -> None:
    old = SecretBox(["old key"])
    blob = old.encrypt({"token": "s3cret"})
    assert blob is not None
    assert "s3cret" not in blob
    assert old.decrypt(blob) == {"token": "s3cret"}
    assert old.encrypt({}) is None
    assert "old key" not in repr(old)
    both = SecretBox([Fernet.generate_key().decode(), "old key"])
    rotated = both.rotate(blob)
    new_only = SecretBox([both._keys[0].decode()])
    assert new_only.decrypt(rotated) == {"token": "s3cret"}
    with pytest.raises(ConfigurationError):
        new_only.decrypt(blob)


def test_key_file_is_created_with_owner_only_permissions(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, secret_key=None)
    box = load_secret_box(settings)
    path = tmp_path / "secret.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_secret_box(settings).decrypt(box.encrypt({"a": 1})) == {"a": 1}
    os.chmod(path, 0o644)
    with pytest.raises(ConfigurationError, match="chmod 600"):
        load_secret_box(settings)


def test_passwords() -> None:
    hashed = hash_password("correct horse battery")
    assert hashed.startswith("$argon2id$")
    assert verify_password(hashed, "correct horse battery")
    assert not verify_password(hashed, "wrong")
    assert not verify_password(None, "anything")


def test_values_are_checked_split_and_defaulted() -> None:
    values = validate_values(
        FIELDS,
        {
            "url": "https://x",
            "token": "tok",
            "live": True,
            "tenant": "123E4567-E89B-12D3-A456-426614174000",
            "mode": "b",
            "since": "2024-01-31",
            "at": "2024-01-31T12:00:00Z",
        },
    )
    assert values.secret == {"token": "tok"}
    assert values.public["limit"] == 10
    assert values.public["tenant"] == "123e4567-e89b-12d3-a456-426614174000"
    assert values.public["at"] == "2024-01-31T12:00:00+00:00"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("limit", "ten"),
        ("limit", True),
        ("live", "yes"),
        ("tenant", "nope"),
        ("mode", "c"),
        ("since", "31/01/2024"),
        ("at", "2025-03-02T08:30:00"),
        ("token", 12345),
        ("unknown", 1),
    ],
)
def test_bad_values_name_the_field_and_not_the_value(field: str, value: object) -> None:
    with pytest.raises(ValidationError) as error:
        validate_values(FIELDS, {"url": "u", "token": "t", field: value})
    assert error.value.field == field
    assert str(value) not in error.value.message or str(value) in ("c", "1")


def test_required_and_update_semantics() -> None:
    with pytest.raises(ValidationError) as missing:
        validate_values(FIELDS, {"url": "u"})
    assert missing.value.field == "token"
    before = SettingValues({"url": "u", "limit": 3}, {"token": "t", "cert": "c"})
    after = validate_values(FIELDS, {"token": MASK, "cert": None, "limit": 4}, existing=before)
    assert after.secret == {"token": "t"}
    assert after.public == {"url": "u", "limit": 4}
    assert mask_secrets(FIELDS, after.secret) == {
        "token": {"set": True, "value": MASK},
        "cert": {"set": False, "value": None},
    }
