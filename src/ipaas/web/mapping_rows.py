"""The mapping editor's rows: which inputs each field-mapping type shows, and turning the
edited rows back into a ``MappingCollection`` (rows with definition errors are reported, not
kept)."""

from __future__ import annotations

import json
from typing import Any

import pydantic

from ipaas.mapping import FieldMapping, FieldMappingType, MappingCollection

MAX_ROWS = 300

#: The inputs each type shows (and the only ones read back); ``default`` is offered for
#: every type that reads the source, since it fills the target when the source is missing.
INPUTS: dict[str, tuple[str, ...]] = {
    FieldMappingType.FIELD.value: ("source", "default"),
    FieldMappingType.FORMULA.value: ("expression", "default"),
    FieldMappingType.STATIC.value: ("value",),
    FieldMappingType.LOOKUP.value: ("source", "table", "default"),
    FieldMappingType.PARENT_ONLY.value: ("source", "default"),
}
_SOURCE_OR_EXPRESSION = (FieldMappingType.LOOKUP.value, FieldMappingType.PARENT_ONLY.value)
TYPE_LABELS: dict[str, str] = {
    FieldMappingType.FIELD.value: "Field (copy)",
    FieldMappingType.FORMULA.value: "Formula",
    FieldMappingType.STATIC.value: "Static value",
    FieldMappingType.LOOKUP.value: "Lookup",
    FieldMappingType.PARENT_ONLY.value: "Parent only",
}


def types_showing(name: str) -> str:
    """The types (space separated) whose rows show input ``name``, for ``data-types``."""
    return " ".join(kind for kind, inputs in INPUTS.items() if name in inputs)


def _json_or_text(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def row(raw: dict[str, Any]) -> dict[str, Any]:
    """One editor row as field-mapping data: only the inputs its type shows are read, so a
    value left in a hidden input never leaks into the saved mapping."""
    kind = str(raw.get("type") or "field")
    data: dict[str, Any] = {"target": str(raw.get("target") or "").strip(), "type": kind}
    for key in INPUTS.get(kind, ("source",)):
        text = str(raw.get(key) or "")
        if key == "value":
            data["value"] = _json_or_text(text) if text.strip() else None
        elif key == "default":
            if text.strip():  # an empty default means "no default" (leave the field unmapped)
                data["default"] = _json_or_text(text)
        elif text.strip():
            data[key] = text.strip()
    expression = str(raw.get("expression") or "").strip()
    if kind in _SOURCE_OR_EXPRESSION and "source" not in data and expression:
        # a lookup or parent_only defined with an expression (through the API or a formula
        # row switched to lookup) keeps it: the editor shows the source only
        data["expression"] = expression
    return data


def build(
    base: MappingCollection, rows: list[dict[str, Any]], mapping_filter: str | None
) -> tuple[MappingCollection, list[dict[str, Any]], list[int]]:
    """The edited collection, per-row definition errors (rows with errors are left out), and
    the editor row of each field mapping kept."""
    good: list[FieldMapping] = []
    errors: list[dict[str, Any]] = []
    rows_of_good: list[int] = []
    for i, raw in enumerate(rows[:MAX_ROWS]):
        data = row(raw)
        try:
            good.append(FieldMapping.model_validate(data))
            rows_of_good.append(i)
        except pydantic.ValidationError as exc:
            message = exc.errors()[0]["msg"].removeprefix("Value error, ")
            errors.append({"row": i, "field": data["target"], "message": message})
    collection = base.model_dump(mode="json")
    collection["field_mappings"] = [fm.model_dump(mode="json", exclude_unset=True) for fm in good]
    collection["mapping_filter"] = (mapping_filter or "").strip() or None
    return MappingCollection.model_validate(collection), errors, rows_of_good


def rows_from_form(form: Any) -> list[dict[str, Any]]:
    """Editor rows from form fields named ``fm.<row>.<input>``, in row order."""
    rows: dict[int, dict[str, Any]] = {}
    for key, value in form.items():
        parts = key.split(".")
        if len(parts) == 3 and parts[0] == "fm" and parts[1].isdigit():
            rows.setdefault(int(parts[1]), {})[parts[2]] = value
    return [rows[i] for i in sorted(rows)]
