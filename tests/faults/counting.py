"""Helpers of the fault tests: a burst of versioned records, a target that logs what it
was written, and the final count (none lost, none duplicated, each record's order kept)."""

from __future__ import annotations

from typing import Any

from integration.transfer.world import World
from ipaas.connectors.base import WriteResult
from ipaas.connectors.memory import InMemoryConnector
from ipaas.domain import Method


class LoggingTarget(InMemoryConnector):
    """An InMemoryConnector that keeps every successful write as ``(code, title)``."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("match_fields", {"product": ("code",)})
        super().__init__(**kwargs)
        self.written: list[tuple[str, str]] = []
        #: The external id of every successful write, in order.
        self.written_ids: list[str] = []

    async def create(
        self, data_type: str, record: dict[str, Any], *, idempotency_key: str | None = None
    ) -> WriteResult:
        result = await super().create(data_type, record, idempotency_key=idempotency_key)
        self.written.append((record["code"], record["title"]))
        self.written_ids.append(result.external_id)
        return result

    async def update(self, data_type: str, external_id: str, record: dict[str, Any]) -> WriteResult:
        result = await super().update(data_type, external_id, record)
        self.written.append((record["code"], record["title"]))
        self.written_ids.append(external_id)
        return result


def title(index: int, version: int) -> str:
    """The title of record ``index`` at ``version`` (the version is its last word)."""
    return f"Product {index} v{version}"


def burst(w: World, source: str, *, records: int, versions: int) -> dict[str, list[str]]:
    """Enqueue, as webhooks of ``source`` carrying complete records would, ``versions``
    versions of each of ``records`` records (create, then updates), interleaved across
    records. Returns code -> titles in the order sent."""
    sent: dict[str, list[str]] = {}
    for version in range(1, versions + 1):
        for index in range(records):
            code = f"SKU-{index}"
            body = {"code": code, "title": title(index, version), "price": "9.90"}
            method = Method.CREATE if version == 1 else Method.UPDATE
            w.webhook(source, f"s{index}", method, payload=body)
            sent.setdefault(code, []).append(body["title"])
    return sent


def _version(text: str) -> int:
    return int(text.rsplit("v", 1)[1])


def assert_each_once_in_order(target: LoggingTarget, sent: dict[str, list[str]]) -> None:
    """Every sent record is in ``target`` exactly once with its last version, and the
    versions written to each record never went backwards."""
    stored = list(target.all("product").values())
    codes = [r["code"] for r in stored]
    assert len(codes) == len(set(codes)), "a record was duplicated at the target"
    assert sorted(codes) == sorted(sent), "a record was lost (or one appeared from nowhere)"
    for record in stored:
        assert record["title"] == sent[record["code"]][-1], record
    per_record: dict[str, list[int]] = {}
    for code, text in target.written:
        per_record.setdefault(code, []).append(_version(text))
    for code, versions in per_record.items():
        assert versions == sorted(versions), f"{code} was written out of order: {versions}"
