"""Connectors are found through the ``ipaas.connectors`` entry point group."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ipaas.connectors import ConnectorRegistry, IntegrationDefinition, ListRecorder, build_connector
from ipaas.connectors.files import FilesConnector
from ipaas.connectors.rest import RestConnector
from ipaas.connectors.sql import SqlConnector
from ipaas.errors import ConfigurationError

FIXTURE = Path(__file__).parents[2] / "fixtures" / "ipaas_echo_connector"


@pytest.fixture
def echo_package(tmp_path: Path) -> Iterator[Path]:
    """The fixture package plus a dist-info folder, on sys.path (no pip install)."""
    shutil.copytree(FIXTURE, tmp_path / "ipaas_echo_connector")
    dist = tmp_path / "ipaas_echo_connector-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: ipaas-echo-connector\nVersion: 0.1\n", encoding="utf-8"
    )
    (dist / "entry_points.txt").write_text(
        "[ipaas.connectors]\necho = ipaas_echo_connector:EchoConnector\n", encoding="utf-8"
    )
    sys.path.insert(0, str(tmp_path))
    try:
        yield tmp_path
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("ipaas_echo_connector", None)


def test_builtins_register_through_entry_points() -> None:
    registry = ConnectorRegistry()
    assert {"rest", "sql", "files"} <= set(registry.names())
    assert registry.get("rest") is RestConnector
    assert registry.get("sql") is SqlConnector
    assert registry.get("files") is FilesConnector


def test_a_package_outside_ipaas_is_found(echo_package: Path) -> None:
    registry = ConnectorRegistry()
    assert "echo" in registry.names()
    cls = registry.get("echo")
    assert cls.__module__ == "ipaas_echo_connector"
    assert Path(sys.modules[cls.__module__].__file__ or "").is_relative_to(echo_package)
    definition = IntegrationDefinition.from_dict(
        {
            "key": "echo",
            "name": "Echo",
            "connector": "echo",
            "data_types": [{"data_type": "product", "directions": ["to_hub"]}],
        },
        registry=registry,
    )
    connector = build_connector(definition, {}, recorder=ListRecorder(), registry=registry)
    assert connector.name == "echo"


def test_unknown_connector_names_the_field() -> None:
    with pytest.raises(ConfigurationError) as info:
        ConnectorRegistry().get("nope")
    assert info.value.field == "connector"
    assert "rest" in info.value.message
