"""Formulas: our functions, variables, the fast path against the engine, hostile input."""

from __future__ import annotations

from typing import Any

import pytest

from ipaas.mapping import (
    MISSING,
    Formula,
    FormulaError,
    FormulaLimitError,
    InMemoryLinkResolver,
    LookupTable,
    MappingContext,
)
from ipaas.mapping.fastpath import Deopt, run_fast
from ipaas.mapping.formulas import _plain
from ipaas.mapping.functions import FormulaFunctions, current_context
from ipaas.mapping.lookups import CompiledLookup

TABLES = {
    "status": CompiledLookup.build(
        LookupTable(name="status", entries={"Paid": "confirmed"}, case_sensitive=False)
    ),
    "with_default": CompiledLookup.build(
        LookupTable(name="with_default", entries={"a": "A"}, default="fallback")
    ),
}
FUNCTIONS = FormulaFunctions(TABLES).all()
SOURCE: dict[str, Any] = {
    "name": "Mug",
    "sku": "m-1",
    "price": 2.5,
    "qty": 4,
    "empty": "",
    "nothing": None,
    "state": "PAID",
    "when": "31.01.2026 14:05",
    "iso": "2026-01-31T13:05:00+00:00",
    "custom_fields": {"color": "blue"},
    "addresses": [{"type": "shipping", "city": "Delft"}, {"type": "billing", "city": "Utrecht"}],
    "nested": {"deep": {"value": 7}},
}
VARIABLES: dict[str, Any] = {
    "preset": {"currency": "eur", "rate": 1.21},
    "hub": {"id": "h-1"},
    "parent": {"number": "SO-1"},
    "system": {"name": "erp", "id": "9"},
}


def evaluate(text: str, source: Any = None, variables: dict[str, Any] | None = None) -> Any:
    resolver = InMemoryLinkResolver({("customer", "h-1"): "c-77"})
    token = current_context.set(MappingContext(resolver=resolver))
    try:
        return Formula(text, FUNCTIONS).evaluate(
            SOURCE if source is None else source, VARIABLES if variables is None else variables
        )
    finally:
        current_context.reset(token)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('$lookup("status", state)', "confirmed"),
        ('$lookup("status", "unknown", "dflt")', "dflt"),
        ('$lookup("with_default", "zzz")', "fallback"),
        ('$lookup("with_default", "a")', "A"),
        ('$externalId("customer", $hub.id)', "c-77"),
        ('$externalId("customer", "unknown")', MISSING),
        ('$hubId("customer", "c-77")', "h-1"),
        ('$customField("color")', "blue"),
        ('$customField("size")', MISSING),
        ('$firstMatch(addresses, function($a){ $a.type = "billing" }).city', "Utrecht"),
        ('$firstMatch(addresses, {"type": "shipping"}).city', "Delft"),
        ("$coalesce(missing, nothing, empty, name)", "Mug"),
        ("$coalesce(missing, nothing)", MISSING),
        ("$truncate(name, 2)", "Mu"),
        ("$truncate(qty, 10)", "4"),
        ('$parseDate(when, "%d.%m.%Y %H:%M", "Europe/Amsterdam")', "2026-01-31T14:05:00+01:00"),
        ('$parseDate("2026-07-01T10:00:00")', "2026-07-01T10:00:00+00:00"),
        ('$formatDate(iso, "%d/%m/%Y %H:%M", "Europe/Amsterdam")', "31/01/2026 14:05"),
        ('$convertTimezone(iso, "America/New_York")', "2026-01-31T08:05:00-05:00"),
        ("$preset.currency", "eur"),
        ("$parent.number", "SO-1"),
        ("$system.name", "erp"),
        ("nested.deep.value * 2", 14),
        ("nothing", None),
        ("missing", MISSING),
    ],
)
def test_functions_and_variables(text: str, expected: Any) -> None:
    assert evaluate(text) == expected


def test_custom_field_reads_name_value_lists() -> None:
    source = {"custom_fields": [{"name": "size", "value": "L"}, {"key": "fit", "value": "slim"}]}
    assert evaluate('$customField("size")', source) == "L"
    assert evaluate('$customField("fit")', source) == "slim"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('$lookup("nope", state)', "unknown lookup table 'nope'"),
        ('$parseDate(when, "%Y-%m-%d")', "does not match format"),
        ('$convertTimezone(iso, "Mars/Base")', "unknown time zone"),
        ("$truncate(name, -1)", "length must be a number"),
        ("$firstMatch(addresses, 3)", "predicate must be a function or an object"),
        ("name + 1", "left side of the \\+ operator must evaluate to a number"),
        ("$uppercase(", "cannot parse formula"),
    ],
)
def test_errors_are_clear(text: str, problem: str) -> None:
    with pytest.raises(FormulaError, match=problem):
        evaluate(text)


def test_functions_needing_links_require_a_context() -> None:
    formula = Formula('$externalId("customer", "h-1")', FUNCTIONS)
    with pytest.raises(FormulaError, match="needs a mapping context"):
        formula.evaluate({}, VARIABLES)


# Formulas the fast path takes, compared against the engine on several inputs.
EQUIVALENCE = [
    "name",
    "nested.deep.value",
    "nested.deep",
    "missing.path",
    "nothing",
    "$preset.currency",
    "$hub",
    "price * qty",
    "price / 0.5 + 1",
    "qty % 3",
    "-price",
    'name & " x " & qty & " " & price & " " & nothing & missing',
    "price > 2 and qty < 10",
    "price > 20 or empty",
    'qty = 4 ? "four" : "other"',
    'qty = 5 ? "five"',
    'name != "Mug"',
    "$uppercase(name)",
    "$lowercase(sku)",
    '$trim("  a   b ")',
    "$string(price)",
    '$number("12.5")',
    "$round(price * 1.21, 2)",
    "$floor(price)",
    "$abs(-price)",
    "$exists(missing)",
    "$boolean(empty)",
    "$not(nothing)",
    "$substring(name, 1, 1)",
    '$contains(name, "u")',
    "$length(name)",
    '$lookup("status", state)',
    "$truncate(name, 2)",
    "(price * 2)",
    "addresses.city",
    "price & qty",
    "nothing + 1",
    "name * 2",
]
INPUTS: list[Any] = [
    SOURCE,
    {},
    {"name": None, "price": None, "qty": None},
    {"name": 5, "price": "3", "qty": True, "nested": {"deep": [1, 2]}},
    {"nested": {"deep": {"value": None}}, "state": "paid", "sku": "X"},
]


@pytest.mark.parametrize("text", EQUIVALENCE)
def test_fast_path_matches_the_engine(text: str) -> None:
    formula = Formula(text, FUNCTIONS)
    if text not in ("addresses.city",):
        assert formula.is_fast, text
    for source in INPUTS:
        try:
            engine: Any = ("value", _plain(formula.expression.run(source, VARIABLES)))
        except FormulaError as exc:
            engine = ("error", exc.message)
        if formula.fast is None:
            continue
        try:
            fast: Any = ("value", _plain(run_fast(formula.fast, source, VARIABLES)))
        except Deopt:
            continue  # the engine decides; nothing to compare
        assert fast == engine, (text, source)
        assert evaluate(text, source) == engine[1]


def test_unsupported_shapes_fall_back_to_the_engine() -> None:
    assert not Formula("$map([1, 2], function($v){ $v * 2 })", FUNCTIONS).is_fast
    assert evaluate("$map([1, 2], function($v){ $v * 2 })") == [2, 4]
    assert evaluate('addresses[type = "billing"].city') == "Utrecht"


# Hostile formulas: each must end with a clear FormulaError, not hang or exhaust memory.
HOSTILE = [
    ("($f := function($n){ $f($n + 1) }; $f(0))", "ran longer than"),
    ("($f := function($n){ 1 + $f($n + 1) }; $f(0))", "deeper than"),
    ("[1..100000000]", "has more than"),
    ("$sum([1..10000000])", "has more than"),
    ('$pad("x", 1000000000)', "pad width"),
    ('$reduce([1..64], function($a, $b){ $a & $a }, "xx")', "string longer than"),
    ("$reduce([1..64], function($a, $b){ [$a, $a] }, [1])", "ran longer than|more than"),
    ('$reduce([1..64], function($a, $b){ {"l": $a, "r": $a} }, 1) & ""', "longer than"),
    ('$string($reduce([1..64], function($a, $b){ {"l": $a, "r": $a} }, 1))', "more than"),
    ('$reduce([1..30], function($a, $b){ $append($a, $a) }, ["x"])', "longer than 100000"),
    ('$replace($pad("", 900000, "a"), "a", "aaaaaaaaaa")', "could exceed"),
    ('$match("aaaaaaaaaaaaaaaaaaaaaaaaaaaaa!", /(a+)+$/)', "nests quantifiers"),
    ('$eval("1 + 1")', "not allowed"),
    ("[1..99999].[1..99999]", "ran longer than"),
]


@pytest.mark.parametrize(("text", "problem"), HOSTILE)
def test_hostile_formulas_end_with_a_clear_error(text: str, problem: str) -> None:
    with pytest.raises(FormulaError, match=problem):
        evaluate(text, {})


def test_limit_errors_are_their_own_kind() -> None:
    with pytest.raises(FormulaLimitError):
        evaluate("[1..100000000]", {})


def test_formulas_cannot_reach_python_objects() -> None:
    # Paths only walk JSON objects: attributes of functions or values are not reachable.
    assert evaluate("$lookup.__class__", {}) is MISSING
    assert evaluate("name.__class__.__name__") is MISSING
    assert evaluate("$string($lookup)", {}) in ("", MISSING)
