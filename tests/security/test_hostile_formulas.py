"""Formulas that try to leave the JSONata sandbox or exhaust the hub."""

from __future__ import annotations

import pytest

from ipaas.mapping import MappingCollection, MappingContext, compile_collection

HOSTILE = [
    '$eval("1+1")',
    "__import__('os').system('id')",
    "$import('os')",
    "$string($).__class__",
    "$reduce([1..10000000], function($a, $b) { $a + $b })",
    "(function($f) { $f($f) })(function($f) { $f($f) })",
    '$pad("x", 100000000)',
    '$match("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!", /(a+)+$/)',
]


@pytest.mark.parametrize("formula", HOSTILE)
def test_hostile_formula_is_refused_or_bounded(formula: str) -> None:
    """Guarantee: a formula cannot reach Python (imports, eval, attributes) and cannot
    run away with CPU or memory: it is refused when the collection is compiled, or it
    ends as a mapping error on the field; it never yields a value from outside the
    record and never raises anything but the mapping engine's own errors."""
    collection = MappingCollection.model_validate(
        {
            "data_type": "product",
            "direction": "to_hub",
            "name": "hostile",
            "field_mappings": [
                {"target": "sku", "type": "field", "source": "sku"},
                {"target": "name", "type": "formula", "expression": formula},
            ],
        }
    )
    from ipaas.errors import IpaasError

    try:
        compiled = compile_collection(collection, {})
    except IpaasError:
        return  # refused up front
    result = compiled.apply({"sku": "A-1"}, MappingContext())
    name = result.output.get("name") if result.ok else None
    assert not result.ok or name is None or "uid=" not in str(name)
    if not result.ok:
        assert any(e.field == "name" for e in result.errors)
