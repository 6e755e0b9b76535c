"""The emulator's protocol, spoken by hand: signature over raw bytes, envelopes, codes, faults."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from providers.zenlayer import signing
from providers.zenlayer.signing import DEMO_CREDENTIALS
from tests.support import Emulated

ENVELOPE_KEYS = {"requestId", "code", "message"}


async def post(
    emulator: Emulated, body: bytes, *, action: str = "DescribeImages", content_type: str = "application/json",
    sign_body: bytes | None = None, authorization: bool = True,
) -> tuple[int, dict[str, Any], dict[str, str]]:
    host = urlsplit(emulator.url).netloc
    headers = {"Content-Type": content_type, "x-zc-action": action, "x-zc-version": "2025-09-01"}
    if authorization:
        headers |= signing.sign(DEMO_CREDENTIALS, host=host, content_type=content_type,
                                body=body if sign_body is None else sign_body, timestamp=int(time.time()))
    async with aiohttp.ClientSession() as session, session.post(
        emulator.url + "/api/v2/zec", data=body, headers=headers
    ) as response:
        return response.status, json.loads(await response.read()), dict(response.headers)


async def test_the_docs_content_type_and_compact_json_verify(emulator: Emulated) -> None:
    body = b'{"pageSize":10,"pageNum":1,"zoneId":"asia-east-1a"}'
    status, document, _ = await post(emulator, body, content_type="application/json; charset=utf-8")
    assert status == 200
    assert set(document) == {"requestId", "response"}
    assert document["response"]["requestId"] == document["requestId"]
    assert len(document["response"]["dataSet"]) == 10


async def test_a_body_changed_after_signing_is_refused(emulator: Emulated) -> None:
    status, document, _ = await post(emulator, b'{"zoneId": "na-west-1a"}', sign_body=b'{"zoneId": "asia-east-1a"}')
    assert (status, document["code"]) == (401, "SIGNATURE_INVALID")
    assert set(document) == ENVELOPE_KEYS


async def test_missing_authorization(emulator: Emulated) -> None:
    status, document, _ = await post(emulator, b"{}", authorization=False)
    assert (status, document["code"]) == (401, "AUTH_FAILED")
    assert set(document) == ENVELOPE_KEYS


async def test_unknown_action_and_bad_bodies(emulator: Emulated) -> None:
    status, document, _ = await post(emulator, b"{}", action="RebootTheWorld")
    assert (status, document["code"], set(document)) == (400, "INVALID_ACTION", ENVELOPE_KEYS)
    status, document, _ = await post(emulator, b"[1, 2]")
    assert (status, document["code"]) == (400, "INVALID_PARAMETER")
    status, document, _ = await post(emulator, b"{}")
    assert (status, document["code"]) == (400, "MISSING_PARAMETER")


async def test_injected_faults_use_the_zenlayer_envelope(emulator: Emulated) -> None:
    emulator.faults.queue("throttle", "error")
    status, document, headers = await post(emulator, b'{"zoneId": "asia-east-1a"}')
    assert (status, document["code"], set(document)) == (429, "REQUEST_LIMIT_EXCEEDED", ENVELOPE_KEYS)
    assert headers["Retry-After"] == "0.01"
    status, document, _ = await post(emulator, b'{"zoneId": "asia-east-1a"}')
    assert (status, document["code"], set(document)) == (503, "SERVICE_TEMPORARY_UNAVAILABLE", ENVELOPE_KEYS)


async def test_control_endpoints_count_by_action(emulator: Emulated) -> None:
    await post(emulator, b'{"zoneId": "asia-east-1a"}')
    await post(emulator, b"{}", action="DescribeZones")
    async with aiohttp.ClientSession() as session, session.get(emulator.url + "/_emulator/calls") as response:
        assert await response.json() == {"total": 2, "byAction": {"DescribeImages": 1, "DescribeZones": 1},
                                         "byLocation": {"asia-east-1a": 1}, "throttled": 0, "maxPerSecond": 2}
