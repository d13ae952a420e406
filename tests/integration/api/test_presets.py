"""Presets over the API, the settings the transfer engine gets, and key rotation."""

from __future__ import annotations

import sqlalchemy as sa

from integration.api.conftest import World
from ipaas.cli.accounts import rotate_secret_key
from ipaas.domain.accounts import TenantScope
from ipaas.security import SecretBox, secret_box_for
from ipaas.store.presets import (
    PresetRepository,
    public_settings,
    subscription_settings,
    write_subscription_settings,
)
from ipaas.store.tables import presets, subscriptions


def _shop_preset(world: World) -> dict:
    answer = world.client("shop").post(
        "/api/v1/presets",
        json={
            "name": "shop api",
            "kind": "credentials",
            "integration_id": world.integration_id,
            "values": {"base_url": "https://shop.test", "api_key": "sk-live-123"},
        },
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_preset_crud_with_integration_fields(world: World) -> None:
    shop = world.client("shop")
    preset = _shop_preset(world)
    assert preset["values"] == {"base_url": "https://shop.test", "mode": "test"}
    assert preset["secrets"] == {"api_key": {"set": True, "value": "••••"}}
    assert [f["name"] for f in preset["fields"]] == ["base_url", "api_key", "mode"]
    bad = shop.patch(f"/api/v1/presets/{preset['id']}", json={"values": {"mode": "prod"}})
    assert bad.status_code == 422
    assert bad.json()["error"] == {
        "code": "VALD_INVALID",
        "message": "mode must be one of: live, test",
        "field": "mode",
    }
    kept = shop.patch(
        f"/api/v1/presets/{preset['id']}", json={"values": {"api_key": "••••", "mode": "live"}}
    )
    assert kept.json()["secrets"]["api_key"]["set"] is True
    assert kept.json()["values"]["mode"] == "live"
    duplicate = shop.post(
        "/api/v1/presets",
        json={"name": "shop api", "fields": [{"name": "a"}], "values": {"a": "b"}},
    )
    assert (duplicate.status_code, duplicate.json()["error"]["field"]) == (409, "name")
    unknown = shop.post(
        "/api/v1/presets",
        json={"name": "x", "integration_id": world.integration_id, "values": {"nope": 1}},
    )
    assert unknown.json()["error"]["field"] == "nope"
    missing = shop.post(
        "/api/v1/presets",
        json={"name": "y", "integration_id": world.integration_id, "values": {}},
    )
    assert missing.json()["error"] == {
        "code": "VALD_INVALID",
        "message": "base_url is required",
        "field": "base_url",
    }
    no_such = shop.post(
        "/api/v1/presets", json={"name": "z", "integration_id": 999999, "values": {}}
    )
    assert (no_such.status_code, no_such.json()["error"]["field"]) == (404, "integration_id")
    enum_without_choices = shop.post(
        "/api/v1/presets", json={"name": "e", "fields": [{"name": "m", "type": "enum"}]}
    )
    assert enum_without_choices.status_code == 422
    assert shop.delete(f"/api/v1/presets/{preset['id']}").status_code == 204
    assert shop.get(f"/api/v1/presets/{preset['id']}").status_code == 404


def test_subscription_settings_for_the_transfer_engine(world: World) -> None:
    preset = _shop_preset(world)
    box = secret_box_for(world.hub)
    with world.hub.unit_of_work() as uow:
        sub_id = uow.conn.execute(
            sa.select(subscriptions.c.id).where(
                subscriptions.c.company_id == world.companies["shop"]
            )
        ).scalar_one()
        repo = PresetRepository(uow.conn, box)
        repo.attach(TenantScope.single(world.companies["shop"]), sub_id, preset["id"])
        fields = repo.integration_fields(
            TenantScope.single(world.companies["shop"]), world.integration_id
        )
        write_subscription_settings(
            uow,
            box,
            sub_id,
            fields,
            {"base_url": "https://own.test", "api_key": "sk-own-456", "mode": "live"},
        )
        uow.commit()
    with world.hub.unit_of_work() as uow:
        assert subscription_settings(uow, box, sub_id) == {
            "base_url": "https://own.test",
            "api_key": "sk-own-456",
            "mode": "live",
        }
        assert public_settings(uow.conn, sub_id) == {"base_url": "https://own.test", "mode": "live"}
        stored = uow.conn.execute(sa.select(subscriptions.c.secrets)).scalars().all()
    assert all("sk-own-456" not in (s or "") for s in stored)
    # a preset in use cannot be deleted
    gone = world.client("shop").delete(f"/api/v1/presets/{preset['id']}")
    assert (gone.status_code, gone.json()["error"]["code"]) == (409, "BIZL_CONFLICT")


def test_rotate_key_reencrypts_presets_and_subscriptions(world: World) -> None:
    preset = _shop_preset(world)
    old_box = secret_box_for(world.hub)
    with world.hub.unit_of_work() as uow:
        uow.conn.execute(
            sa.update(subscriptions).values(secrets=old_box.encrypt({"token": "t-789"}))
        )
        uow.commit()
    result = rotate_secret_key(world.hub)
    assert result.rows == 2
    assert result.new_env_key is not None
    new_box = SecretBox([result.new_env_key])
    with world.hub.unit_of_work() as uow:
        blobs = uow.conn.execute(sa.select(presets.c.secrets)).scalars().all()
        sub_blob = uow.conn.execute(sa.select(subscriptions.c.secrets)).scalars().first()
    assert new_box.decrypt(blobs[0]) == {"api_key": "sk-live-123"}
    assert new_box.decrypt(sub_blob) == {"token": "t-789"}
    assert preset["id"]


def test_rotate_key_with_a_key_file(world: World) -> None:
    hub = world.hub
    hub.settings = hub.settings.model_copy(update={"secret_key": None})
    hub.extras.pop("secret_box", None)
    _shop_preset(world)
    key_file = hub.settings.data_dir / "secret.key"
    before = key_file.read_text()
    result = rotate_secret_key(hub)
    assert (result.rows, result.new_env_key) == (1, None)
    after = key_file.read_text()
    assert after != before
    assert len(after.split()) == 1
    shown = world.client("shop").get("/api/v1/presets").json()["items"][0]
    assert shown["secrets"]["api_key"]["set"] is True


def test_rotate_key_reencrypts_every_encrypted_column(world: World) -> None:
    """Webhook signing secrets, OAuth tokens and SMTP passwords are rotated with the rest,
    so dropping the old key leaves no secret unreadable."""
    from ipaas.store.presets import ENCRYPTED_COLUMNS
    from ipaas.store.resources_tables import oauth_tokens, smtp_settings
    from ipaas.store.tables import companies
    from ipaas.store.triggers_tables import webhook_registrations
    from ipaas.store.types import utcnow

    old_box = secret_box_for(world.hub)
    with world.hub.unit_of_work() as uow:
        sub = uow.conn.execute(sa.select(subscriptions.c.id)).scalars().first()
        company = uow.conn.execute(sa.select(companies.c.id)).scalars().first()
        assert sub is not None
        assert company is not None
        uow.conn.execute(
            sa.insert(webhook_registrations).values(
                subscription_id=sub,
                scope="product/all",
                state="enabled",
                callback_url="http://127.0.0.1/hooks/x",
                registration={},
                secret=old_box.encrypt({"secret": "whsec_abc"}),
                updated_at=utcnow(),
            )
        )
        uow.conn.execute(
            sa.insert(oauth_tokens).values(
                subscription_id=sub,
                tokens=old_box.encrypt({"access_token": "at-1"}),
                updated_at=utcnow(),
            )
        )
        uow.conn.execute(
            sa.insert(smtp_settings).values(
                company_id=company,
                host="127.0.0.1",
                port=25,
                sender="a@example.com",
                security="none",
                password=old_box.encrypt({"password": "pw-1"}),
                updated_at=utcnow(),
            )
        )
        uow.commit()
    result = rotate_secret_key(world.hub)
    assert result.new_env_key is not None
    new_box = SecretBox([result.new_env_key])
    with world.hub.unit_of_work() as uow:
        for table, column in ENCRYPTED_COLUMNS:
            for blob in uow.conn.execute(sa.select(table.c[column])).scalars():
                if blob is not None:
                    new_box.decrypt(blob)
        secret = uow.conn.execute(sa.select(webhook_registrations.c.secret)).scalar_one()
    assert new_box.decrypt(secret) == {"secret": "whsec_abc"}
