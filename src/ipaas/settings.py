"""One settings object, read from ``IPAAS_*`` environment variables and ``ipaas.toml``."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

DEFAULT_DATA_DIR = Path("var")


class Settings(BaseSettings):
    """Everything ipaas can be configured with. Environment wins over ``ipaas.toml``."""

    model_config = SettingsConfigDict(env_prefix="IPAAS_", extra="ignore")

    data_dir: Path = DEFAULT_DATA_DIR
    database_url: str = ""
    public_url: str = "http://127.0.0.1:8000"
    host: str = "127.0.0.1"
    port: int = 8000
    secret_key: str | None = Field(default=None, repr=False)
    workers: int = Field(default=4, ge=0, description="in-process worker tasks for `serve`")
    log_level: str = "info"
    done_retention_hours: float = 72.0
    log_retention_days: float = 30.0
    max_request_bytes: int = 1_000_000
    debug_sql: bool = False
    retry_max_attempts: int = Field(default=8, ge=1, description="attempts per queue item")
    retry_base_delay: float = Field(default=1.0, gt=0, description="seconds before retry 2")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_file = Path(os.environ.get("IPAAS_CONFIG", "ipaas.toml"))
        return (
            init_settings,
            env_settings,
            TomlConfigSettingsSource(settings_cls, toml_file=toml_file),
        )

    @property
    def resolved_database_url(self) -> str:
        """The database URL; an SQLite file in ``data_dir`` unless one is configured."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'ipaas.db').as_posix()}"

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")
