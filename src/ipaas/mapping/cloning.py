"""Clone and reverse clone: new collections made from existing ones."""

from __future__ import annotations

from ipaas.domain import Direction
from ipaas.mapping.model import FieldMapping, FieldMappingType, MappingCollection


def clone(collection: MappingCollection, *, name: str | None = None) -> MappingCollection:
    """A deep copy without an id (so it is stored as a new collection), optionally renamed.

    Used to copy an integration's template into a subscription, where it is customised.
    """
    copied = collection.model_copy(deep=True)
    return copied.model_copy(update={"id": None, "name": name or collection.name})


def reverse_clone(collection: MappingCollection, *, name: str | None = None) -> MappingCollection:
    """The collection for the opposite direction, built from this one's ``field`` mappings.

    ``field`` mappings swap ``source`` and ``target`` (their defaults are dropped: a default
    describes the other side's missing value). ``static``, ``formula``, ``lookup`` and
    ``parent_only`` mappings cannot be inverted in general and are dropped, as are the
    filters (they test the other side's fields); review the result and add what is needed.
    Children are reversed too, their ``source_path`` and ``target_path`` swapped.
    """
    direction = Direction.FROM_HUB if collection.direction is Direction.TO_HUB else Direction.TO_HUB
    mappings = [
        FieldMapping(target=m.source, type=FieldMappingType.FIELD, source=m.target)
        for m in collection.field_mappings
        if m.type is FieldMappingType.FIELD and m.source
    ]
    children = [reverse_clone(child) for child in collection.children]
    output_path = collection.output_path
    return MappingCollection(
        data_type=collection.data_type,
        direction=direction,
        name=name or f"{collection.name} (reversed)",
        sync_type=collection.sync_type,
        collision_method=collection.collision_method,
        sort_order=collection.sort_order,
        source_path=output_path,
        target_path=collection.source_path if collection.target_path else None,
        field_mappings=mappings,
        children=children,
    )
