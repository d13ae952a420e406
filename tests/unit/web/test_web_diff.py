"""Field-by-field differences between record versions (``ipaas.web.diff``)."""

from __future__ import annotations

from ipaas.web.diff import FieldChange, diff


def test_a_first_version_is_all_additions() -> None:
    assert diff(None, {"sku": "A", "price": 1}) == [
        FieldChange("price", None, 1, "added"),
        FieldChange("sku", None, "A", "added"),
    ]


def test_added_removed_and_changed_fields_in_path_order() -> None:
    before = {"sku": "A", "name": "Tent", "price": "10"}
    after = {"sku": "A", "name": "Ridge tent", "weight": 2}
    assert diff(before, after) == [
        FieldChange("name", "Tent", "Ridge tent", "changed"),
        FieldChange("price", "10", None, "removed"),
        FieldChange("weight", None, 2, "added"),
    ]


def test_nested_objects_use_dotted_paths_and_lists_of_objects_use_indexes() -> None:
    before = {"address": {"city": "Oslo", "zip": "0150"}, "lines": [{"qty": 1}, {"qty": 2}]}
    after = {"address": {"city": "Bergen", "zip": "0150"}, "lines": [{"qty": 1}, {"qty": 3}]}
    assert diff(before, after) == [
        FieldChange("address.city", "Oslo", "Bergen", "changed"),
        FieldChange("lines[1].qty", 2, 3, "changed"),
    ]


def test_lists_of_plain_values_compare_as_one_value() -> None:
    assert diff({"tags": ["a", "b"]}, {"tags": ["b", "a"]}) == [
        FieldChange("tags", ["a", "b"], ["b", "a"], "changed")
    ]
    assert diff({"tags": []}, {"tags": []}) == []


def test_an_emptied_object_is_reported_not_lost() -> None:
    changes = diff({"custom_fields": {"colour": "red"}}, {"custom_fields": {}})
    assert FieldChange("custom_fields.colour", "red", None, "removed") in changes
    assert FieldChange("custom_fields", None, {}, "added") in changes


def test_identical_versions_have_no_changes() -> None:
    record = {"sku": "A", "address": {"city": "Oslo"}, "lines": [{"qty": 1}]}
    assert diff(record, dict(record)) == []
