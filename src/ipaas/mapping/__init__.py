"""Template mapping: collections of field mappings between external systems and the hub.

Pure code: the standard library, pydantic, jsonata and (for YAML) pyyaml only.
"""

from ipaas.mapping.cloning import clone, reverse_clone
from ipaas.mapping.collision import CollisionAction, CollisionDecision, decide_collision
from ipaas.mapping.compiler import CompiledCollection, collection_key, compile_collection
from ipaas.mapping.context import InMemoryLinkResolver, LinkResolver, MappingContext
from ipaas.mapping.errors import (
    FormulaError,
    FormulaLimitError,
    MappingDefinitionError,
    MissingPrerequisite,
)
from ipaas.mapping.formulas import Formula
from ipaas.mapping.merge import merge_onto
from ipaas.mapping.model import (
    CollisionMethod,
    FieldMapping,
    FieldMappingType,
    LookupMissing,
    LookupTable,
    MappingCollection,
    SyncType,
    field_mapping,
)
from ipaas.mapping.paths import MISSING
from ipaas.mapping.preview import Preview, preview
from ipaas.mapping.result import FieldError, MappingResult
from ipaas.mapping.sandbox import DEFAULT_LIMITS, FormulaLimits
from ipaas.mapping.yaml_io import dump_collections, load_collections

__all__ = [
    "DEFAULT_LIMITS",
    "MISSING",
    "CollisionAction",
    "CollisionDecision",
    "CollisionMethod",
    "CompiledCollection",
    "FieldError",
    "FieldMapping",
    "FieldMappingType",
    "Formula",
    "FormulaError",
    "FormulaLimitError",
    "FormulaLimits",
    "InMemoryLinkResolver",
    "LinkResolver",
    "LookupMissing",
    "LookupTable",
    "MappingCollection",
    "MappingContext",
    "MappingDefinitionError",
    "MappingResult",
    "MissingPrerequisite",
    "Preview",
    "SyncType",
    "clone",
    "collection_key",
    "compile_collection",
    "decide_collision",
    "dump_collections",
    "field_mapping",
    "load_collections",
    "merge_onto",
    "preview",
    "reverse_clone",
]
