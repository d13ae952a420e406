"""Preview: map one sample record and show the result, errors and timing, never raising."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from ipaas.mapping.compiler import compile_collection
from ipaas.mapping.context import MappingContext
from ipaas.mapping.errors import MappingDefinitionError, MissingPrerequisite
from ipaas.mapping.model import LookupTable, MappingCollection
from ipaas.mapping.result import FieldError


@dataclass(slots=True)
class Preview:
    """What a collection makes of ``sample``; ``microseconds`` is the apply time."""

    output: dict[str, Any] = field(default_factory=dict)
    errors: list[FieldError] = field(default_factory=list)
    skipped: str | None = None
    failed: str | None = None
    microseconds: float = 0.0
    compile_microseconds: float = 0.0

    @property
    def ok(self) -> bool:
        """True when the record would be written."""
        return not self.errors and self.skipped is None and self.failed is None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form for the dashboard and the API."""
        return {
            "ok": self.ok,
            "output": self.output,
            "errors": [asdict(error) for error in self.errors],
            "skipped": self.skipped,
            "failed": self.failed,
            "microseconds": round(self.microseconds, 1),
            "compile_microseconds": round(self.compile_microseconds, 1),
        }


def preview(
    collection: MappingCollection,
    sample: dict[str, Any],
    lookup_tables: Mapping[str, LookupTable] | None = None,
    context: MappingContext | None = None,
) -> Preview:
    """Map ``sample`` with ``collection``; definition problems come back as errors."""
    started = time.perf_counter()
    try:
        compiled = compile_collection(collection, lookup_tables or {})
    except MappingDefinitionError as exc:
        problem = FieldError(
            field=exc.field or "(collection)",
            mapping_type="definition",
            input=None,
            message=exc.message,
        )
        return Preview(errors=[problem])
    compiled_at = time.perf_counter()
    try:
        result = compiled.apply(sample, context or MappingContext())
    except MissingPrerequisite as exc:
        return Preview(
            failed=f"needs {exc.data_type} {exc.hub_id} sent first: {exc.message}",
            compile_microseconds=(compiled_at - started) * 1e6,
        )
    finished = time.perf_counter()
    return Preview(
        output=result.output,
        errors=result.errors,
        skipped=result.skipped,
        failed=result.failed,
        microseconds=(finished - compiled_at) * 1e6,
        compile_microseconds=(compiled_at - started) * 1e6,
    )
