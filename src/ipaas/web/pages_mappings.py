"""The mapping editor: a subscription's collections grouped by data type and direction,
field mappings of every type, a live preview on a sample record, and lookup tables."""

from __future__ import annotations

import json
import re
from typing import Annotated, Any

import pydantic
import sqlalchemy as sa
from fastapi import Form, Request, Response
from fastapi.responses import JSONResponse

from ipaas.domain.roles import Feature
from ipaas.errors import ValidationError
from ipaas.mapping import FieldMapping, FieldMappingType, LookupTable, MappingCollection, preview
from ipaas.store.mappings import MappingRepository, Owner
from ipaas.store.tables import hub_records, queue_items
from ipaas.web.context import WEB_PREFIX, Web, WebCtx, redirect, web_router

router = web_router("/subscriptions", Feature.SUBSCRIPTION_MANAGEMENT)
ROUTERS = (router,)
TYPES = [t.value for t in FieldMappingType]
MAX_ROWS = 300
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
    )


def _lookups(ctx: WebCtx, owner: Owner) -> dict[str, LookupTable]:
    return {s.table.name: s.table for s in MappingRepository(ctx.conn).lookups(owner)}


def _sample(ctx: WebCtx, sub_id: int, collection: MappingCollection) -> dict[str, Any]:
    if collection.direction.value == "from_hub":
        body = ctx.conn.execute(
            sa.select(hub_records.c.body)
            .where(
                hub_records.c.company_id == ctx.principal.company_id,
                hub_records.c.data_type == collection.data_type,
            )
            .order_by(hub_records.c.id.desc())
            .limit(1)
        ).scalar()
    else:
        q = queue_items
        body = ctx.conn.execute(
            sa.select(q.c.payload)
            .where(
                q.c.subscription_id == sub_id,
                q.c.data_type == collection.data_type,
                q.c.direction == "to_hub",
                q.c.payload.is_not(None),
            )
            .order_by(q.c.id.desc())
            .limit(1)
        ).scalar()
    return dict(body) if isinstance(body, dict) else {}


@router.get("/{sub_id}/mappings/{collection_id}")
def editor(ctx: Web, sub_id: int, collection_id: int) -> Response:
    """Edit one collection with a live preview."""
    owner = _owner(ctx, sub_id)
    stored = MappingRepository(ctx.conn).collection(owner, collection_id)
    sample = _sample(ctx, sub_id, stored.collection)
    return ctx.render(
        "mapping_editor.html",
        sub=ctx.subscription(sub_id),
        stored=stored,
        c=stored.collection,
        types=TYPES,
        tables=sorted(_lookups(ctx, owner)),
        sample=json.dumps(sample, indent=2, ensure_ascii=False),
    )


def _row(raw: dict[str, Any]) -> dict[str, Any]:
    kind = str(raw.get("type") or "field")
    row: dict[str, Any] = {"target": str(raw.get("target") or "").strip(), "type": kind}
    for key in ("source", "expression", "table"):
        value = str(raw.get(key) or "").strip()
        if value:
            row[key] = value
    if kind == "static":
        text = str(raw.get("value") or "")
        try:
            row["value"] = json.loads(text) if text.strip() else None
        except ValueError:
            row["value"] = text
    return row


def _build(
    base: MappingCollection, rows: list[dict[str, Any]], mapping_filter: str | None
) -> tuple[MappingCollection, list[dict[str, Any]], list[int]]:
    """The edited collection, per-row definition errors (rows with errors are left out), and
    the editor row of each field mapping kept."""
    good: list[FieldMapping] = []
    errors: list[dict[str, Any]] = []
    rows_of_good: list[int] = []
    for i, raw in enumerate(rows[:MAX_ROWS]):
        row = _row(raw)
        try:
            good.append(FieldMapping.model_validate(row))
            rows_of_good.append(i)
        except pydantic.ValidationError as exc:
            message = exc.errors()[0]["msg"].removeprefix("Value error, ")
            errors.append({"row": i, "field": row["target"], "message": message})
    data = base.model_dump(mode="json")
    data["field_mappings"] = [fm.model_dump(mode="json", exclude_unset=True) for fm in good]
    data["mapping_filter"] = (mapping_filter or "").strip() or None
    return MappingCollection.model_validate(data), errors, rows_of_good


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
    collection, row_errors, rows_of_good = _build(
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


def _rows_from_form(form: Any) -> list[dict[str, Any]]:
    rows: dict[int, dict[str, Any]] = {}
    for key, value in form.items():
        parts = key.split(".")
        if len(parts) == 3 and parts[0] == "fm" and parts[1].isdigit():
            rows.setdefault(int(parts[1]), {})[parts[2]] = value
    return [rows[i] for i in sorted(rows)]


@router.post("/{sub_id}/mappings/{collection_id}")
async def save(ctx: Web, sub_id: int, collection_id: int, request: Request) -> Response:
    """Save the field mappings (rows with definition errors are refused, naming the row)."""
    owner = _owner(ctx, sub_id)
    repo = MappingRepository(ctx.conn)
    stored = repo.collection(owner, collection_id)
    form = await request.form()
    collection, errors, _ = _build(
        stored.collection, _rows_from_form(form), str(form.get("mapping_filter") or "")
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
    parsed: dict[str, Any] = {}
    for n, line in enumerate(entries.splitlines(), 1):
        if not line.strip():
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            raise ValidationError(f"line {n}: write 'from = to'", field="entries")
        parsed[key.strip()] = value.strip()
    repo.replace_lookup(owner, lookup_id, table.model_copy(update={"entries": parsed}))
    ctx.api_ctx.audit("lookup.update", "lookup_table", lookup_id, {"entries": len(parsed)})
    ctx.api_ctx.commit()
    return redirect(
        f"{WEB_PREFIX}/subscriptions/{sub_id}/mappings", f"Lookup table {table.name} saved"
    )
