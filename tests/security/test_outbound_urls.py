"""Outbound calls to cloud metadata addresses are refused by the recording client."""

from __future__ import annotations

import httpx
import pytest

from ipaas.connectors import ListRecorder, RecordingHttpClient
from ipaas.errors import IpaasError

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
        "http://169.254.169.254:80/computeMetadata/v1/",
        "https://169.254.169.254/",
        "http://[fd00:ec2::254]/latest/meta-data/",
        "http://metadata.google.internal/computeMetadata/v1/",
        "http://METADATA.GOOGLE.INTERNAL/",
    ],
)
async def test_metadata_addresses_are_refused_by_default(url: str) -> None:
    """Guarantee: a connector (or a user-configured base URL) can never make the hub call
    a cloud metadata service: the recording client refuses before any connection, and
    the refusal is an IpaasError (the caller's answer is a clear error, not a crash)."""

    def no_network(request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"a request was sent to {request.url}")

    client = RecordingHttpClient(ListRecorder(), transport=httpx.MockTransport(no_network))
    with pytest.raises(IpaasError, match="metadata"):
        await client.request("GET", url)
