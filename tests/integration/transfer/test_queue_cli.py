"""``ipaas queue``: depth, in flight and errors per subscription; retry and discard."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from integration.transfer.world import IN, OUT, make_world
from ipaas.bootstrap import Hub
from ipaas.domain import QueueState


@pytest.fixture
def cli_env(hub: Hub, monkeypatch: pytest.MonkeyPatch) -> Hub:
    """The CLI reads its settings from the environment: point it at the test's hub."""
    settings = hub.settings
    monkeypatch.setenv("IPAAS_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("IPAAS_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("IPAAS_SECRET_KEY", "test-secret-key")
    return hub


def _queue(*args: str, stdin: str | None = None) -> tuple[int, str]:
    from ipaas.cli import app

    result = CliRunner().invoke(app, ["queue", *args], input=stdin)
    return result.exit_code, result.output


def test_status_errors_retry_and_discard(cli_env: Hub) -> None:
    hub = cli_env
    w = make_world(hub)
    w.add_system("shop", OUT)
    erp = w.add_system("erp", IN)
    erp.fail_next("400", operations=("create",), times=2)
    w.webhook("shop", "s1", payload={"code": "SKU-1", "title": "Mug"})
    w.webhook("shop", "s2", payload={"code": "SKU-2", "title": "Cup"})
    w.run()
    w.webhook("shop", "s3", payload={"code": "SKU-3", "title": "Jug"})  # left pending

    code, out = _queue("status")
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0].split() == [
        "subscription",
        "pending",
        "in_flight",
        "errors",
        "oldest",
        "pending",
    ]
    rows = {line.split()[1]: line.split()[2:5] for line in lines[1:]}
    assert rows == {"shop": ["1", "0", "0"], "erp": ["0", "0", "2"]}
    assert _queue()[1] == out  # without a command: the status

    code, out = _queue("errors", "--subscription", str(w.ids["erp"]))
    assert code == 0, out
    assert out.count(f"sub {w.ids['erp']} from_hub product") == 2
    assert out.count("permanent after 1 attempt(s)") == 2
    with hub.unit_of_work() as uow:
        first, second = sorted(i.id for i in uow.queue.items(state=QueueState.ERROR))

    assert _queue("retry", str(first)) == (0, "1 item(s) queued again\n")
    assert _queue("discard", "--all") == (0, "1 item(s) discarded\n")
    with hub.unit_of_work() as uow:
        assert uow.queue.get(first).state == "pending"  # type: ignore[union-attr]
        assert uow.queue.get(second).state == "discarded"  # type: ignore[union-attr]
    w.run()
    assert erp.counters["create"] == 2  # the retried record and SKU-3
    assert _queue("errors") == (0, "(no errors)\n")


def test_retry_needs_an_item_or_all(cli_env: Hub) -> None:
    code, out = _queue("retry")
    assert code == 2
    assert "give an item ID or --all" in out
    assert _queue("status") == (
        0,
        "subscription  pending in_flight  errors  oldest pending\n(queue empty)\n",
    )


def test_transfer_by_id_and_initialize_from_the_command_line(cli_env: Hub) -> None:
    hub = cli_env
    w = make_world(hub)
    shop = w.add_system("shop", OUT)
    erp = w.add_system("erp", IN)
    ids = [shop.put("product", {"code": f"SKU-{n}", "title": f"P{n}"}) for n in range(5)]
    code, out = _queue("transfer", str(w.ids["shop"]), "product", *ids[:2])
    assert code == 0, out
    assert out.startswith("2 item(s) queued; tracking id ")
    code, out = _queue("transfer", str(w.ids["shop"]), "product", "-", stdin="\n".join(ids[2:]))
    assert code == 0, out
    assert out.startswith("3 item(s) queued; tracking id ")
    w.run()
    assert erp.counters["create"] == 5

    code, out = _queue(
        "transfer",
        str(w.ids["erp"]),
        "product",
        "--direction",
        "from_hub",
        *erp.all("product"),
        "x",
    )
    assert code == 0, out
    assert out.startswith("5 item(s) queued (1 without a link in this subscription left out)")
    code, out = _queue("initialize", str(w.ids["erp"]), "product", "--direction", "from_hub")
    assert code == 0, out
    assert out.startswith("product from_hub: 5 record(s) queued in 1 page(s), done; tracking id ")
    w.run()
    assert erp.counters["create"] == 5  # the same records again: updates, no new ones

    code, out = _queue("transfer", str(w.ids["shop"]), "nothing", "a")
    assert code == 1
    assert "unknown data type 'nothing'" in out
    code, out = _queue("transfer", "999999", "product", "a")
    assert code == 1
    assert "subscription 999999 not found" in out
    code, out = _queue("transfer", str(w.ids["shop"]), "product", "--by", "hub", "a")
    assert code == 1
    assert "hub ids are numbers" in out
