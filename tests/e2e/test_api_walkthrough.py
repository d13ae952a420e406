"""docs/examples/api_walkthrough.sh: the API guide's walkthrough, run for real.

The script starts the hub (`ipaas serve`), the demo shop and the demo ERP on free ports on
127.0.0.1, follows docs/api.md from login to a customer synced shop -> hub -> ERP, provokes
an error (ERP chaos), finds it and retries it; it stops its servers on exit.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "docs" / "examples" / "api_walkthrough.sh"
BIN = Path(sys.executable).parent


@pytest.mark.skipif(shutil.which("curl") is None, reason="the walkthrough uses curl")
def test_the_api_walkthrough_script_passes(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "IPAAS": str(BIN / "ipaas"),
        "PYTHON": sys.executable,
        "WORK": str(tmp_path / "walk"),
    }
    for name in ("IPAAS_DATABASE_URL", "IPAAS_SECRET_KEY", "IPAAS_PORT", "IPAAS_HOST"):
        env.pop(name, None)
    # A session of its own: on a timeout the script and the servers it started are ended.
    with subprocess.Popen(
        ["bash", str(SCRIPT)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    ) as script:
        try:
            out, err = script.communicate(timeout=100)
        except subprocess.TimeoutExpired:
            os.killpg(script.pid, signal.SIGTERM)
            out, err = script.communicate(timeout=15)
            pytest.fail(f"the walkthrough took over 100 s\n{out[-3000:]}\n{err[-5000:]}")
    assert script.returncode == 0, f"{out[-3000:]}\n{err[-5000:]}"
    assert "walkthrough passed" in out
