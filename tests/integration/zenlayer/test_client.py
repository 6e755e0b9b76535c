"""ZenlayerClient against the emulator over real HTTP on loopback: filters, paging, errors, faults."""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable
from typing import Any

import aiohttp
import pytest

from providers.base import ImageSource, ImageStatus, OsType, Tag
from providers.errors import (
    AuthFailedError,
    BadRequestError,
    NotFoundError,
    ProviderError,
    ThrottledError,
    UnavailableError,
)
from providers.http import CallPolicy, Transport
from providers.zenlayer.catalog import SEED_IMAGES, ZenlayerCatalog, default_catalog
from providers.zenlayer.client import ZenlayerClient
from providers.zenlayer.emulator import create_app
from providers.zenlayer.signing import DEMO_CREDENTIALS, ZenlayerCredentials, ZenlayerToken
from tests.support import FAST_POLICY, Emulated, serve, transport

ZONE = "asia-east-1a"
CATALOG = default_catalog()


def tags_of(record: dict[str, Any]) -> dict[str, Any]:
    """Ground truth written independently of the emulator: the tags of a raw record, any shape."""
    tags = record.get("tags")
    if isinstance(tags, dict):
        tags = tags.get("tags") or []
    return {t["key"]: t["value"] for t in tags or []}


def expected_ids(zone: str, keep: Callable[[dict[str, Any]], bool]) -> list[str]:
    return [r["imageId"] for r in CATALOG.images_by_zone[zone] if keep(r)]


FILTERS: list[tuple[dict[str, Any], Callable[[dict[str, Any]], bool]]] = [
    ({"osType": "linux"}, lambda r: r["osType"] == "linux"),
    ({"osType": "windows"}, lambda r: r["osType"] in ("windows", "Windows")),
    ({"osType": "bsd"}, lambda r: r["osType"] == "bsd"),
    ({"osType": "android"}, lambda r: r["osType"] == "android"),
    ({"category": "Ubuntu"}, lambda r: r["category"] == "Ubuntu"),
    ({"imageType": "CUSTOM_IMAGE"}, lambda r: r["imageType"] == "CUSTOM_IMAGE"),
    ({"imageType": "PUBLIC_IMAGE"}, lambda r: r["imageType"] == "PUBLIC_IMAGE"),
    ({"imageSource": "MARKETING"}, lambda r: r["imageSource"] == "MARKETING"),
    ({"imageSource": "OFFICIAL"}, lambda r: r["imageSource"] == "OFFICIAL"),
    ({"imageStatus": "SYNCING"}, lambda r: r["imageStatus"] == "SYNCING"),
    ({"imageStatus": "AVAILABLE"}, lambda r: r["imageStatus"] == "AVAILABLE"),
    ({"imageName": "UBUNTU server"}, lambda r: "ubuntu server" in r["imageName"].lower()),
    ({"imageIds": ["ubuntu2204_20240712", "img-ae1a-0002", "missing"]},
     lambda r: r["imageId"] in ("ubuntu2204_20240712", "img-ae1a-0002")),
    ({"tagKeys": ["env"]}, lambda r: "env" in tags_of(r)),
    ({"tagKeys": ["os", "team"]}, lambda r: bool({"os", "team"} & tags_of(r).keys())),
    ({"tags": [{"key": "env", "value": "prod"}]}, lambda r: tags_of(r).get("env") == "prod"),
    ({"tags": [{"key": "env", "value": "staging"}, {"key": "team", "value": "core"}]},
     lambda r: tags_of(r).get("env") == "staging" and tags_of(r).get("team") == "core"),
    ({"osType": "linux", "imageSource": "OFFICIAL", "imageName": "server"},
     lambda r: r["osType"] == "linux" and r["imageSource"] == "OFFICIAL" and "server" in r["imageName"].lower()),
]


@pytest.mark.parametrize(("params", "keep"), FILTERS, ids=[str(p) for p, _ in FILTERS])
async def test_every_filter_matches_the_catalog(
    client: ZenlayerClient, emulator: Emulated, params: dict[str, Any], keep: Callable[[dict[str, Any]], bool]
) -> None:
    for zone in CATALOG.zone_ids:
        page = await client.list_images(zone, params, page_number=1, page_size=1000)
        expected = expected_ids(zone, keep)
        assert [r.image_id for r in page.records] == expected
        assert page.total_count == len(expected)
    assert any(expected_ids(zone, keep) for zone in CATALOG.zone_ids)  # each filter matches something
    assert emulator.counter.by_action == {"DescribeImages": len(CATALOG.zone_ids)}


@pytest.mark.parametrize("name", ["测试 镜像 a&b=c", "a&b=c", " 镜像 ", "B=C"])
async def test_names_with_ampersand_equals_spaces_and_chinese(client: ZenlayerClient, name: str) -> None:
    page = await client.list_images(ZONE, {"imageName": name}, page_number=1, page_size=100)
    assert [(r.image_id, r.name) for r in page.records] == [("img-ae1a-0001", "测试 镜像 a&b=c")]


async def test_the_seed_example(client: ZenlayerClient) -> None:
    page = await client.list_images(ZONE, {"osType": "linux"}, page_number=1, page_size=3)
    assert [dict(r.raw) for r in page.records] == [dict(r) for r in SEED_IMAGES]
    assert page.request_id and page.request_id.startswith("T")
    first = page.records[0]
    assert (first.name, first.platform, first.os_version, first.disk_size_gib, first.image_type, first.tags) == (
        "Ubuntu Server 24.04 LTS", "Ubuntu", "Server 24.04 LTS", 20.0, "PUBLIC_IMAGE", ())


@pytest.mark.parametrize("size", [1, 7, 13, 61, 62, 1000])
async def test_paging_collects_every_image_exactly_once(
    client: ZenlayerClient, emulator: Emulated, size: int
) -> None:
    everything = expected_ids(ZONE, lambda r: True)
    seen: list[str] = []
    number = 1
    while True:
        page = await client.list_images(ZONE, {}, page_number=number, page_size=size)
        assert page.total_count == len(everything)
        seen += [r.image_id for r in page.records]
        if number * size >= page.total_count:
            break
        number += 1
    assert seen == everything
    assert emulator.counter["DescribeImages"] == math.ceil(len(everything) / size)


async def test_a_page_past_the_end_is_empty(client: ZenlayerClient) -> None:
    page = await client.list_images(ZONE, {}, page_number=99, page_size=100)
    assert page.records == [] and page.total_count == len(CATALOG.images_by_zone[ZONE])


async def test_get_images_in_the_order_asked_one_call(client: ZenlayerClient, emulator: Emulated) -> None:
    wanted = ["img-ae1a-0003", "no-such-image", "ubuntu2004_20240712", "img-ae1a-0003", "centos79_20240301"]
    records = await client.get_images(ZONE, wanted)
    assert [r.image_id for r in records] == ["img-ae1a-0003", "ubuntu2004_20240712", "centos79_20240301"]
    assert emulator.counter.by_action == {"DescribeImages": 1}


async def test_get_images_chunks_by_a_thousand(client: ZenlayerClient, emulator: Emulated) -> None:
    wanted = [f"ghost-{n}" for n in range(1500)] + ["ubuntu2404_20240712"]
    records = await client.get_images(ZONE, wanted)
    assert [r.image_id for r in records] == ["ubuntu2404_20240712"]
    assert emulator.counter.by_action == {"DescribeImages": 2}
    assert await client.get_images(ZONE, []) == []
    assert emulator.counter.total == 2


async def test_locations_sorted_and_restricted(client: ZenlayerClient, emulator: Emulated) -> None:
    locations = await client.list_locations()
    assert [loc.id for loc in locations] == sorted(CATALOG.zone_ids)
    zone = next(loc for loc in locations if loc.id == ZONE)
    assert (zone.name, zone.region_id, zone.city_name, zone.country_code) == (
        "Hong Kong A", "asia-east-1", "Hong Kong", "HK")
    async with transport() as t:
        only = ZenlayerClient(t, DEMO_CREDENTIALS, emulator.url, zones=["na-west-1a", "atlantis-1a", ZONE])
        assert [loc.id for loc in await only.list_locations()] == [ZONE, "na-west-1a"]
    assert [z.id for z in await client.describe_zones(["eu-west-1a"])] == ["eu-west-1a"]
    assert emulator.counter.by_action == {"DescribeZones": 3}


async def test_volumes(client: ZenlayerClient) -> None:
    disks = CATALOG.disks_by_zone["na-west-1a"]
    page = await client.list_volumes("na-west-1a", {}, page_number=1, page_size=100)
    assert [v.disk_id for v in page.records] == [d["diskId"] for d in disks]
    assert page.total_count == len(disks)
    assert [(v.size_gib, v.category) for v in page.records] == [(d["diskSize"], d["diskCategory"]) for d in disks]
    data = await client.list_volumes("na-west-1a", {"diskType": "DATA"}, page_number=1, page_size=100)
    assert [v.disk_id for v in data.records] == [d["diskId"] for d in disks if d["diskType"] == "DATA"]
    with pytest.raises(NotFoundError):
        await client.list_volumes("atlantis-1a", {}, page_number=1, page_size=10)


async def test_calls_are_counted_per_action(client: ZenlayerClient, emulator: Emulated) -> None:
    await client.list_locations()
    await client.list_images(ZONE, {}, page_number=1, page_size=10)
    await client.list_images(ZONE, {}, page_number=2, page_size=10)
    await client.list_volumes(ZONE, {}, page_number=1, page_size=10)
    assert emulator.counter.by_action == {"DescribeZones": 1, "DescribeImages": 2, "DescribeDisks": 1}


# --- errors -----------------------------------------------------------------------------------------


async def test_unknown_zone_is_not_found(client: ZenlayerClient, emulator: Emulated) -> None:
    with pytest.raises(NotFoundError) as caught:
        await client.list_images("atlantis-1a", {}, page_number=1, page_size=10)
    error = caught.value
    assert (error.status, error.code, error.location, error.action) == (
        404, "INVALID_ZONE_NOT_FOUND", "atlantis-1a", "DescribeImages")
    assert error.request_id and error.request_id.startswith("T")
    assert error.request_id in str(error)
    assert emulator.counter.total == 1  # not retried


@pytest.mark.parametrize(("params", "page_number", "page_size", "code"), [
    ({}, 1, 1001, "INVALID_PARAMETER_VALUE"),
    ({}, 1, 0, "INVALID_PARAMETER_VALUE"),
    ({}, 0, 10, "INVALID_PARAMETER_VALUE"),
    ({"tags": [{"key": f"k{n}", "value": "v"} for n in range(21)]}, 1, 10, "INVALID_PARAMETER_VALUE"),
    ({"tagKeys": [f"k{n}" for n in range(21)]}, 1, 10, "INVALID_PARAMETER_VALUE"),
    ({"imageName": 7}, 1, 10, "INVALID_PARAMETER_VALUE"),
])
async def test_bad_parameters(
    client: ZenlayerClient, emulator: Emulated, params: dict[str, Any], page_number: int, page_size: int, code: str
) -> None:
    with pytest.raises(BadRequestError) as caught:
        await client.list_images(ZONE, params, page_number=page_number, page_size=page_size)
    assert (caught.value.status, caught.value.code) == (400, code)
    assert emulator.counter.total == 1


async def test_twenty_tags_are_fine(client: ZenlayerClient) -> None:
    page = await client.list_images(ZONE, {"tagKeys": [f"k{n}" for n in range(19)] + ["env"]}, page_number=1,
                                    page_size=10)
    assert page.total_count == len(expected_ids(ZONE, lambda r: "env" in tags_of(r)))


async def test_missing_zone_is_a_missing_parameter(client: ZenlayerClient) -> None:
    with pytest.raises(BadRequestError) as caught:
        await client.list_images("", {}, page_number=1, page_size=10)
    assert caught.value.code == "MISSING_PARAMETER"


@pytest.mark.parametrize(("credentials", "code"), [
    (ZenlayerCredentials(DEMO_CREDENTIALS.access_key_id, "wrong-password"), "SIGNATURE_INVALID"),
    (ZenlayerCredentials("unknown-key-id", DEMO_CREDENTIALS.access_key_password), "AUTH_FAILED"),
    (ZenlayerToken("wrong-token"), "AUTH_FAILED"),
])
async def test_bad_credentials_fail_auth_without_retry(
    emulator: Emulated, credentials: ZenlayerCredentials | ZenlayerToken, code: str
) -> None:
    async with transport() as t:
        client = ZenlayerClient(t, credentials, emulator.url)
        with pytest.raises(AuthFailedError) as caught:
            await client.list_images(ZONE, {}, page_number=1, page_size=10)
    assert (caught.value.status, caught.value.code) == (401, code)
    assert emulator.counter.total == 1


async def test_a_configured_token_works(emulator: Emulated) -> None:
    async with transport() as t:
        client = ZenlayerClient(t, ZenlayerToken("demo-token"), emulator.url)
        page = await client.list_images(ZONE, {}, page_number=1, page_size=5)
    assert len(page.records) == 5


# --- faults -----------------------------------------------------------------------------------------


class RecordingSleep:
    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        await asyncio.sleep(0)


async def test_one_throttle_then_success(client: ZenlayerClient, emulator: Emulated) -> None:
    emulator.faults.queue("throttle")
    page = await client.list_images(ZONE, {}, page_number=1, page_size=5)
    assert len(page.records) == 5
    assert emulator.counter.by_action == {"DescribeImages": 2}


async def test_always_throttled_gives_up_after_max_attempts(client: ZenlayerClient, emulator: Emulated) -> None:
    emulator.faults.throttle_rate = 1.0
    with pytest.raises(ThrottledError) as caught:
        await client.list_images(ZONE, {}, page_number=1, page_size=5)
    assert (caught.value.status, caught.value.code, caught.value.retry_after) == (429, "REQUEST_LIMIT_EXCEEDED", 0.01)
    assert emulator.counter.total == FAST_POLICY.max_attempts


async def test_retry_after_is_honoured(emulator: Emulated) -> None:
    emulator.faults.retry_after_seconds = 2.5
    emulator.faults.queue("throttle", "throttle")
    sleep = RecordingSleep()
    async with aiohttp.ClientSession() as session:
        client = ZenlayerClient(Transport(session, FAST_POLICY, sleep=sleep), DEMO_CREDENTIALS, emulator.url)
        await client.list_images(ZONE, {}, page_number=1, page_size=5)
        assert sleep.delays == [2.5, 2.5]
        emulator.faults.retry_after_seconds = FAST_POLICY.max_retry_after_seconds + 1
        emulator.faults.queue("throttle")
        with pytest.raises(ThrottledError):  # a longer wait than the policy allows surfaces at once
            await client.list_images(ZONE, {}, page_number=1, page_size=5)
    assert emulator.counter.total == 4


async def test_a_slow_answer_times_out(emulator: Emulated) -> None:
    emulator.faults.latency_ms = 500
    policy = CallPolicy(timeout_seconds=0.1, max_attempts=2, backoff_base_seconds=0.01, backoff_max_seconds=0.01)
    async with transport(policy) as t:
        client = ZenlayerClient(t, DEMO_CREDENTIALS, emulator.url)
        with pytest.raises(UnavailableError) as caught:
            await client.list_images(ZONE, {}, page_number=1, page_size=5)
    assert caught.value.code == "TIMEOUT"
    assert emulator.counter.total == 2


@pytest.mark.parametrize("fault", ["malformed", "error", "drop"])
async def test_a_transient_fault_is_retried(client: ZenlayerClient, emulator: Emulated, fault: str) -> None:
    emulator.faults.queue(fault)
    page = await client.list_images(ZONE, {}, page_number=1, page_size=5)
    assert len(page.records) == 5
    assert emulator.counter.total == 2


@pytest.mark.parametrize(("fault", "code"), [("malformed", "MALFORMED_RESPONSE"),
                                             ("error", "SERVICE_TEMPORARY_UNAVAILABLE"),
                                             ("drop", "NETWORK_ERROR")])
async def test_a_persistent_fault_is_unavailable(emulator: Emulated, fault: str, code: str) -> None:
    emulator.faults.queue(fault, fault)
    async with transport(CallPolicy(max_attempts=2, backoff_base_seconds=0.01, backoff_max_seconds=0.01)) as t:
        client = ZenlayerClient(t, DEMO_CREDENTIALS, emulator.url)
        with pytest.raises(UnavailableError) as caught:
            await client.list_images(ZONE, {}, page_number=1, page_size=5)
    assert caught.value.code == code


async def test_an_oversized_body_is_refused(emulator: Emulated) -> None:
    emulator.faults.oversize_bytes = 10_000
    async with transport(CallPolicy(max_attempts=1, max_response_bytes=4_000)) as t:
        client = ZenlayerClient(t, DEMO_CREDENTIALS, emulator.url)
        with pytest.raises(UnavailableError) as caught:
            await client.list_images(ZONE, {}, page_number=1, page_size=1)
    assert caught.value.code == "RESPONSE_TOO_LARGE"


async def test_no_secret_reaches_errors_or_logs(emulator: Emulated, caplog: pytest.LogCaptureFixture) -> None:
    wrong = ZenlayerCredentials(DEMO_CREDENTIALS.access_key_id, "hunter2-wrong-password")
    errors: list[ProviderError] = []
    with caplog.at_level(logging.DEBUG):
        async with transport() as t:
            for credentials in (wrong, DEMO_CREDENTIALS, ZenlayerToken("demo-token"), ZenlayerToken("bad-token-x")):
                client = ZenlayerClient(t, credentials, emulator.url)
                emulator.faults.queue("throttle", "error")
                try:
                    await client.list_images(ZONE, {"imageName": "a&b=c"}, page_number=1, page_size=5)
                    await client.list_images("atlantis-1a", {}, page_number=1, page_size=5)
                except ProviderError as error:
                    errors.append(error)
    assert len(errors) == 4
    text = caplog.text + "".join(f"{e}{e!r}{e.message}" for e in errors) + repr(client)
    for secret in ("hunter2-wrong-password", DEMO_CREDENTIALS.access_key_password, "demo-token", "bad-token-x",
                   "Signature=", "Bearer"):
        assert secret not in text
    assert "retrying" in caplog.text  # the transport did log the retries


async def test_one_odd_record_never_fails_a_page(caplog: pytest.LogCaptureFixture) -> None:
    odd = ZenlayerCatalog(
        zones=({"zoneId": "odd-1a", "regionId": "odd-1", "zoneName": "Odd"},),
        images_by_zone={"odd-1a": (
            {"imageId": "good-1", "imageName": "fine", "imageSize": 12.5, "osType": "Windows",
             "imageStatus": "REPLICATING", "tags": [{"key": "env", "value": "prod"}]},  # bare list, unknown status
            {"imageName": "no id at all"},
            {"imageId": None, "imageName": "null id"},
            {"imageId": "good-2"},  # nothing but an id
        )},
        disks_by_zone={"odd-1a": ()},
    )
    with caplog.at_level(logging.WARNING, logger="providers.zenlayer"):
        async with serve(create_app(catalog=odd)) as url, transport() as t:
            page = await ZenlayerClient(t, DEMO_CREDENTIALS, url).list_images("odd-1a", {}, page_number=1,
                                                                              page_size=10)
    assert [r.image_id for r in page.records] == ["good-1", "good-2"]
    assert (page.total_count, page.skipped) == (4, 2)
    first, second = page.records
    assert (first.disk_size_gib, first.os_type, first.status, first.status_raw) == (
        12.5, OsType.WINDOWS, ImageStatus.OTHER, "REPLICATING")
    assert first.tags == (Tag("env", "prod"),)
    assert (second.name, second.os_type, second.source, second.tags) == ("good-2", OsType.OTHER, ImageSource.OTHER, ())
    assert caplog.text.count("without a usable imageId") == 2
