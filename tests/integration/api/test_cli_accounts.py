"""``ipaas company create``, ``ipaas user create`` and ``ipaas secrets rotate-key``."""

from __future__ import annotations

import shutil
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ipaas.cli import app


@pytest.fixture
def env(tmp_path: Path, sqlite_template: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copyfile(sqlite_template, tmp_path / "hub.db")
    monkeypatch.setenv("IPAAS_DATABASE_URL", f"sqlite:///{tmp_path / 'hub.db'}")
    monkeypatch.setenv("IPAAS_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("IPAAS_SECRET_KEY", raising=False)
    return tmp_path


def test_first_admin_from_the_command_line(env: Path) -> None:
    runner = CliRunner()
    misp = runner.invoke(app, ["company", "create", "--name", "Acme", "--kind", "misp"])
    assert misp.exit_code == 0, misp.output
    misp_id = misp.output.strip()
    sub = runner.invoke(
        app, ["company", "create", "--name", "Shop", "--kind", "subscriber", "--misp", misp_id]
    )
    assert sub.exit_code == 0, sub.output
    bad_misp = runner.invoke(
        app,
        ["company", "create", "--name", "X", "--kind", "subscriber", "--misp", sub.output.strip()],
    )
    assert bad_misp.exit_code == 1
    assert "error (misp)" in bad_misp.output
    prompted = runner.invoke(
        app,
        [
            "user",
            "create",
            "--email",
            "a@acme.test",
            "--name",
            "A",
            "--company",
            misp_id,
            "--role",
            "misp",
        ],
        input="correct horse battery\ncorrect horse battery\n",
    )
    assert prompted.exit_code == 0, prompted.output
    wrong_role = runner.invoke(
        app,
        [
            "user",
            "create",
            "--email",
            "b@acme.test",
            "--name",
            "B",
            "--company",
            misp_id,
            "--role",
            "subscriber",
            "--password",
            "correct horse battery",
        ],
    )
    assert wrong_role.exit_code == 1
    assert "error (role)" in wrong_role.output
    short = runner.invoke(
        app,
        [
            "user",
            "create",
            "--email",
            "c@acme.test",
            "--name",
            "C",
            "--company",
            misp_id,
            "--role",
            "misp",
            "--password",
            "short",
        ],
    )
    assert (short.exit_code, "error (password)" in short.output) == (1, True)
    rotated = runner.invoke(app, ["secrets", "rotate-key"])
    assert rotated.exit_code == 0, rotated.output
    assert "re-encrypted 0 secret blob(s)" in rotated.output
    assert stat.S_IMODE((env / "secret.key").stat().st_mode) == 0o600
