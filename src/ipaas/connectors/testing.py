"""A conformance suite any connector can run against a live system.

    report = await check_connector(connector, "product", [record_a, record_b],
                                   change={"name": "Renamed"})

It creates the records, reads them back, updates one, polls (every page, then again from
the returned watermark, which must bring nothing already seen), deletes, and checks the
deleted record is gone. Methods the connector lacks are skipped and listed in the report.
Assertion errors name the step that failed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ipaas.connectors.base import Connector, ExternalRecord
from ipaas.errors import NotFoundError

#: A cap on pages read in one poll during the suite (so a looping paginator fails fast).
MAX_POLL_PAGES = 1000


@dataclass
class ConformanceReport:
    """What the suite did: ids created and the steps run or skipped."""

    created_ids: list[str] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    polled: list[ExternalRecord] = field(default_factory=list)


async def poll_all(
    connector: Connector, data_type: str, since: str | None
) -> tuple[list[ExternalRecord], str | None]:
    """Every record ``poll`` yields from ``since``, and the last watermark."""
    records: list[ExternalRecord] = []
    watermark = since
    pages = 0
    async for page in connector.poll(data_type, since):
        pages += 1
        assert pages <= MAX_POLL_PAGES, f"poll {data_type}: more than {MAX_POLL_PAGES} pages"
        records.extend(page.records)
        watermark = page.watermark
    return records, watermark


def _matches(body: Mapping[str, Any], expected: Mapping[str, Any], step: str) -> None:
    for key, value in expected.items():
        assert key in body, f"{step}: field {key!r} missing from {body!r}"
        assert str(body[key]) == str(value), f"{step}: {key}={body[key]!r}, expected {value!r}"


async def check_connector(
    connector: Connector,
    data_type: str,
    records: list[dict[str, Any]],
    *,
    change: Mapping[str, Any],
    compare: Callable[[Mapping[str, Any], Mapping[str, Any], str], None] = _matches,
    seed_for_poll: Callable[[list[dict[str, Any]]], Awaitable[list[str]]] | None = None,
    check_poll: bool = True,
    match_fields: tuple[str, ...] = (),
) -> ConformanceReport:
    """Run create/read/update/find/poll/delete against ``connector`` for ``data_type``.

    ``records`` (at least two) are created as given; ``change`` is applied to the first
    with ``update``. ``compare(body, expected, step)`` checks a read-back body (default:
    every expected field equal as text). ``seed_for_poll`` puts records where ``poll``
    finds them, for connectors whose writes do not show up in ``poll`` (files: export and
    import are different folders); it returns their ids. ``match_fields`` are checked
    through ``find``.
    """
    assert len(records) >= 2, "the conformance suite needs at least two records"
    report = ConformanceReport()

    baseline: str | None = None
    if check_poll:
        _, baseline = await poll_all(connector, data_type, None)
        report.steps.append("poll baseline")

    for record in records:
        result = await connector.create(data_type, dict(record))
        assert result.external_id, "create: no external id returned"
        report.created_ids.append(result.external_id)
    assert len(set(report.created_ids)) == len(records), "create: ids are not distinct"
    report.steps.append("create")

    for external_id, record in zip(report.created_ids, records, strict=True):
        fetched = await connector.read(data_type, external_id)
        assert fetched.external_id == external_id, "read: another record came back"
        compare(fetched.body, record, "read after create")
    report.steps.append("read")

    first = report.created_ids[0]
    updated = await connector.update(data_type, first, dict(change))
    assert updated.external_id == first, "update: the id changed"
    compare((await connector.read(data_type, first)).body, change, "read after update")
    report.steps.append("update")

    if match_fields:
        match = {k: records[1][k] for k in match_fields}
        found = await connector.find(data_type, match)
        assert found is not None, f"find: nothing found by {match}"
        assert found.external_id == report.created_ids[1], "find: another record came back"
        report.steps.append("find")
    else:
        report.skipped.append("find")

    if check_poll:
        expected_ids = set(report.created_ids)
        if seed_for_poll is not None:
            expected_ids = set(await seed_for_poll([dict(r) for r in records]))
        polled, watermark = await poll_all(connector, data_type, baseline)
        polled_ids = [r.external_id for r in polled]
        missing = expected_ids - set(polled_ids)
        assert not missing, f"poll: records {sorted(missing)} were not returned"
        assert len(polled_ids) == len(set(polled_ids)), f"poll: repeated ids in {polled_ids}"
        report.polled = polled
        again, _ = await poll_all(connector, data_type, watermark)
        repeated = expected_ids & {r.external_id for r in again}
        assert not repeated, f"poll from the watermark repeated {sorted(repeated)}"
        report.steps.append("poll")
    else:
        report.skipped.append("poll")

    for external_id in report.created_ids:
        await connector.delete(data_type, external_id)
    try:
        await connector.read(data_type, first)
    except NotFoundError:
        pass
    else:
        raise AssertionError("delete: the record can still be read")
    await connector.delete(data_type, first)  # deleting twice is not an error
    report.steps.append("delete")
    return report
