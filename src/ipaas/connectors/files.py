"""The ``files`` connector: CSV or JSON Lines files in a folder.

Import: ``poll`` reads new files in ``inbox/`` matching the data type's pattern, one page
per file, and afterwards moves each to ``inbox/processed/`` (or remembers it in
``.ipaas-read.json`` when ``after_read: mark``). A crash between handing a page over and
moving its file re-reads the file: at least once, as everywhere in the hub.

Export: ``create``/``update``/``delete`` append a line to ``outbox/<data type>.<ext>``
(a delete writes the id with ``_deleted`` set); ``read`` finds a record's latest line.
Each file operation is recorded as an api call (``LIST``, ``READ``, ``WRITE``, ``MOVE``).
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import uuid
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from ipaas.connectors.base import Connector, ExternalRecord, PollPage, SettingField, WriteResult
from ipaas.connectors.paths import resolve_settings
from ipaas.errors import ConfigurationError, NotFoundError, ValidationError

DELETED = "_deleted"
_READ_STATE = ".ipaas-read.json"


class FileTypeConfig(BaseModel):
    """The files of one data type."""

    model_config = ConfigDict(extra="forbid")

    pattern: str = Field("", description="glob of import files; default <data type>*.<ext>")
    id_field: str = "id"
    export_file: str = Field("", description="default <data type>.<ext> in the outbox")


class FilesConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    folder: str = Field("${folder}", description="usually ${folder}")
    format: Literal["csv", "jsonl"] = "csv"
    inbox: str = "inbox"
    outbox: str = "outbox"
    after_read: Literal["move", "mark"] = "move"
    processed: str = "processed"
    data_types: dict[str, FileTypeConfig] = Field(min_length=1)


class FilesConnector(Connector):
    """Records are rows of CSV or JSON Lines files."""

    name = "files"
    title = "CSV / JSON Lines files"
    settings_fields = (SettingField("folder", "string", required=True),)
    config_model: ClassVar[type[FilesConfig]] = FilesConfig

    def __init__(
        self, settings: Mapping[str, Any], http: Any, *, config: FilesConfig | Mapping[str, Any]
    ) -> None:
        super().__init__(settings, http)
        # Validate before resolving, so defaults that name settings are resolved too.
        model = (
            config if isinstance(config, FilesConfig) else FilesConfig.model_validate(dict(config))
        )
        raw = model.model_dump(by_alias=True)
        self.config = FilesConfig.model_validate(resolve_settings(raw, self.settings))
        self.folder = Path(self.config.folder)
        self.inbox = self.folder / self.config.inbox
        self.outbox = self.folder / self.config.outbox
        self._lock = asyncio.Lock()

    @property
    def _ext(self) -> str:
        return self.config.format

    def _type(self, data_type: str) -> FileTypeConfig:
        cfg = self.config.data_types.get(data_type)
        if cfg is None:
            raise ConfigurationError(f"no files are configured for {data_type}", field="data_types")
        return cfg

    def _export_path(self, data_type: str) -> Path:
        cfg = self._type(data_type)
        return self.outbox / (cfg.export_file or f"{data_type}.{self._ext}")

    # -- export ---------------------------------------------------------------------------

    async def create(
        self, data_type: str, record: dict[str, Any], *, idempotency_key: str | None = None
    ) -> WriteResult:
        cfg = self._type(data_type)
        external_id = str(record.get(cfg.id_field) or idempotency_key or uuid.uuid4().hex)
        body = {**record, cfg.id_field: external_id}
        await self._append(data_type, body)
        return WriteResult(external_id, body)

    async def update(self, data_type: str, external_id: str, record: dict[str, Any]) -> WriteResult:
        cfg = self._type(data_type)
        current = await self.read(data_type, external_id)
        body = {**current.body, **record, cfg.id_field: external_id}
        await self._append(data_type, body)
        return WriteResult(external_id, body)

    async def delete(self, data_type: str, external_id: str) -> None:
        cfg = self._type(data_type)
        await self._append(data_type, {cfg.id_field: external_id, DELETED: True})

    async def read(self, data_type: str, external_id: str) -> ExternalRecord:
        cfg = self._type(data_type)
        latest: dict[str, Any] | None = None
        for path in [
            *self._import_files(data_type, include_done=True),
            self._export_path(data_type),
        ]:
            if not path.exists():
                continue
            for row in await self._read_file(path):
                if str(row.get(cfg.id_field)) == external_id:
                    latest = row
        if latest is None or _truthy(latest.get(DELETED)):
            raise NotFoundError(f"{data_type} {external_id} not found")
        return ExternalRecord(external_id, _clean(latest))

    async def find(self, data_type: str, match: dict[str, Any]) -> ExternalRecord | None:
        cfg = self._type(data_type)
        path = self._export_path(data_type)
        found: dict[str, Any] | None = None
        if path.exists():
            for row in await self._read_file(path):
                if all(str(row.get(k)) == str(v) for k, v in match.items()):
                    found = row
        if found is None or _truthy(found.get(DELETED)):
            return None
        return ExternalRecord(str(found[cfg.id_field]), _clean(found))

    # -- import ---------------------------------------------------------------------------

    async def poll(self, data_type: str, since: str | None) -> AsyncIterator[PollPage]:
        """One page per new import file, oldest name first; the watermark is the file name."""
        cfg = self._type(data_type)
        async with self.http.track("LIST", self.inbox.as_uri()) as call:
            files = self._import_files(data_type, include_done=False)
            call.status = 200
            call.response_body = "\n".join(p.name for p in files).encode()
        for path in files:
            records = []
            for index, row in enumerate(await self._read_file(path), start=1):
                if not row.get(cfg.id_field):
                    raise ValidationError(
                        f"{path.name} line {index} has no {cfg.id_field}", field=cfg.id_field
                    )
                records.append(
                    ExternalRecord(
                        str(row[cfg.id_field]), _clean(row), deleted=_truthy(row.get(DELETED))
                    )
                )
            yield PollPage(records, path.name)
            await self._done(path)

    async def test_connection(self) -> None:
        if not self.folder.is_dir():
            raise ConfigurationError(f"the folder {self.folder} does not exist", field="folder")

    async def close(self) -> None:
        close = getattr(self.http, "close", None)
        if close is not None:
            await close()

    # -- internals ------------------------------------------------------------------------

    def _import_files(self, data_type: str, *, include_done: bool) -> list[Path]:
        cfg = self._type(data_type)
        pattern = cfg.pattern or f"{data_type}*.{self._ext}"
        if not self.inbox.is_dir():
            return []
        files = sorted(p for p in self.inbox.glob(pattern) if p.is_file())
        if not include_done:
            marked = self._marked()
            return [p for p in files if p.name not in marked]
        done = self.inbox / self.config.processed
        older = sorted(p for p in done.glob(pattern) if p.is_file()) if done.is_dir() else []
        return older + files

    def _marked(self) -> set[str]:
        state = self.inbox / _READ_STATE
        if not state.exists():
            return set()
        return set(json.loads(state.read_text(encoding="utf-8")))

    async def _done(self, path: Path) -> None:
        if self.config.after_read == "mark":
            async with self.http.track("WRITE", (self.inbox / _READ_STATE).as_uri()) as call:
                marked = self._marked() | {path.name}
                (self.inbox / _READ_STATE).write_text(json.dumps(sorted(marked)), encoding="utf-8")
                call.status = 200
            return
        target = self.inbox / self.config.processed / path.name
        move = self.http.track("MOVE", path.as_uri(), request_body=target.as_uri().encode())
        async with move as call:
            target.parent.mkdir(parents=True, exist_ok=True)
            path.replace(target)
            call.status = 200

    async def _read_file(self, path: Path) -> list[dict[str, Any]]:
        async with self.http.track("READ", path.as_uri()) as call:
            data = await asyncio.to_thread(path.read_bytes)
            call.status = 200
            call.response_body = data
        text = data.decode("utf-8-sig")
        if path.suffix == ".jsonl" or (self._ext == "jsonl" and path.suffix != ".csv"):
            rows = []
            for index, line in enumerate(text.splitlines(), start=1):
                if not line.strip():
                    continue
                try:
                    rows.append(json.loads(line))
                except ValueError:
                    raise ValidationError(f"{path.name} line {index} is not JSON") from None
            return rows
        return [dict(r) for r in csv.DictReader(io.StringIO(text))]

    async def _append(self, data_type: str, body: dict[str, Any]) -> None:
        path = self._export_path(data_type)
        async with self._lock:
            if self._ext == "jsonl":
                line = json.dumps(body, default=str, separators=(",", ":")) + "\n"
            else:
                line = self._csv_line(path, data_type, body)
            async with self.http.track("WRITE", path.as_uri(), request_body=line.encode()) as call:
                path.parent.mkdir(parents=True, exist_ok=True)
                with path.open("a", encoding="utf-8", newline="") as handle:
                    handle.write(line)
                call.status = 200

    def _csv_line(self, path: Path, data_type: str, body: dict[str, Any]) -> str:
        cfg = self._type(data_type)
        if path.exists() and path.stat().st_size:
            with path.open(encoding="utf-8", newline="") as handle:
                header = next(csv.reader(handle))
            prefix = ""
        else:
            header = [cfg.id_field, *sorted(k for k in body if k not in (cfg.id_field, DELETED))]
            header.append(DELETED)
            prefix = _csv_row(header)
        unknown = [k for k in body if k not in header]
        if unknown:
            raise ValidationError(
                f"{path.name} has no column {unknown[0]!r}; its columns are fixed by its header",
                field=unknown[0],
            )
        row = ["" if body.get(k) is None else _csv_value(body.get(k)) for k in header]
        return prefix + _csv_row(row)


def _csv_row(values: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(values)
    return out.getvalue()


def _csv_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() in ("true", "1", "yes")


def _clean(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k != DELETED and v != ""}
