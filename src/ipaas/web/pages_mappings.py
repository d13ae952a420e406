"""The mapping editor: a subscription's collections grouped by data type and direction,
field mappings of every type, a live preview on a sample record, and lookup tables."""

from __future__ import annotations

import json
import re
from typing import Annotated, Any

import pydantic
from fastapi import Form, Request, Response
from fastapi.responses import JSONResponse

from ipaas.domain import DATA_TYPES, Direction
from ipaas.domain.roles import Feature
from ipaas.errors import ValidationError
from ipaas.mapping import (
    CollisionMethod,
    FieldMappingType,
    LookupTable,
    MappingCollection,
    SyncType,
    preview,
)
from ipaas.store.mappings import MappingRepository, Owner
from ipaas.web import mapping_rows as rows
from ipaas.web.context import WEB_PREFIX, Web, WebCtx, redirect, web_router
from ipaas.web.queries import samples

router = web_router("/subscriptions", Feature.SUBSCRIPTION_MANAGEMENT)
ROUTERS = (router,)
TYPES = [t.value for t in FieldMappingType]
Short = Annotated[str, Form(max_length=200)]
_INDEX = re.compile(r"^field_mappings\[(\d+)\]")


def _owner(ctx: WebCtx, sub_id: int) -> Owner:
    ctx.subscription(sub_id)  # NotFoundError unless visible
    return Owner("subscription", sub_id)


@router.get("/{sub_id}/mappings")
def mappings_page(ctx: Web, sub_id: int) -> Response:
    """Collections grouped by data type and direction, and the lookup tables."""
    owner = _owner(ctx, sub_id)
    repo = MappingRepository(ctx.conn)
    groups: dict[tuple[str, str], list[Any]] = {}
    for stored in repo.collections(owner):
        c = stored.collection
        groups.setdefault((c.data_type, c.direction.value), []).append(stored)
    return ctx.render(
        "mappings.html",
        sub=ctx.subscription(sub_id),
        groups=sorted(groups.items()),
        lookups=repo.lookups(owner),
        data_types=sorted(DATA_TYPES),
        sync_types=[t.value for t in SyncType],
        collision_methods=[m.value for m in CollisionMethod],
    )


@router.post("/{sub_id}/mappings")
def add_collection(
    ctx: Web,
    sub_id: int,
    name: Short,
    data_type: Short,
    direction: Short,
    sync_type: Short = SyncType.ADD_AND_UPDATE.value,
    collision_method: Short = CollisionMethod.ERROR.value,
) -> Response:
    """Create an empty collection and open it in the editor."""
    owner = _owner(ctx, sub_id)
    if data_type not in DATA_TYPES:
        raise ValidationError(f"unknown data type {data_type!r}", field="data_type")
    try:
        collection = MappingCollection(
            name=name.strip(),
            data_type=data_type,
            direction=Direction(direction),
            sync_type=SyncType(sync_type),
            collision_method=CollisionMethod(collision_method),
        )
    except (ValueError, pydantic.ValidationError) as exc:
        raise ValidationError(f"the collection is incomplete: {exc}"[:300], field="name") from None
    stored = MappingRepository(ctx.conn).add_collection(owner, collection)
    ctx.api_ctx.audit("mapping.create", "mapping_collection", stored.id)
    ctx.api_ctx.commit()
    return redirect(
        f"{WEB_PREFIX}/subscriptions/{sub_id}/mappings/{stored.id}", f"Created {collection.name}"
    )


def _lookups(ctx: WebCtx, owner: Owner) -> dict[str, LookupTable]:
    return {s.table.name: s.table for s in MappingRepository(ctx.conn).lookups(owner)}


def _samples(ctx: WebCtx, sub_id: int, collection: MappingCollection) -> list[samples.Sample]:
    """What a collection reads: hub records (from_hub) or this subscription's payloads."""
    if collection.direction.value == "from_hub":
        return samples.hub_samples(ctx.conn, ctx.principal.company_id, collection.data_type)
    return samples.queue_samples(ctx.conn, sub_id, collection.data_type)


@router.get("/{sub_id}/mappings/{collection_id}")
def editor(ctx: Web, sub_id: int, collection_id: int) -> Response:
    """Edit one collection with a live preview on a picked or pasted sample record."""
    owner = _owner(ctx, sub_id)
    stored = MappingRepository(ctx.conn).collection(owner, collection_id)
    picks = _samples(ctx, sub_id, stored.collection)
    first = picks[0].body if picks else {}
    return ctx.render(
        "mapping_editor.html",
        sub=ctx.subscription(sub_id),
        stored=stored,
        c=stored.collection,
        types=TYPES,
        type_labels=rows.TYPE_LABELS,
        shows=rows.types_showing,
        inputs=rows.INPUTS,
        tables=sorted(_lookups(ctx, owner)),
        samples=[
            {"key": p.key, "label": p.label, "json": json.dumps(p.body, indent=2)} for p in picks
        ],
        sample=json.dumps(first, indent=2, ensure_ascii=False),
    )


@router.post("/{sub_id}/mappings/{collection_id}/preview")
async def preview_json(ctx: Web, sub_id: int, collection_id: int, request: Request) -> JSONResponse:
    """Map the sample with the edited (unsaved) collection: output and per-field errors."""
    owner = _owner(ctx, sub_id)
    stored = MappingRepository(ctx.conn).collection(owner, collection_id)
    try:
        body = await request.json()
    except ValueError:
        raise ValidationError("send JSON", field="body") from None
    try:
        sample = json.loads(body.get("sample") or "{}")
        if not isinstance(sample, dict):
            raise ValueError("the sample must be a JSON object")
    except ValueError as exc:
        return JSONResponse({"sample_error": str(exc)[:200]})
    collection, row_errors, rows_of_good = rows.build(
        stored.collection, list(body.get("field_mappings") or []), body.get("mapping_filter")
    )
    result = preview(collection, sample, _lookups(ctx, owner)).to_dict()
    for error in result["errors"]:
        found = _INDEX.match(str(error.get("field") or ""))
        if found and int(found.group(1)) < len(rows_of_good):
            error["row"] = rows_of_good[int(found.group(1))]
    result["errors"] = row_errors + result["errors"]
    result["ok"] = result["ok"] and not row_errors
    return JSONResponse(result)


@router.post("/{sub_id}/mappings/{collection_id}")
async def save(ctx: Web, sub_id: int, collection_id: int, request: Request) -> Response:
    """Save the field mappings (rows with definition errors are refused, naming the row)."""
    owner = _owner(ctx, sub_id)
    repo = MappingRepository(ctx.conn)
    stored = repo.collection(owner, collection_id)
    form = await request.form()
    collection, errors, _ = rows.build(
        stored.collection, rows.rows_from_form(form), str(form.get("mapping_filter") or "")
    )
    if errors:
        first = errors[0]
        raise ValidationError(
            f"row {first['row'] + 1} ({first['field'] or 'no target'}): {first['message']}",
            field=f"field_mappings[{first['row']}]",
        )
    repo.replace_collection(owner, collection_id, collection)
    ctx.api_ctx.audit("mapping.update", "mapping_collection", collection_id)
    ctx.api_ctx.commit()
    return redirect(
        f"{WEB_PREFIX}/subscriptions/{sub_id}/mappings/{collection_id}", "Mapping saved"
    )


@router.post("/{sub_id}/lookups/{lookup_id}")
def save_lookup(
    ctx: Web,
    sub_id: int,
    lookup_id: int,
    entries: Annotated[str, Form(max_length=100_000)] = "",
) -> Response:
    """Replace a lookup table's entries, one ``from = to`` a line."""
    owner = _owner(ctx, sub_id)
    repo = MappingRepository(ctx.conn)
    table = repo.lookup(owner, lookup_id).table
    parsed = _entries(entries)
    repo.replace_lookup(owner, lookup_id, table.model_copy(update={"entries": parsed}))
    ctx.api_ctx.audit("lookup.update", "lookup_table", lookup_id, {"entries": len(parsed)})
    ctx.api_ctx.commit()
    return redirect(
        f"{WEB_PREFIX}/subscriptions/{sub_id}/mappings", f"Lookup table {table.name} saved"
    )


def _entries(text: str) -> dict[str, Any]:
    """Lookup entries from ``from = to`` lines (blank lines are skipped)."""
    parsed: dict[str, Any] = {}
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            raise ValidationError(f"line {n}: write 'from = to'", field="entries")
        parsed[key.strip()] = value.strip()
    return parsed


@router.post("/{sub_id}/lookups")
def add_lookup(
    ctx: Web,
    sub_id: int,
    name: Annotated[str, Form(min_length=1, max_length=128)],
    entries: Annotated[str, Form(max_length=100_000)] = "",
) -> Response:
    """Create a lookup table (a name unique in this subscription) with its entries."""
    owner = _owner(ctx, sub_id)
    table = LookupTable(name=name.strip() or "-", entries=_entries(entries))
    stored = MappingRepository(ctx.conn).add_lookup(owner, table)
    ctx.api_ctx.audit("lookup.create", "lookup_table", stored.id, {"entries": len(table.entries)})
    ctx.api_ctx.commit()
    return redirect(
        f"{WEB_PREFIX}/subscriptions/{sub_id}/mappings",
        f"Lookup table {table.name} created",
    )
