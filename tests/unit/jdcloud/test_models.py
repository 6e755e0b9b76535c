"""JD Cloud wire formats: the query codec, tolerant record readers, envelope -> error tree."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

import pytest
from jdcloud_sdk.core.parameterbuilder import WithoutBodyBuilder
from jdcloud_sdk.services.vm.apis.DescribeImagesRequest import DescribeImagesParameters, DescribeImagesRequest

from providers.base import Disk, ImageSource, ImageStatus, OsType, Tag
from providers.errors import (
    AuthFailedError,
    BadRequestError,
    NotFoundError,
    ProviderError,
    ThrottledError,
    UnavailableError,
)
from providers.http import HttpResponse
from providers.jdcloud import models, records
from providers.jdcloud.catalog import default_catalog

# --- query encoding -----------------------------------------------------------------------------------


def test_scalars_lists_and_objects_use_the_sdk_layout() -> None:
    query = models.encode_query({
        "imageSource": "public", "offline": True, "platform": None, "pageNumber": 2,
        "ids": ["img-1", "img-2"],
        "filters": [{"name": "diskId", "operator": "eq", "values": ["vol-1", "vol-2"]},
                    {"name": "az", "values": ["a"]}],
        "tags": [{"key": "env", "values": ["prod"]}],
        "orders": [{"name": "create_time", "direction": 1}],
    })
    assert query.split("&") == [
        "imageSource=public", "offline=true", "pageNumber=2", "ids.1=img-1", "ids.2=img-2",
        "filters.1.name=diskId", "filters.1.operator=eq", "filters.1.values.1=vol-1", "filters.1.values.2=vol-2",
        "filters.2.name=az", "filters.2.values.1=a",
        "tags.1.key=env", "tags.1.values.1=prod",
        "orders.1.name=create_time", "orders.1.direction=1",
    ]
    assert models.encode_query({"offline": False}) == "offline=false"
    assert models.encode_query({}) == ""


@pytest.mark.parametrize("value", ["a&b=c 测试", "x=y", "a+b", "50% /?#", "~-._*"])
def test_a_value_stays_one_parameter(value: str) -> None:
    query = models.encode_query({"imageSource": "public", "imageName": value})
    assert parse_qsl(query, keep_blank_values=True) == [("imageSource", "public"), ("imageName", value)]
    assert models.decode_query(query) == [("imageSource", "public"), ("imageName", value)]
    assert all(c.isascii() and c not in " +" for c in query)


def test_the_python_sdk_would_split_the_same_value() -> None:
    """Why the client does not reuse the SDK's encoding: `&` and `=` inside a value add a parameter."""
    parameters = DescribeImagesParameters("cn-north-1")
    parameters.setImageSource("public")
    parameters.setImageName("a&b=c 测试")
    url = WithoutBodyBuilder().build_url(DescribeImagesRequest(parameters), "https", "vm.jdcloud-api.com")
    assert dict(models.decode_query(url.partition("?")[2])) == {"imageSource": "public", "imageName": "a",
                                                                 "b": "c 测试"}


def test_decode_and_unflatten_invert_the_encoding() -> None:
    params: dict[str, Any] = {
        "ids": ["a", "b", "c"], "imageName": "CentOS 8",
        "filters": [{"name": "status", "values": ["in-use", "available"]}],
    }
    decoded = models.unflatten_params(models.decode_query(models.encode_query(params)))
    assert decoded == params
    # Go spells spaces `+`; numbered parts come back in index order.
    assert models.unflatten_params(models.decode_query("ids.2=y&ids.1=x&imageName=a+b")) == {
        "ids": ["x", "y"], "imageName": "a b"}


def test_path_segments_are_encoded() -> None:
    assert models.encode_path_segment("img-m5s0****29") == "img-m5s0%2A%2A%2A%2A29"
    assert models.encode_path_segment("a/b?c") == "a%2Fb%3Fc"


# --- records ------------------------------------------------------------------------------------------

SEED = default_catalog().images_by_region["cn-north-1"][0]


def test_the_seed_record_reads_fully() -> None:
    record = records.parse_image(SEED, "cn-north-1")
    assert record is not None
    assert (record.image_id, record.name, record.platform, record.os_version) == (
        "img-m5s0****29", "CentOS 8.2 64位", "CentOS", "8.2")
    assert record.os_type is OsType.LINUX and record.source is ImageSource.OFFICIAL
    assert record.status is ImageStatus.AVAILABLE and record.status_raw == "ready"
    assert record.min_disk_size_gib == 40 and record.file_size_gib == pytest.approx(2494 / 1024)
    assert record.disk_size_gib == 40 and record.owner_pin == "admin" and record.snapshot_id == "snapshot-h8u1****36"
    assert record.created_at == datetime(2021, 1, 28, 8, 49, 5, tzinfo=UTC)  # 16:49:05 China time
    assert record.boot_mode == "bios" and record.raw["uefiSupport"] is False
    assert record.progress == 100 and record.launch_permission == "all" and record.root_device_type == "cloudDisk"
    assert record.system_disk == Disk(category="cloud", device_name="vda", disk_type="ssd.gp1", size_gib=40,
                                      snapshot_id="snapshot-h8u1****36", encrypted=False, auto_delete=True)
    assert record.tags == () and record.data_disks == () and record.description is None


def test_odd_shapes_are_read_leniently() -> None:
    record = records.parse_image({
        "imageId": "img-odd", "osType": "Windows", "osVersion": 2019, "imageSource": "self", "status": "error_copy",
        "systemDiskSizeGB": "60", "sizeMB": "2048", "progress": "45%", "offline": "True", "uefiSupport": "true",
        "createTime": "2024-05-01T10:00:00Z", "tags": {"tags": [{"key": "x"}]},
        "systemDisk": {"diskCategory": "local", "localDisk": {"diskType": "ssd", "diskSizeGB": "120"}},
        "dataDisks": [
            {"diskCategory": "cloud", "deviceName": "vdb", "autoDelete": "false",
             "cloudDisk": {"diskType": "ssd.io1", "diskSizeGB": "100", "iops": "4800", "encrypt": True}},
            "not a disk",
        ],
    }, "cn-east-2")
    assert record is not None
    assert record.name == "img-odd"  # no name: the id stands in
    assert record.os_version == "2019"
    assert record.os_type is OsType.WINDOWS and record.os_type_raw == "Windows"
    assert record.source is ImageSource.CUSTOM and record.source_raw == "self"
    assert record.status is ImageStatus.FAILED
    assert record.min_disk_size_gib == 60 and record.file_size_gib == 2.0 and record.progress == 45
    assert record.offline is True and record.boot_mode == "uefi"
    assert record.created_at == datetime(2024, 5, 1, 10, tzinfo=UTC)
    assert record.tags == ()
    assert record.system_disk == Disk(category="local", disk_type="ssd", size_gib=120)
    assert record.data_disks == (Disk(category="cloud", device_name="vdb", disk_type="ssd.io1", size_gib=100,
                                      iops=4800, encrypted=True, auto_delete=False),)


@pytest.mark.parametrize(("raw", "expected"), [
    ("public", ImageSource.OFFICIAL), ("jcloud", ImageSource.OFFICIAL), ("thirdparty", ImageSource.MARKETPLACE),
    ("marketplace", ImageSource.MARKETPLACE), ("private", ImageSource.CUSTOM), ("self", ImageSource.CUSTOM),
    ("shared", ImageSource.SHARED), ("share", ImageSource.SHARED), ("community", ImageSource.COMMUNITY),
    ("Public", ImageSource.OFFICIAL), ("gallery", ImageSource.OTHER), (None, ImageSource.OTHER),
])
def test_image_sources(raw: str | None, expected: ImageSource) -> None:
    assert records.image_source_of(raw) is expected


@pytest.mark.parametrize(("raw", "expected"), [
    ("ready", ImageStatus.AVAILABLE), ("creating", ImageStatus.CREATING), ("copying", ImageStatus.CREATING),
    ("converting", ImageStatus.CREATING), ("pending", ImageStatus.CREATING), ("deleting", ImageStatus.DELETING),
    ("error", ImageStatus.FAILED), ("error_create", ImageStatus.FAILED), ("READY", ImageStatus.AVAILABLE),
    ("frozen", ImageStatus.OTHER), (None, ImageStatus.OTHER),
])
def test_image_statuses(raw: str | None, expected: ImageStatus) -> None:
    assert records.image_status_of(raw) is expected


def test_boot_mode_from_either_field() -> None:
    def mode(**fields: object) -> str | None:
        record = records.parse_image({"imageId": "i", **fields}, "r")
        assert record is not None
        return record.boot_mode

    assert mode(uefiSupport=True) == "uefi" and mode(uefiSupport=False) == "bios"
    assert mode(bootMode="uefi") == "uefi" and mode(bootMode="bios", uefiSupport=False) == "bios"
    assert mode() is None


def test_records_without_a_usable_id_are_skipped_and_counted() -> None:
    page = records.parse_image_page({"images": [
        SEED, {"name": "no id"}, {"imageId": ""}, {"imageId": None}, "junk", {"imageId": "img-2", "osType": 7},
    ], "totalCount": "6"}, "cn-north-1", "req-1")
    assert [r.image_id for r in page.records] == ["img-m5s0****29", "img-2"]
    assert page.skipped == 4 and page.total_count == 6 and page.request_id == "req-1"
    assert page.records[1].os_type is OsType.OTHER


def test_reverse_mappings_for_pushdown() -> None:
    assert {records.IMAGE_SOURCE_VALUES[s] for s in records.IMAGE_SOURCE_VALUES} == set(records.JD_IMAGE_SOURCES)
    for source, raw in records.IMAGE_SOURCE_VALUES.items():
        assert records.image_source_of(raw) is source
    assert records.IMAGE_STATUS_VALUES == {ImageStatus.AVAILABLE: "ready"}
    assert records.JD_IMAGE_SOURCES == ("public", "thirdparty", "private", "shared", "community")


def test_disks_read_into_volumes() -> None:
    raw = default_catalog().disks_by_region["cn-north-1"][0]
    volume = records.parse_volume(raw, "cn-north-1")
    assert volume is not None
    assert (volume.disk_id, volume.zone_id, volume.status_raw, volume.instance_id) == (
        "vol-cn10000", "cn-north-1a", "in-use", "i-cn10000")
    assert volume.tags == (Tag("env", "prod"), Tag("team", "web"))
    assert volume.size_gib == 20 and volume.disk_type == "ssd.gp1"
    odd = records.parse_volume({"diskId": 12, "diskSizeGB": "30", "tags": None, "encrypted": "False"}, "r")
    assert odd is not None and odd.disk_id == "12" and odd.size_gib == 30 and odd.tags == () and odd.encrypted is False
    assert records.parse_volume({"name": "no id"}, "r") is None
    page = records.parse_volume_page({"disks": [raw, {}], "totalCount": 2}, "cn-north-1", None)
    assert [v.disk_id for v in page.records] == ["vol-cn10000"] and page.total_count == 2


# --- envelopes ----------------------------------------------------------------------------------------


def _response(status: int, body: object, **headers: str) -> HttpResponse:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return HttpResponse(status, headers, raw)


def _error(status: int, code: str, message: str = "m", request_id: str | None = "req-9") -> HttpResponse:
    body: dict[str, Any] = {"error": {"code": status, "status": code, "message": message}}
    if request_id:
        body["requestId"] = request_id
    return _response(status, body)


def test_success_envelope() -> None:
    result, request_id = models.parse_envelope(
        _response(200, {"requestId": "abc", "result": {"images": [], "totalCount": 0}}), action="describeImages")
    assert result == {"images": [], "totalCount": 0} and request_id == "abc"


@pytest.mark.parametrize(("status", "code", "kind"), [
    (400, "INVALID_ARGUMENT", BadRequestError), (400, "FAILED_PRECONDITION", BadRequestError),
    (400, "OUT_OF_RANGE", BadRequestError), (409, "ABORTED", BadRequestError),
    (401, "UNAUTHENTICATED", AuthFailedError), (403, "HTTP_FORBIDDEN", AuthFailedError),
    (403, "PERMISSION_DENIED", AuthFailedError), (404, "NOT_FOUND", NotFoundError),
    (429, "QUOTA_EXCEEDED", ThrottledError), (429, "RATE_LIMIT", ThrottledError),
    (429, "RESOURCE_EXHAUSTED", ThrottledError), (499, "CANCELLED", UnavailableError),
    (500, "INTERNAL", UnavailableError), (500, "UNKNOWN", UnavailableError), (501, "NOT_IMPLEMENTED", UnavailableError),
    (502, "SOURCE_UNAVAILABLE", UnavailableError), (503, "UNAVAILABLE", UnavailableError),
])
def test_error_classes_follow_the_integer_code(status: int, code: str, kind: type[ProviderError]) -> None:
    with pytest.raises(kind) as caught:
        models.parse_envelope(_error(status, code, "the provider's text"), action="describeImages")
    error = caught.value
    assert type(error) is kind
    assert (error.status, error.code, error.message, error.request_id) == (status, code, "the provider's text", "req-9")
    assert error.provider == "jdcloud" and error.action == "describeImages"


def test_throttling_carries_retry_after_and_the_header_request_id() -> None:
    response = HttpResponse(429, {"Retry-After": "3", "X-Jdcloud-Request-Id": "hdr-1"},
                            json.dumps({"error": {"code": 429, "status": "RATE_LIMIT", "message": "slow"}}).encode())
    with pytest.raises(ThrottledError) as caught:
        models.parse_envelope(response, action="describeImages")
    assert caught.value.retry_after == 3.0 and caught.value.request_id == "hdr-1"


@pytest.mark.parametrize("body", [b"<html>bad gateway</html>", b'{"requestId": "x", "respo', b"[]",
                                  json.dumps({"requestId": "x"}).encode(),
                                  json.dumps({"requestId": "x", "result": None}).encode()])
def test_unreadable_success_bodies_are_unavailable(body: bytes) -> None:
    with pytest.raises(UnavailableError) as caught:
        models.parse_envelope(HttpResponse(200, {}, body), action="describeImages")
    assert caught.value.code == "MALFORMED_RESPONSE"


@pytest.mark.parametrize("status", [401, 404, 502])
def test_a_non_json_error_body_is_unavailable(status: int) -> None:
    """A gateway's HTML page is not JD's answer: it says nothing about the region or the credentials."""
    with pytest.raises(UnavailableError) as caught:
        models.parse_envelope(HttpResponse(status, {"x-jdcloud-request-id": "h"}, b"<html>"), action="describeImage")
    assert (caught.value.status, caught.value.code, caught.value.request_id) == (status, "MALFORMED_RESPONSE", "h")


def test_a_non_json_429_still_throttles() -> None:
    with pytest.raises(ThrottledError) as caught:
        models.parse_envelope(HttpResponse(429, {"Retry-After": "2"}, b"slow down"), action="describeImages")
    assert caught.value.retry_after == 2.0


def test_an_error_envelope_on_200_is_still_an_error() -> None:
    with pytest.raises(NotFoundError):
        models.parse_envelope(_response(200, {"requestId": "r", "error": {"code": 404, "status": "NOT_FOUND"}}),
                              action="describeImage")
