"""``ipaas preview``: map one sample record with a collection from a YAML file, offline.

The file is an integration document (its ``mappings`` and ``lookup_tables``) or a
collections file as ``ipaas.mapping.dump_collections`` writes it. Nothing touches the hub's
database, so integrators can check a mapping before they apply it, in CI too: the exit
status is 0 when the record would be written (or is skipped by the mapping filter), 1 when
it has errors, and 2 when the file or the sample cannot be used.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer
import yaml

from ipaas.cli.common import fail
from ipaas.errors import IpaasError, ValidationError
from ipaas.mapping import LookupTable, MappingCollection, MappingContext
from ipaas.mapping.preview import Preview
from ipaas.mapping.preview import preview as preview_record


def preview(
    file: Path = typer.Option(
        ..., "-f", "--file", help="integration YAML, or a collections YAML file"
    ),
    sample: str = typer.Option(
        ..., "-s", "--sample", help="the source record as a JSON file, or - for standard input"
    ),
    collection: str = typer.Option(
        None, "-c", "--collection", help="collection name (needed when the file has several)"
    ),
    preset: list[str] = typer.Option(
        [], "--preset", help="a subscription setting for $preset, as NAME=VALUE (repeatable)"
    ),
    as_json: bool = typer.Option(False, "--json", help="print the preview as one JSON object"),
) -> None:
    """Map a sample record and show the output, per-field errors and timing."""
    try:
        collections, tables = _load(file)
        chosen = _choose(collections, collection, file)
        record = _sample(sample)
        settings = _presets(preset)
    except IpaasError as error:
        raise fail(error, code=2) from None
    result = preview_record(chosen, record, tables, MappingContext(preset=settings))
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=2, default=str))
    else:
        _show(chosen, result)
    if result.errors or result.failed:
        raise typer.Exit(1)


def _load(file: Path) -> tuple[list[MappingCollection], dict[str, LookupTable]]:
    from ipaas.integration_as_code.documents import parse_documents
    from ipaas.integration_as_code.integrations import plan_integration
    from ipaas.mapping import load_collections
    from ipaas.mapping.errors import MappingDefinitionError

    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ValidationError(f"{file}: {exc.strerror or exc}", field="file") from None
    try:
        head = yaml.safe_load(text)
    except yaml.YAMLError:
        head = None  # the loaders below say where the YAML is broken
    if isinstance(head, dict) and "collections" in head:
        try:
            return load_collections(text)
        except MappingDefinitionError as exc:
            raise ValidationError(f"{file}: {exc.message}", field=exc.field) from None
    collections: list[MappingCollection] = []
    tables: dict[str, LookupTable] = {}
    for document in parse_documents(text, file):
        if document.kind == "integration":
            plan = plan_integration(document)
            collections.extend(plan.collections)
            tables.update({t.name: t for t in plan.tables})
    return collections, tables


def _choose(
    collections: list[MappingCollection], name: str | None, file: Path
) -> MappingCollection:
    names = [c.name for c in collections]
    if not collections:
        raise ValidationError(f"{file} holds no mapping collection", field="file")
    if name is None:
        if len(collections) == 1:
            return collections[0]
        raise ValidationError(
            f"{file} holds {len(names)} collections; name one with --collection: "
            + ", ".join(repr(n) for n in names),
            field="collection",
        )
    for candidate in collections:
        if candidate.name == name:
            return candidate
    raise ValidationError(
        f"no collection named {name!r} in {file}; it has " + ", ".join(repr(n) for n in names),
        field="collection",
    )


def _sample(source: str) -> dict[str, Any]:
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except OSError as exc:
        raise ValidationError(f"{source}: {exc.strerror or exc}", field="sample") from None
    try:
        record = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(
            f"the sample is not JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})",
            field="sample",
        ) from None
    if not isinstance(record, dict):
        raise ValidationError("the sample must be a JSON object", field="sample")
    return record


def _presets(pairs: list[str]) -> dict[str, Any]:
    settings: dict[str, Any] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise ValidationError(f"--preset {pair!r} is not NAME=VALUE", field="preset")
        settings[name.strip()] = value
    return settings


def _show(collection: MappingCollection, result: Preview) -> None:
    where = f"{collection.name} ({collection.data_type}, {collection.direction.value})"
    timing = f"{result.microseconds:.0f} us, compiled in {result.compile_microseconds:.0f} us"
    if result.skipped is not None:
        typer.echo(f"{where}: skipped by the mapping filter: {result.skipped} ({timing})")
        return
    if result.failed is not None:
        typer.echo(f"{where}: failed: {result.failed}")
        return
    state = "ok" if result.ok else f"{len(result.errors)} error(s)"
    typer.echo(f"{where}: {state} ({timing})")
    typer.echo(json.dumps(result.output, indent=2, ensure_ascii=False, default=str))
    for error in result.errors:
        typer.echo(f"error in {error.field} ({error.mapping_type}): {error.message}")
