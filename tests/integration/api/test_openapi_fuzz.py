"""Property-based test of our own OpenAPI with schemathesis: no answer is a 5xx.

Short mode: a few examples per operation, generation phase only, no example database,
authenticated with API keys of a MiSP (acting in its own company and in a managed
subscriber) and of an integrator, so the feature-guarded code runs too."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest
import schemathesis
from anyio.from_thread import start_blocking_portal
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from integration.api.conftest import build_world
from ipaas.bootstrap import bootstrap
from ipaas.settings import Settings

EXAMPLES_PER_OPERATION = 4


def test_no_server_errors(tmp_path: Path, sqlite_template: Path) -> None:
    path = tmp_path / "hub.db"
    shutil.copyfile(sqlite_template, path)
    hub = bootstrap(Settings(database_url=f"sqlite:///{path}", data_dir=tmp_path, secret_key="k"))
    with start_blocking_portal("asyncio") as portal:
        world = build_world(hub, portal)
    callers = [
        {"Authorization": f"Bearer {world.keys['misp']}"},
        {
            "Authorization": f"Bearer {world.keys['misp']}",
            "X-Company-Id": str(world.companies["managed"]),
        },
        {"Authorization": f"Bearer {world.keys['builder']}"},
    ]
    schema = schemathesis.openapi.from_asgi("/openapi.json", world.app).include(
        path_regex="^/api/v1/"
    )
    failures: list[str] = []
    statuses: Counter[int] = Counter()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    for operation in operations:

        @given(case=operation.as_strategy(), who=st.sampled_from(callers))
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def run(case: schemathesis.Case, who: dict[str, str]) -> None:
            response = case.call(headers=who)
            statuses[response.status_code] += 1
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path}: {response.status_code}")

        run()
    hub.close()
    assert not failures, failures
    # authenticated for real: plenty of calls got past authentication and validation
    successes = sum(n for status, n in statuses.items() if status < 300)
    assert successes >= len(operations) // 3, statuses


pytestmark = pytest.mark.timeout(300)
