"""Mapping-specific errors, each derived from the shared tree in ``ipaas.errors``."""

from __future__ import annotations

from ipaas.errors import ConfigurationError, IpaasError, MappingError


class FormulaError(MappingError):
    """A formula failed to compile or to run; ``field`` names the target field."""

    code = "VALD_FORMULA"


class FormulaLimitError(FormulaError):
    """A formula went past a safety bound (time, depth, size) and was stopped."""

    code = "VALD_FORMULA_LIMIT"


class MappingDefinitionError(ConfigurationError):
    """A mapping collection or lookup table is not well formed; ``field`` says where."""

    code = "VALD_MAPPING_DEFINITION"

    def __init__(self, message: str, *, field: str | None = None, line: int | None = None) -> None:
        self.line = line
        where = f" (line {line})" if line is not None else ""
        super().__init__(f"{message}{where}", field=field)


class MissingPrerequisite(IpaasError):
    """A linked record is not yet in the target system: send it first, then retry.

    Raised by a ``LinkResolver`` and let through ``apply`` untouched, so the transfer engine
    can send ``data_type``/``hub_id`` before the record that refers to it.
    """

    code = "BIZL_MISSING_PREREQUISITE"

    def __init__(self, data_type: str, hub_id: str, message: str | None = None) -> None:
        self.data_type = data_type
        self.hub_id = hub_id
        super().__init__(
            message or f"{data_type} {hub_id} has no external id in the target system yet"
        )
