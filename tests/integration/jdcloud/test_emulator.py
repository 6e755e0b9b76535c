"""The emulator's protocol over raw HTTP: envelopes, request ids, signature checks, parameter errors."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest

from providers.jdcloud import signing
from providers.jdcloud.models import encode_query
from providers.jdcloud.signing import DEMO_CREDENTIALS
from tests.support import Emulated

NOW = datetime(2024, 1, 1, 12, tzinfo=UTC)
IMAGES = "/v1/regions/cn-north-1/images"


async def get(url: str, *, region: str = "cn-north-1", service: str = "vm", sign: bool = True,
              headers: dict[str, str] | None = None) -> tuple[int, dict[str, Any], dict[str, str]]:
    sent = headers if headers is not None else (
        signing.sign(DEMO_CREDENTIALS, method="GET", url=url, headers={"Content-Type": "application/json"}, body=b"",
                     region=region, service=service, now=NOW, nonce="n-1") if sign else {}
    )
    async with aiohttp.ClientSession() as session, session.get(
        aiohttp.client.URL(url, encoded=True), headers=sent
    ) as response:
        return response.status, await response.json(content_type=None), dict(response.headers)


async def test_success_envelope_and_request_id_header(emulator: Emulated) -> None:
    status, body, headers = await get(f"{emulator.url}{IMAGES}?imageSource=shared&pageSize=10")
    assert status == 200 and set(body) == {"requestId", "result"}
    assert body["requestId"] == headers["x-jdcloud-request-id"] and len(body["requestId"]) == 32
    assert set(body["result"]) == {"images", "totalCount"} and len(body["result"]["images"]) == 10


async def test_no_match_still_answers_a_non_empty_result(emulator: Emulated) -> None:
    status, body, _ = await get(f"{emulator.url}{IMAGES}?imageSource=shared&imageName=nothing-like-this")
    assert status == 200 and body["result"] == {"images": [], "totalCount": 0}


@pytest.mark.parametrize(("query", "code", "message"), [
    ("platform=CentOS", "FAILED_PRECONDITION", "Parameter ImageSource missing"),
    ("imageSource=public&pageSize=9", "OUT_OF_RANGE", "PageSize out of range"),
    ("imageSource=public&pageSize=101", "OUT_OF_RANGE", "PageSize out of range"),
    ("imageSource=public&pageNumber=0", "OUT_OF_RANGE", "PageNumber out of range"),
    ("imageSource=public&pageSize=ten", "INVALID_ARGUMENT", None),
    ("imageSource=public&offline=maybe", "INVALID_ARGUMENT", None),
    ("imageSource=gallery", "INVALID_ARGUMENT", None),
    ("imageSource=public&ids=img-1", "INVALID_ARGUMENT", None),
    ("imageSource.1=public", "INVALID_ARGUMENT", None),
])
async def test_parameter_errors(emulator: Emulated, query: str, code: str, message: str | None) -> None:
    status, body, headers = await get(f"{emulator.url}{IMAGES}?{query}")
    assert status == 400 and body["error"]["code"] == 400 and body["error"]["status"] == code
    assert message is None or body["error"]["message"] == message
    assert body["requestId"] == headers["x-jdcloud-request-id"]


@pytest.mark.parametrize("value", ["True", "true", "TRUE"])
async def test_booleans_in_any_case(emulator: Emulated, value: str) -> None:
    status, body, _ = await get(f"{emulator.url}{IMAGES}?imageSource=public&offline={value}&pageSize=100")
    assert status == 200 and body["result"]["images"] and all(i["offline"] for i in body["result"]["images"])


async def test_unknown_regions_and_paths_are_not_found(emulator: Emulated) -> None:
    for path, region, service in (
        ("/v1/regions/cn-west-9/images?imageSource=public", "cn-west-9", "vm"),
        ("/v1/regions/cn-north-1/images/img-nope", "cn-north-1", "vm"),
        ("/v1/regions/cn-north-1/disks/vol-nope", "cn-north-1", "disk"),
    ):
        status, body, _ = await get(emulator.url + path, region=region, service=service)
        assert status == 404 and (body["error"]["code"], body["error"]["status"]) == (404, "NOT_FOUND")
        assert body["error"]["message"] and body["requestId"]


@pytest.mark.parametrize(("region", "service", "sign"), [
    ("cn-north-1", "vm", False),  # no Authorization
    ("cn-east-2", "vm", True),  # scope names another region
    ("cn-north-1", "disk", True),  # scope names the other service
])
async def test_missing_or_misscoped_signatures_are_unauthenticated(
    emulator: Emulated, region: str, service: str, sign: bool
) -> None:
    status, body, _ = await get(f"{emulator.url}{IMAGES}?imageSource=public", region=region, service=service,
                                sign=sign)
    assert status == 401 and body["error"]["status"] == "UNAUTHENTICATED" and body["requestId"]


async def test_a_tampered_query_is_unauthenticated(emulator: Emulated) -> None:
    url = f"{emulator.url}{IMAGES}?imageSource=public"
    headers = signing.sign(DEMO_CREDENTIALS, method="GET", url=url, headers={"Content-Type": "application/json"},
                           body=b"", region="cn-north-1", service="vm", now=NOW, nonce="n")
    status, _, _ = await get(url + "&pageSize=100", headers=headers)
    assert status == 401


async def test_a_go_style_jdcloud2_request_is_accepted(emulator: Emulated) -> None:
    """JDCLOUD2, date and nonce signed, query raw as sent with `+` for spaces (keys sorted, as Go does)."""
    url = f"{emulator.url}{IMAGES}?imageName=CentOS+8.2&imageSource=public&pageSize=10"
    date = signing.date_of(NOW)
    headers = {"Content-Type": "application/json", "X-Jdcloud-Date": date, "X-Jdcloud-Nonce": "go-nonce"}
    names = ["content-type", "host", "x-jdcloud-date", "x-jdcloud-nonce"]
    host = urlsplit(url).netloc
    canonical = signing.canonical_request("GET", IMAGES, urlsplit(url).query,
                                          signing.canonical_headers(headers, host, names), ";".join(names), b"")
    algorithm = signing.ALGORITHM_V2
    scope = signing.credential_scope(date, "cn-north-1", "vm", algorithm)
    signature = signing.signature(
        signing.signing_key(DEMO_CREDENTIALS.secret_key, date, "cn-north-1", "vm", algorithm),
        signing.string_to_sign(date, scope, signing.sha256_hex(canonical.encode()), algorithm),
    )
    headers["Authorization"] = signing.authorization(DEMO_CREDENTIALS.access_key, scope, ";".join(names), signature,
                                                     algorithm)
    status, body, _ = await get(url, headers=headers)
    assert status == 200, body
    names = [i["name"] for i in body["result"]["images"]]
    assert names[0] == "CentOS 8.2 64位" and all("centos 8.2" in name.lower() for name in names)


async def test_disk_query_layout(emulator: Emulated) -> None:
    query = encode_query({"filters": [{"name": "name", "values": ["系统盘", "data"]}]})
    status, body, _ = await get(f"{emulator.url}/v1/regions/cn-north-1/disks?{query}", service="disk")
    assert status == 400 and body["error"]["status"] == "INVALID_ARGUMENT"  # name takes one value
    query = encode_query({"orders": [{"name": "size", "direction": 1}]})
    status, body, _ = await get(f"{emulator.url}/v1/regions/cn-north-1/disks?{query}", service="disk")
    assert status == 400 and body["error"]["status"] == "INVALID_ARGUMENT"


async def test_faults_answer_in_the_jd_envelope(emulator: Emulated) -> None:
    emulator.faults.queue("throttle", "error")
    status, body, headers = await get(f"{emulator.url}{IMAGES}?imageSource=public")
    assert status == 429 and body["error"]["code"] == 429 and body["error"]["status"] == "RATE_LIMIT"
    assert headers["Retry-After"] == "0.01" and body["requestId"]
    status, body, _ = await get(f"{emulator.url}{IMAGES}?imageSource=public")
    assert status == 503 and body["error"] == {"code": 503, "status": "UNAVAILABLE",
                                               "message": "Service temporarily unavailable"}


async def test_only_provider_calls_are_counted(emulator: Emulated) -> None:
    status, body, _ = await get(f"{emulator.url}/v1/regions/cn-north-1/instances")
    assert status == 404 and body["error"]["status"] == "NOT_FOUND"  # still the JD envelope
    await get(f"{emulator.url}{IMAGES}?imageSource=public")
    async with aiohttp.ClientSession() as session, session.get(f"{emulator.url}/_emulator/calls") as response:
        assert await response.json() == {"total": 1, "byAction": {"describeImages": 1},
                                         "byLocation": {"cn-north-1": 1}, "throttled": 0, "maxPerSecond": 1}
