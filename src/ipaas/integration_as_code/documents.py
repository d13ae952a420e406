"""Reading integration and subscription documents from YAML files, keeping line marks so
that every problem names the file, the line and the field.

A document with ``kind: subscription`` configures one subscription; any other document
(``kind: integration`` or no kind) is an integration definition.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pydantic
import yaml

from ipaas.errors import ValidationError

DocumentKind = Literal["integration", "subscription"]
PathKey = str | int


class DocumentError(ValidationError):
    """A document is invalid; the message starts with ``file:line: field:``."""

    code = "VALD_DOCUMENT"

    def __init__(
        self, message: str, *, file: str, line: int | None = None, field: str | None = None
    ) -> None:
        where = f"{file}:{line}" if line else file
        prefix = f"{where}: {field}: " if field else f"{where}: "
        super().__init__(prefix + message, field=field)
        self.file = file
        self.line = line


@dataclass(frozen=True)
class Document:
    """One YAML document: its kind, data and node tree (for line numbers)."""

    path: Path
    kind: DocumentKind
    data: dict[str, Any]
    root: yaml.Node

    def line(self, where: Sequence[PathKey]) -> int | None:
        """The 1-based line of the value at ``where`` (or of its nearest parent found)."""
        node: yaml.Node | None = self.root
        found = self.root.start_mark.line + 1
        for key in where:
            node = _child(node, key)
            if node is None:
                break
            found = node.start_mark.line + 1
        return found

    def error(self, message: str, where: Sequence[PathKey] = ()) -> DocumentError:
        """A ``DocumentError`` about the value at ``where``."""
        return DocumentError(
            message,
            file=str(self.path),
            line=self.line(where),
            field=dotted(where) or None,
        )

    def pydantic_error(
        self, exc: pydantic.ValidationError, prefix: Sequence[PathKey] = ()
    ) -> DocumentError:
        """The first problem of a pydantic error, placed in the document."""
        first = exc.errors()[0]
        loc = [*prefix, *(p for p in first["loc"] if not str(p).endswith("Config"))]
        return self.error(first["msg"], loc)

    def dotted_error(self, message: str, field: str | None) -> DocumentError:
        """A ``DocumentError`` for an error whose field is dotted (``config.auth.type``)."""
        where: list[PathKey] = []
        for part in (field or "").replace("[", ".").replace("]", "").split("."):
            if part:
                where.append(int(part) if part.isdigit() else part)
        return self.error(message, where)


def dotted(where: Iterable[PathKey]) -> str:
    """``("mappings", 0, "name")`` as ``mappings[0].name``."""
    text = ""
    for key in where:
        text += f"[{key}]" if isinstance(key, int) else (f".{key}" if text else str(key))
    return text


def _child(node: yaml.Node | None, key: PathKey) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if key_node.value == key or key_node.value == str(key):
                return value_node
    if isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
        return node.value[key]
    return None


def parse_documents(text: str, path: Path) -> list[Document]:
    """Every document in ``text`` (``---`` separates several)."""
    try:
        roots = list(yaml.compose_all(text))
        datas = list(yaml.safe_load_all(text))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise DocumentError(
            f"not valid YAML: {getattr(exc, 'problem', exc)}",
            file=str(path),
            line=mark.line + 1 if mark else None,
        ) from None
    documents = []
    for root, data in zip(roots, datas, strict=True):
        if data is None:
            continue
        if not isinstance(data, dict) or not isinstance(root, yaml.MappingNode):
            raise DocumentError(
                "a document must be a mapping", file=str(path), line=root.start_mark.line + 1
            )
        kind = data.get("kind", "integration")
        if kind not in ("integration", "subscription"):
            document = Document(path, "integration", data, root)
            raise document.error("kind must be integration or subscription", ["kind"])
        documents.append(Document(path, kind, data, root))
    return documents


def load_documents(paths: Iterable[str | Path]) -> list[Document]:
    """The documents of files and directories (``*.yaml``/``*.yml`` inside, sorted):
    integrations first, so subscriptions can name an integration applied alongside."""
    documents: list[Document] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml"))
        elif path.exists():
            files = [path]
        else:
            raise DocumentError("no such file or directory", file=str(path))
        for file in files:
            documents.extend(parse_documents(file.read_text(encoding="utf-8"), file))
    return sorted(documents, key=lambda d: d.kind != "integration")
