"""Integration definitions (the YAML an integrator writes) and building connectors from them.

``load_integration_definition(path)`` reads and validates a definition; errors name the
field (``config.data_types.product.read.path``). ``build_connector(definition, settings,
recorder=...)`` makes the connector one subscription uses, with a recording client that
knows the subscription's secret values.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any, Literal, cast

import httpx
import pydantic
import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ipaas.connectors.base import Capability, Connector, SettingField, SettingType, Throttle
from ipaas.connectors.http import RecordingHttpClient
from ipaas.connectors.recorder import ApiCallSink
from ipaas.connectors.registry import ConnectorRegistry, default_registry
from ipaas.domain import DATA_TYPES, Direction
from ipaas.errors import ConfigurationError, ValidationError

_PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SettingSpec(_Model):
    """One preset field of the integration; ``password`` and ``encrypted`` are secret."""

    name: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
    type: SettingType = "string"
    required: bool = False
    default: Any = None
    choices: list[str] = Field(default_factory=list)
    description: str = ""
    sort_order: int = 0

    def to_field(self) -> SettingField:
        return SettingField(
            name=self.name,
            type=self.type,
            required=self.required,
            default=self.default,
            choices=tuple(self.choices),
            description=self.description,
            sort_order=self.sort_order,
        )


class DataTypeSpec(_Model):
    """A data type the integration handles and in which directions."""

    data_type: str
    directions: list[Direction] = Field(min_length=1)
    description: str = ""

    @field_validator("data_type")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in DATA_TYPES:
            raise ValueError(f"unknown data type {value!r}; known: {', '.join(sorted(DATA_TYPES))}")
        return value


class ThrottleSpec(_Model):
    rate: float | None = Field(None, gt=0)
    period: Literal["second", "minute"] = "second"
    concurrency: int | None = Field(None, ge=1)


class IntegrationDefinition(_Model):
    """A kind of external system: its connector and config, settings, data types, mappings."""

    key: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,99}$")
    name: str = Field(min_length=1, max_length=200)
    version: str = "1.0.0"
    description: str = ""
    connector: str = Field(min_length=1)
    config: dict[str, Any] = Field(default_factory=dict)
    settings: list[SettingSpec] = Field(default_factory=list)
    data_types: list[DataTypeSpec] = Field(default_factory=list)
    throttle: ThrottleSpec | None = None
    #: Mapping collections in the YAML form of ``ipaas.mapping`` (validated there).
    mappings: list[dict[str, Any]] = Field(default_factory=list)
    #: Lookup tables the mapping templates use (``ipaas.mapping.LookupTable`` form).
    lookup_tables: list[dict[str, Any]] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique(self) -> IntegrationDefinition:
        names = [s.name for s in self.settings]
        doubles = sorted({n for n in names if names.count(n) > 1})
        if doubles:
            raise ValueError(f"settings named more than once: {', '.join(doubles)}")
        types = [d.data_type for d in self.data_types]
        doubles = sorted({t for t in types if types.count(t) > 1})
        if doubles:
            raise ValueError(f"data types listed more than once: {', '.join(doubles)}")
        return self

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], *, registry: ConnectorRegistry | None = None
    ) -> IntegrationDefinition:
        """Validate ``data``; also the connector's config when the connector declares a model."""
        try:
            definition = cls.model_validate(dict(data))
        except pydantic.ValidationError as exc:
            raise _field_error(exc, "") from None
        definition.validate_config(registry or default_registry())
        return definition

    def validate_config(self, registry: ConnectorRegistry) -> None:
        """Check ``config`` against the connector's model and the declared settings."""
        cls = registry.get(self.connector)
        declared = {s.name for s in self.settings}
        for where, name in _placeholders(self.config, "config"):
            if name not in declared:
                raise ValidationError(
                    f"{where} uses ${{{name}}} but no setting {name!r} is declared", field=where
                )
        if cls.config_model is not None:
            try:
                cls.config_model.model_validate(self.config)
            except pydantic.ValidationError as exc:
                raise _field_error(exc, "config.") from None

    def setting_fields(self) -> tuple[SettingField, ...]:
        """The settings as the connector interface describes them."""
        return tuple(s.to_field() for s in self.settings)

    def secret_settings(self) -> frozenset[str]:
        """Names of the secret settings."""
        return frozenset(s.name for s in self.settings if s.to_field().secret)

    def capabilities(self) -> tuple[Capability, ...]:
        """The data types and directions, as the connector interface describes them."""
        return tuple(Capability(d.data_type, frozenset(d.directions)) for d in self.data_types)

    def default_throttle(self) -> Throttle | None:
        if self.throttle is None:
            return None
        return Throttle(self.throttle.rate, self.throttle.period, self.throttle.concurrency)

    def resolve_settings(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """``values`` with defaults filled in; ``ConfigurationError`` for a missing required one."""
        resolved = dict(values)
        for spec in self.settings:
            if resolved.get(spec.name) in (None, "") and spec.default is not None:
                resolved[spec.name] = spec.default
            if spec.required and resolved.get(spec.name) in (None, ""):
                raise ConfigurationError(f"the setting {spec.name!r} is required", field=spec.name)
            if spec.choices and resolved.get(spec.name) not in (None, *spec.choices):
                raise ConfigurationError(
                    f"the setting {spec.name!r} must be one of {', '.join(spec.choices)}",
                    field=spec.name,
                )
        return resolved


def load_integration_definition(
    path: str | Path, *, registry: ConnectorRegistry | None = None
) -> IntegrationDefinition:
    """Read and validate an integration definition YAML file; errors name the field."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ValidationError(f"{Path(path).name} is not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ValidationError(f"{Path(path).name} must hold a mapping at the top")
    return IntegrationDefinition.from_dict(data, registry=registry)


def build_connector(
    definition: IntegrationDefinition,
    settings: Mapping[str, Any],
    *,
    recorder: ApiCallSink,
    subscription_id: int | None = None,
    registry: ConnectorRegistry | None = None,
    webhook_registration: Mapping[str, Any] | None = None,
    timeout: httpx.Timeout | float | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    extra_secrets: Collection[str] = (),
) -> Connector:
    """The connector for one subscription: settings resolved, a recording client attached.

    ``settings`` are the subscription's preset values with secrets decrypted; their secret
    values are masked in every api-call row. The connector owns the client: ``await
    connector.close()`` when done.
    """
    cls = (registry or default_registry()).get(definition.connector)
    values = definition.resolve_settings(settings)
    secrets = [str(values[n]) for n in definition.secret_settings() if values.get(n)]
    http = RecordingHttpClient(
        recorder,
        subscription_id=subscription_id,
        secrets=[*secrets, *extra_secrets],
        timeout=timeout,
        transport=transport,
    )
    kwargs: dict[str, Any] = {}
    accepted = inspect.signature(cls.__init__).parameters
    if cls.config_model is not None:
        kwargs["config"] = definition.config
    if webhook_registration is not None and "webhook_registration" in accepted:
        kwargs["webhook_registration"] = webhook_registration
    factory = cast(Any, cls)
    return cast(Connector, factory(values, http, **kwargs))


def _placeholders(value: Any, where: str) -> list[tuple[str, str]]:
    if isinstance(value, str):
        return [(where, m.group(1)) for m in _PLACEHOLDER.finditer(value)]
    if isinstance(value, Mapping):
        return [p for k, v in value.items() for p in _placeholders(v, f"{where}.{k}")]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _placeholders(v, f"{where}.{i}")]
    return []


def _field_error(exc: pydantic.ValidationError, prefix: str) -> ValidationError:
    problems = []
    for error in exc.errors()[:5]:
        # Discriminated unions add the tag to the location; it helps nobody reading it.
        loc = ".".join(str(p) for p in error["loc"] if not str(p).endswith("Config"))
        problems.append((prefix + loc if loc else prefix.rstrip("."), error["msg"]))
    text = "; ".join(f"{f or '(definition)'}: {m}" for f, m in problems)
    return ValidationError(text, field=problems[0][0] or None)
