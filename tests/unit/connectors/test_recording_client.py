"""The recording client: error mapping, masking, metadata hosts, context on every row."""

from __future__ import annotations

import httpx
import pytest

from ipaas.connectors import CallContext, ListRecorder, RecordingHttpClient, call_context
from ipaas.connectors.http import BlockedHostError
from ipaas.connectors.redaction import Redactor
from ipaas.errors import FatalError, NotFoundError, RateLimitedError, RetriableError

pytestmark = pytest.mark.anyio
SECRET = "sup3r-secret-value"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _handler(request: httpx.Request) -> httpx.Response:
    if request.url.path == "/timeout":
        raise httpx.ReadTimeout("slow", request=request)
    status = int(request.url.path.strip("/") or 200)
    headers = {"Retry-After": "7"} if status == 429 else {}
    return httpx.Response(
        status, headers=headers, json={"echo": SECRET, "access_token": "tok-123456"}
    )


def _client(recorder: ListRecorder) -> RecordingHttpClient:
    return RecordingHttpClient(
        recorder, subscription_id=9, secrets=[SECRET], transport=httpx.MockTransport(_handler)
    )


async def test_statuses_become_errors_that_say_what_to_do() -> None:
    recorder = ListRecorder()
    async with _client(recorder) as http:
        assert (await http.get("http://api.test/200")).status_code == 200
        with pytest.raises(RateLimitedError) as limited:
            await http.get("http://api.test/429")
        assert limited.value.retry_after == 7
        for status in (408, 500, 503):
            with pytest.raises(RetriableError):
                await http.get(f"http://api.test/{status}")
        with pytest.raises(RetriableError):
            await http.get("http://api.test/timeout")
        with pytest.raises(FatalError):
            await http.get("http://api.test/400")
        with pytest.raises(NotFoundError):
            await http.get("http://api.test/404", not_found=True)
        assert (await http.get("http://api.test/404", expected=(404,))).status_code == 404
        with pytest.raises(FatalError) as fatal:
            await http.get("http://api.test/422")
    assert SECRET not in fatal.value.message
    assert [r.status for r in recorder.rows][:3] == [200, 429, 408]
    assert recorder.rows[5].status is None
    assert recorder.rows[5].error
    assert all(r.subscription_id == 9 for r in recorder.rows)


async def test_rows_carry_the_context_and_never_a_secret() -> None:
    recorder = ListRecorder()
    token = call_context.set(
        CallContext(subscription_id=3, queue_item_id=4, tracking_id="t", record_key="r")
    )
    try:
        async with _client(recorder) as http:
            await http.post(
                f"https://user:{SECRET}@api.test/200?api_key=abc123&page=2",
                json={"password": "hunter22", "name": "x", "note": SECRET},
                headers={"Authorization": f"Bearer {SECRET}"},
            )
    finally:
        call_context.reset(token)
    [row] = recorder.rows
    assert (row.subscription_id, row.queue_item_id, row.tracking_id, row.record_key) == (
        3,
        4,
        "t",
        "r",
    )
    text = repr(row)
    for secret in (SECRET, "abc123", "hunter22", "tok-123456", "user:"):
        assert secret not in text
    assert "page=2" in row.url
    assert row.request_bytes > 0
    assert row.response_bytes > 0


async def test_metadata_addresses_are_refused() -> None:
    recorder = ListRecorder()
    async with _client(recorder) as http:
        for url in (
            "http://169.254.169.254/latest/meta-data/",
            "http://[fd00:ec2::254]/",
            "http://metadata.google.internal./computeMetadata/v1/",
            "http://100.100.100.200/",
            "http://[::ffff:169.254.169.254]/",
        ):
            with pytest.raises(BlockedHostError):
                await http.get(url)
    assert recorder.rows == []


async def test_excerpts_are_bounded_unless_debugging() -> None:
    recorder = ListRecorder()
    async with _client(recorder) as http:
        await http.post("http://api.test/200", content=b"x" * 10_000)
        token = call_context.set(CallContext(debug=True))
        try:
            await http.post("http://api.test/200", content=b"x" * 10_000)
        finally:
            call_context.reset(token)
    short, full = recorder.rows
    assert len(short.request_excerpt or "") < 2200
    assert full.request_excerpt == "x" * 10_000


def test_redactor_masks_secrets_split_by_the_excerpt_cut() -> None:
    redactor = Redactor([SECRET])
    body = b"a" * 2040 + SECRET.encode()
    assert SECRET[:6] not in (redactor.excerpt(body, 2048) or "")
