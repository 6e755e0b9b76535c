"""JdcloudClient against the emulator over loopback: filters vs ground truth, paging, ids, errors, faults."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

import pytest

from providers.base import ImageRecord, Location, ProviderName
from providers.errors import AuthFailedError, BadRequestError, NotFoundError, ThrottledError, UnavailableError
from providers.http import Transport
from providers.jdcloud.catalog import JdcloudCatalog, Record, default_catalog
from providers.jdcloud.client import JdcloudClient
from providers.jdcloud.emulator import create_app
from providers.jdcloud.signing import DEMO_CREDENTIALS, JdcloudCredentials
from tests.support import FAST_POLICY, Emulated, serve, transport

REGION = "cn-north-1"
CATALOG = default_catalog()
IMAGES = CATALOG.images_by_region[REGION]
DISKS = CATALOG.disks_by_region[REGION]


async def collect(client: JdcloudClient, params: Mapping[str, Any], *, page_size: int = 100,
                  region: str = REGION) -> list[ImageRecord]:
    """Every image a listing holds, page by page."""
    records: list[ImageRecord] = []
    page_number = 1
    while True:
        page = await client.list_images(region, params, page_number=page_number, page_size=page_size)
        records += page.records
        if page_number * page_size >= page.total_count:
            assert len(records) == page.total_count
            return records
        page_number += 1


def ids(records: list[ImageRecord]) -> list[str]:
    return [r.image_id for r in records]


def truth(keep: Callable[[Record], bool], records: tuple[Record, ...] = IMAGES) -> list[str]:
    return [r["imageId"] for r in records if keep(r)]


def src(name: str) -> Callable[[Record], bool]:
    return lambda r: r["imageSource"] == name


def uefi(r: Record) -> bool:
    return r.get("bootMode") == "uefi" or (r.get("bootMode") is None and r.get("uefiSupport") is True)


FILTER_CASES: list[tuple[str, dict[str, Any], Callable[[Record], bool]]] = [
    ("public", {"imageSource": "public"}, src("public")),
    ("thirdparty", {"imageSource": "thirdparty"}, src("thirdparty")),
    ("private", {"imageSource": "private"}, src("private")),
    ("shared", {"imageSource": "shared"}, src("shared")),
    ("community", {"imageSource": "community"}, src("community")),
    ("platform", {"imageSource": "public", "platform": "Windows Server"},
     lambda r: src("public")(r) and r["platform"] == "Windows Server"),
    ("architecture", {"imageSource": "public", "architecture": "arm64"},
     lambda r: src("public")(r) and r["architecture"] == "arm64"),
    ("rootDeviceType", {"imageSource": "public", "rootDeviceType": "localDisk"},
     lambda r: src("public")(r) and r["rootDeviceType"] == "localDisk"),
    ("status", {"imageSource": "public", "status": "creating"},
     lambda r: src("public")(r) and r["status"] == "creating"),
    ("offline public", {"imageSource": "public", "offline": True},
     lambda r: src("public")(r) and r.get("offline") is True),
    ("online thirdparty", {"imageSource": "thirdparty", "offline": False},
     lambda r: src("thirdparty")(r) and not r.get("offline")),
    ("offline ignored for private", {"imageSource": "private", "offline": True}, src("private")),
    ("launchPermission", {"imageSource": "private", "launchPermission": "ownerOnly"},
     lambda r: src("private")(r) and r["launchPermission"] == "ownerOnly"),
    ("launchPermission ignored for public", {"imageSource": "public", "launchPermission": "ownerOnly"},
     src("public")),
    ("imageName fuzzy", {"imageSource": "public", "imageName": "ubuntu 22"},
     lambda r: src("public")(r) and "ubuntu 22" in r["name"].lower()),
    ("instanceIds", {"imageSource": "private", "instanceIds": ["i-cn10001", "i-cn10003"]},
     lambda r: src("private")(r) and r.get("instanceId") in ("i-cn10001", "i-cn10003")),
    ("serviceCode", {"imageSource": "thirdparty", "serviceCode": "vm"},
     lambda r: src("thirdparty")(r) and r.get("serviceCode") == "vm"),
    ("bootMode derived from uefiSupport", {"imageSource": "public", "bootMode": "uefi"},
     lambda r: src("public")(r) and uefi(r)),
    ("bootMode bios", {"imageSource": "community", "bootMode": "bios"},
     lambda r: src("community")(r) and not uefi(r)),
    ("AND across parameters", {"imageSource": "public", "platform": "Ubuntu", "architecture": "x86_64",
                               "status": "ready", "rootDeviceType": "cloudDisk"},
     lambda r: src("public")(r) and r["platform"] == "Ubuntu" and r["architecture"] == "x86_64"
     and r["status"] == "ready" and r["rootDeviceType"] == "cloudDisk"),
    ("ids without imageSource, offline ignored", {"ids": ["img-m5s0****30", "img-cn1pri0004", "img-cn13rd0009"],
                                                   "offline": False},
     lambda r: r["imageId"] in ("img-m5s0****30", "img-cn1pri0004", "img-cn13rd0009")),
]


@pytest.mark.parametrize(("params", "keep"), [(p, k) for _, p, k in FILTER_CASES], ids=[n for n, _, _ in FILTER_CASES])
async def test_every_filter_matches_the_catalog(
    client: JdcloudClient, params: dict[str, Any], keep: Callable[[Record], bool]
) -> None:
    expected = truth(keep)
    assert expected, "a filter case must select something"
    assert ids(await collect(client, params)) == expected


async def test_filters_in_every_region(client: JdcloudClient) -> None:
    for region in CATALOG.regions_with_images:
        for source in ("public", "private"):
            found = await collect(client, {"imageSource": source}, region=region)
            assert ids(found) == truth(src(source), CATALOG.images_by_region[region])
            assert {r.location for r in found} == {region}


@pytest.mark.parametrize("page_size", [10, 100])
async def test_paging_collects_every_image_exactly_once(
    client: JdcloudClient, emulator: Emulated, page_size: int
) -> None:
    found = await collect(client, {"imageSource": "public"}, page_size=page_size)
    expected = truth(src("public"))
    assert len(expected) > 250
    assert ids(found) == expected and len(set(ids(found))) == len(expected)
    assert emulator.counter.by_action == {"describeImages": -(-len(expected) // page_size)}


async def test_a_page_past_the_end_is_empty(client: JdcloudClient) -> None:
    page = await client.list_images(REGION, {"imageSource": "shared"}, page_number=5, page_size=10)
    assert page.records == [] and page.total_count == len(truth(src("shared")))


async def test_get_images_chunks_ids_by_100(client: JdcloudClient, emulator: Emulated) -> None:
    wanted = truth(src("public"))[:150] + truth(src("private"))[:20]
    asked = ["img-unknown-1", *reversed(wanted), wanted[0], "img-unknown-2"]
    found = await client.get_images(REGION, asked)
    assert ids(found) == list(reversed(wanted))  # in the order asked, each once, unknown ids absent
    assert emulator.counter.by_action == {"describeImages": 2}  # 172 distinct ids: 100 + 72
    assert await client.get_images(REGION, []) == []
    assert emulator.counter.by_action == {"describeImages": 2}


async def test_images_by_id_are_read_whole(client: JdcloudClient, emulator: Emulated) -> None:
    record, private, with_data = await client.get_images(REGION, ["img-m5s0****30", "img-cn1pri0004",
                                                                  "img-cn1pri0003", "img-nope"])
    assert record.name == "CentOS 7.6 64位" and record.boot_mode == "uefi" and record.file_size_gib == 0
    assert private.name == "测试 镜像 a&b=c" and private.launch_permission == "ownerOnly"
    assert with_data.data_disks and with_data.data_disks[0].size_gib == 100
    assert emulator.counter.by_action == {"describeImages": 1}
    with pytest.raises(NotFoundError) as caught:
        await client.get_images("cn-nowhere-1", ["img-m5s0****30"])
    assert caught.value.code == "NOT_FOUND" and caught.value.status == 404 and caught.value.request_id


async def test_list_locations_is_the_configured_regions_sorted(emulator: Emulated) -> None:
    async with transport() as t:
        client = JdcloudClient(t, DEMO_CREDENTIALS, vm_endpoint=emulator.url, disk_endpoint=emulator.url,
                               regions=["cn-south-1", "cn-north-1", "cn-south-1"])
        assert await client.list_locations() == [
            Location(ProviderName("jdcloud"), "cn-north-1", "North China (Beijing)", None, "Beijing", "CN"),
            Location(ProviderName("jdcloud"), "cn-south-1", "South China (Guangzhou)", None, "Guangzhou", "CN"),
        ]
    assert emulator.counter.total == 0
    assert client.page_size_min == 10 and client.page_size_max == 100
    assert DEMO_CREDENTIALS.secret_key not in client.account_key and len(client.account_key) == 16


@pytest.mark.parametrize("name", ["测试 镜像 a&b=c", "a&b=c", "b=c", "镜像", "web+db 50% /tmp?x", "50%", "+db"])
async def test_image_names_with_odd_characters_find_the_right_image(client: JdcloudClient, name: str) -> None:
    found = await collect(client, {"imageSource": "private", "imageName": name})
    assert ids(found) == truth(lambda r: src("private")(r) and name.lower() in r["name"].lower())
    assert found


# --- disks ----------------------------------------------------------------------------------------------


def disk_truth(keep: Callable[[Record], bool]) -> list[str]:
    return [d["diskId"] for d in DISKS if keep(d)]


DISK_CASES: list[tuple[str, dict[str, Any], Callable[[Record], bool]]] = [
    ("all", {}, lambda d: True),
    ("status OR", {"filters": [{"name": "status", "values": ["in-use", "creating"]}]},
     lambda d: d["status"] in ("in-use", "creating")),
    ("az AND diskType", {"filters": [{"name": "az", "values": ["cn-north-1b"]},
                                     {"name": "diskType", "operator": "eq", "values": ["ssd.gp1", "hdd.std1"]}]},
     lambda d: d["az"] == "cn-north-1b" and d["diskType"] in ("ssd.gp1", "hdd.std1")),
    ("name fuzzy", {"filters": [{"name": "name", "values": ["系统盘"]}]}, lambda d: "系统盘" in d["name"]),
    ("diskId", {"filters": [{"name": "diskId", "values": ["vol-cn10003", "vol-cn10007", "vol-x"]}]},
     lambda d: d["diskId"] in ("vol-cn10003", "vol-cn10007")),
    ("instanceId", {"filters": [{"name": "instanceId", "values": ["i-cn10002"]}]},
     lambda d: any(a["instanceId"] == "i-cn10002" for a in d["attachments"])),
    ("multiAttach", {"filters": [{"name": "multiAttach", "values": ["true"]}]}, lambda d: d["multiAttachable"]),
    ("encrypted", {"filters": [{"name": "encrypted", "values": ["False"]}]}, lambda d: not d["encrypted"]),
    ("policyId", {"filters": [{"name": "policyId", "values": ["policy-cn10"]}]},
     lambda d: any(p["policyId"] == "policy-cn10" for p in d["snapshotPolicies"])),
    ("tags", {"tags": [{"key": "env", "values": ["prod", "test"]}, {"key": "team"}]},
     lambda d: any(t["key"] == "env" and t["value"] in ("prod", "test") for t in d["tags"])
     and any(t["key"] == "team" for t in d["tags"])),
    ("resourceGroupIds", {"resourceGroupIds": ["rg-web"]}, lambda d: d["resourceGroupId"] == "rg-web"),
]


@pytest.mark.parametrize(("params", "keep"), [(p, k) for _, p, k in DISK_CASES], ids=[n for n, _, _ in DISK_CASES])
async def test_describe_disks_filters(client: JdcloudClient, params: dict[str, Any],
                                      keep: Callable[[Record], bool]) -> None:
    expected = disk_truth(keep)
    assert expected
    page = await client.list_volumes(REGION, params, page_number=1, page_size=100)
    assert [v.disk_id for v in page.records] == expected and page.total_count == len(expected)


async def test_describe_disks_orders_and_pages(client: JdcloudClient, emulator: Emulated) -> None:
    newest_first = sorted(DISKS, key=lambda d: d["createTime"], reverse=True)
    first = await client.list_volumes(REGION, {"orders": [{"name": "create_time", "direction": 1}]},
                                      page_number=1, page_size=10)
    second = await client.list_volumes(REGION, {"orders": [{"name": "create_time", "direction": 1}]},
                                       page_number=2, page_size=10)
    assert [v.disk_id for v in first.records + second.records] == [d["diskId"] for d in newest_first[:20]]
    by_id = {"filters": [{"name": "diskId", "operator": "eq", "values": ["vol-cn10004", "vol-nope"]}]}
    (disk,) = (await client.list_volumes(REGION, by_id, page_number=1, page_size=10)).records
    assert disk.status_raw == "creating" and disk.zone_id == "cn-north-1b"
    assert emulator.counter.by_action == {"describeDisks": 3}


async def test_a_disk_filter_the_api_does_not_know_is_a_bad_request(client: JdcloudClient) -> None:
    with pytest.raises(BadRequestError) as caught:
        await client.list_volumes(REGION, {"filters": [{"name": "colour", "values": ["red"]}]},
                                  page_number=1, page_size=10)
    assert caught.value.code == "INVALID_ARGUMENT"


# --- errors ---------------------------------------------------------------------------------------------


async def test_missing_image_source_is_failed_precondition(client: JdcloudClient) -> None:
    with pytest.raises(BadRequestError) as caught:
        await client.list_images(REGION, {"platform": "CentOS"}, page_number=1, page_size=10)
    error = caught.value
    assert (error.status, error.code, error.message) == (400, "FAILED_PRECONDITION", "Parameter ImageSource missing")
    assert error.request_id and error.location == REGION and error.action == "describeImages"


@pytest.mark.parametrize(("page_number", "page_size"), [(1, 5), (1, 101), (0, 10)])
async def test_paging_out_of_range(client: JdcloudClient, page_number: int, page_size: int) -> None:
    with pytest.raises(BadRequestError) as caught:
        await client.list_images(REGION, {"imageSource": "public"}, page_number=page_number, page_size=page_size)
    assert caught.value.code == "OUT_OF_RANGE" and caught.value.status == 400 and caught.value.request_id


async def test_unknown_region_is_not_found(client: JdcloudClient) -> None:
    with pytest.raises(NotFoundError) as caught:
        await client.list_images("cn-nowhere-9", {"imageSource": "public"}, page_number=1, page_size=10)
    assert caught.value.code == "NOT_FOUND" and caught.value.request_id and caught.value.location == "cn-nowhere-9"


async def test_wrong_secret_fails_auth_without_leaking_it(
    emulator: Emulated, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "this-secret-must-not-leak"
    caplog.set_level(logging.DEBUG)
    async with transport() as t:
        client = JdcloudClient(t, JdcloudCredentials(DEMO_CREDENTIALS.access_key, secret),
                               vm_endpoint=emulator.url, disk_endpoint=emulator.url, regions=[REGION])
        with pytest.raises(AuthFailedError) as caught:
            await client.list_images(REGION, {"imageSource": "public"}, page_number=1, page_size=10)
    error = caught.value
    assert (error.status, error.code) == (401, "UNAUTHENTICATED") and error.request_id
    assert emulator.counter.by_action == {"describeImages": 1}  # auth failures are not retried
    for text in (str(error), repr(error), repr(client), caplog.text):
        assert secret not in text and "Signature=" not in text


async def test_unknown_access_key_fails_auth(emulator: Emulated) -> None:
    async with transport() as t:
        client = JdcloudClient(t, JdcloudCredentials("someone-else", DEMO_CREDENTIALS.secret_key),
                               vm_endpoint=emulator.url, disk_endpoint=emulator.url, regions=[REGION])
        with pytest.raises(AuthFailedError):
            await client.list_volumes(REGION, {}, page_number=1, page_size=10)


# --- faults ---------------------------------------------------------------------------------------------


async def test_a_throttle_then_success_is_retried(client: JdcloudClient, emulator: Emulated) -> None:
    emulator.faults.queue("throttle")
    page = await client.list_images(REGION, {"imageSource": "shared"}, page_number=1, page_size=10)
    assert len(page.records) == 10
    assert emulator.counter.by_action == {"describeImages": 2}


async def test_always_throttled_gives_up_after_max_attempts(client: JdcloudClient, emulator: Emulated) -> None:
    emulator.faults.throttle_rate = 1.0
    with pytest.raises(ThrottledError) as caught:
        await client.list_images(REGION, {"imageSource": "public"}, page_number=1, page_size=10)
    assert caught.value.code == "RATE_LIMIT" and caught.value.status == 429 and caught.value.request_id
    assert caught.value.retry_after == pytest.approx(0.01)
    assert emulator.counter.by_action == {"describeImages": FAST_POLICY.max_attempts}


async def test_retry_after_is_honoured(emulator: Emulated) -> None:
    emulator.faults.retry_after_seconds = 0.2
    emulator.faults.queue("throttle", "throttle")
    waits: list[float] = []

    async def record(seconds: float) -> None:
        waits.append(seconds)

    async with transport() as t:
        recording = Transport(session=t.session, policy=FAST_POLICY, sleep=record)
        client = JdcloudClient(recording, DEMO_CREDENTIALS, vm_endpoint=emulator.url, disk_endpoint=emulator.url,
                               regions=[REGION])
        page = await client.list_images(REGION, {"imageSource": "public"}, page_number=1, page_size=10)
    assert page.records and waits == [0.2, 0.2]


async def test_a_slow_answer_times_out(emulator: Emulated) -> None:
    emulator.faults.latency_ms = 500
    async with transport(replace(FAST_POLICY, timeout_seconds=0.1, max_attempts=2)) as t:
        client = JdcloudClient(t, DEMO_CREDENTIALS, vm_endpoint=emulator.url, disk_endpoint=emulator.url,
                               regions=[REGION])
        with pytest.raises(UnavailableError) as caught:
            await client.list_images(REGION, {"imageSource": "public"}, page_number=1, page_size=10)
    assert caught.value.code == "TIMEOUT"
    assert emulator.counter.by_action == {"describeImages": 2}


async def test_a_malformed_body_is_unavailable(client: JdcloudClient, emulator: Emulated) -> None:
    emulator.faults.malformed_rate = 1.0
    with pytest.raises(UnavailableError) as caught:
        await client.list_images(REGION, {"imageSource": "public"}, page_number=1, page_size=10)
    assert caught.value.code == "MALFORMED_RESPONSE"
    emulator.faults.reset()
    emulator.faults.queue("malformed")
    assert (await client.list_images(REGION, {"imageSource": "public"}, page_number=1, page_size=10)).records


async def test_an_oversized_body_is_unavailable(emulator: Emulated) -> None:
    async with transport(replace(FAST_POLICY, max_response_bytes=4096, max_attempts=1)) as t:
        client = JdcloudClient(t, DEMO_CREDENTIALS, vm_endpoint=emulator.url, disk_endpoint=emulator.url,
                               regions=[REGION])
        with pytest.raises(UnavailableError) as caught:
            await client.list_images(REGION, {"imageSource": "public"}, page_number=1, page_size=100)
    assert caught.value.code == "RESPONSE_TOO_LARGE"


async def test_a_dropped_connection_is_retried(client: JdcloudClient, emulator: Emulated) -> None:
    emulator.faults.queue("drop")
    page = await client.list_images(REGION, {"imageSource": "community"}, page_number=1, page_size=10)
    assert len(page.records) == 10
    assert emulator.counter.by_action == {"describeImages": 2}


async def test_an_injected_error_is_retried_then_surfaces(client: JdcloudClient, emulator: Emulated) -> None:
    emulator.faults.queue("error")
    assert (await client.list_volumes(REGION, {}, page_number=1, page_size=10)).records
    emulator.faults.error_rate = 1.0
    with pytest.raises(UnavailableError) as caught:
        await client.list_volumes(REGION, {}, page_number=1, page_size=10)
    assert (caught.value.status, caught.value.code) == (503, "UNAVAILABLE") and caught.value.request_id


async def test_the_counter_counts_calls_per_action(client: JdcloudClient, emulator: Emulated) -> None:
    await client.list_images(REGION, {"imageSource": "public"}, page_number=1, page_size=10)
    await client.list_images(REGION, {"imageSource": "thirdparty"}, page_number=1, page_size=10)
    await client.get_images(REGION, ["img-m5s0****29"])
    await client.list_volumes(REGION, {}, page_number=1, page_size=10)
    assert emulator.counter.by_action == {"describeImages": 3, "describeDisks": 1}
    assert emulator.counter.total == 4


async def test_probe_makes_one_small_signed_call(client: JdcloudClient, emulator: Emulated) -> None:
    assert "cn-east-2" in await client.probe()  # the first configured region, sorted
    assert emulator.counter.by_action == {"describeImages": 1}
    async with transport() as t:
        idle = JdcloudClient(t, DEMO_CREDENTIALS, vm_endpoint=emulator.url, disk_endpoint=emulator.url, regions=[])
        assert await idle.probe() == "no regions configured"
    assert emulator.counter.total == 1


async def test_an_odd_record_is_skipped_and_counted_over_http(caplog: pytest.LogCaptureFixture) -> None:
    odd = {"name": "no id", "imageSource": "public"}
    strings = {**IMAGES[2], "imageId": "img-strings", "systemDiskSizeGB": "80", "sizeMB": "1024", "offline": "false"}
    catalog = JdcloudCatalog({REGION: (IMAGES[0], odd, strings)}, {REGION: ()})
    async with serve(create_app(catalog=catalog)) as url, transport() as t:
        client = JdcloudClient(t, DEMO_CREDENTIALS, vm_endpoint=url, disk_endpoint=url, regions=[REGION])
        page = await client.list_images(REGION, {"imageSource": "public"}, page_number=1, page_size=10)
    assert ids(page.records) == ["img-m5s0****29", "img-strings"]
    assert page.skipped == 1 and page.total_count == 3
    assert page.records[1].min_disk_size_gib == 80 and page.records[1].file_size_gib == 1.0
    assert page.records[1].offline is False
    assert "skipped 1 record" in caplog.text
