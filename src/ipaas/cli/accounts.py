"""``ipaas company``, ``ipaas user`` and ``ipaas secrets``: the first admin, and key rotation."""

from __future__ import annotations

from dataclasses import dataclass

import typer
from cryptography.fernet import Fernet

from ipaas.bootstrap import Hub
from ipaas.cli.common import opened_hub
from ipaas.domain.accounts import check_role_for_company
from ipaas.domain.roles import CompanyKind, Role
from ipaas.errors import ValidationError
from ipaas.security.passwords import MIN_PASSWORD_LENGTH, hash_password
from ipaas.security.secret_box import SecretBox, configured_keys, key_file, write_key_file
from ipaas.store.accounts import AccountRepository
from ipaas.store.presets import rotate_secrets
from ipaas.store.tenants import TenantRepository

company_app = typer.Typer(help="Manage companies.", no_args_is_help=True)
user_app = typer.Typer(help="Manage users.", no_args_is_help=True)
secrets_app = typer.Typer(help="Manage the key that encrypts secrets.", no_args_is_help=True)


def create_company(hub: Hub, name: str, kind: CompanyKind, misp: int | None) -> int:
    """Create a company; a subscriber may name the MiSP that manages it."""
    with hub.unit_of_work() as uow:
        if misp is not None:
            managing = AccountRepository(uow.conn).company(None, misp)
            if managing.kind is not CompanyKind.MISP or kind is not CompanyKind.SUBSCRIBER:
                raise ValidationError(
                    "--misp must name a MiSP company and the new company be a subscriber",
                    field="misp",
                )
        company_id = TenantRepository(uow.conn).create_company(name, kind, managing_misp_id=misp)
        uow.commit()
    return company_id


def create_user(hub: Hub, email: str, name: str, company_id: int, role: Role, password: str) -> int:
    """Create a user (or reuse one with that email) and make it a member of a company."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(
            f"the password needs at least {MIN_PASSWORD_LENGTH} characters", field="password"
        )
    with hub.unit_of_work() as uow:
        accounts = AccountRepository(uow.conn)
        company = accounts.company(None, company_id)
        check_role_for_company(company.kind, role)
        existing = accounts.user_by_email(email)
        user_id = existing.id if existing else accounts.create_user(email, name, None)
        accounts.set_password(user_id, hash_password(password))
        accounts.add_membership(user_id, company_id, role)
        uow.commit()
    return user_id


@dataclass(frozen=True, slots=True)
class Rotation:
    rows: int
    #: The new key when it lives in IPAAS_SECRET_KEY (the operator must set it); else None.
    new_env_key: str | None


def rotate_secret_key(hub: Hub) -> Rotation:
    """Re-encrypt every stored secret under a new key.

    With a key file, the file first holds the new and the old keys (a crash leaves every
    secret readable), then only the new one. With ``IPAAS_SECRET_KEY``, the new key is
    returned for the operator to set.
    """
    settings = hub.settings
    old_keys = configured_keys(settings)
    new_key = Fernet.generate_key().decode()
    box = SecretBox([new_key, *old_keys])
    path = key_file(settings)
    if not settings.secret_key:
        write_key_file(path, [new_key, *old_keys])
    with hub.unit_of_work() as uow:
        rows = rotate_secrets(uow, box)
        uow.commit()
    hub.extras.pop("secret_box", None)
    if not settings.secret_key:
        write_key_file(path, [new_key])
        return Rotation(rows, None)
    return Rotation(rows, new_key)


@company_app.command("create")
def company_create(
    name: str = typer.Option(..., "--name", help="the company's name"),
    kind: CompanyKind = typer.Option(..., "--kind", help="misp, subscriber or integrator"),
    misp: int = typer.Option(None, "--misp", help="id of the MiSP managing a subscriber"),
) -> None:
    """Create a company and print its id."""
    with opened_hub() as hub:
        typer.echo(create_company(hub, name, kind, misp))


@user_app.command("create")
def user_create(
    email: str = typer.Option(..., "--email"),
    name: str = typer.Option(..., "--name"),
    company: int = typer.Option(..., "--company", help="id of the company to join"),
    role: Role = typer.Option(..., "--role", help="misp, subscriber or integrator"),
    password: str = typer.Option(
        None, "--password", help="asked for when left out (better: it stays out of history)"
    ),
) -> None:
    """Create a user with a role in a company and print the user's id."""
    if password is None:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    with opened_hub() as hub:
        typer.echo(create_user(hub, email, name, company, role, password))


@secrets_app.command("rotate-key")
def rotate_key() -> None:
    """Re-encrypt every stored secret under a new key.

    That is settings, presets, webhook signing secrets, OAuth tokens and SMTP passwords.
    """
    with opened_hub() as hub:
        result = rotate_secret_key(hub)
    typer.echo(f"re-encrypted {result.rows} secret blob(s)")
    if result.new_env_key:
        typer.echo("IPAAS_SECRET_KEY is set: replace it with this new key now:")
        typer.echo(result.new_env_key)
