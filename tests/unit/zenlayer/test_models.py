"""Tolerant record readers and the envelope -> error tree mapping, without I/O."""

from __future__ import annotations

import json
import logging
from typing import Any

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
from providers.http import HttpResponse
from providers.zenlayer import models, records

TAGS = [{"key": "env", "value": "prod"}, {"key": "team", "value": None}]
EXPECTED_TAGS = (Tag("env", "prod"), Tag("team", None))


def image(**fields: Any) -> dict[str, Any]:
    return {"imageId": "img-1", "imageName": "one", **fields}


@pytest.mark.parametrize(("value", "expected"), [
    (None, ()),
    ({}, ()),
    ([], ()),
    ({"tags": None}, ()),
    ({"tags": []}, ()),
    ({"tags": TAGS}, EXPECTED_TAGS),
    (TAGS, EXPECTED_TAGS),  # a bare list: the SDK crashes on it, we do not
    ({"tags": [{"value": "no key"}, "junk", {"key": "n", "value": 7}]}, (Tag("n", "7"),)),
    ("unexpected", ()),
])
def test_every_tags_shape_becomes_a_tuple(value: Any, expected: tuple[Tag, ...]) -> None:
    assert records.parse_tags(value) == expected
    record = records.parse_image(image(tags=value), "z")
    assert record is not None and record.tags == expected


def test_absent_tags_are_empty() -> None:
    record = records.parse_image(image(), "z")
    assert record is not None and record.tags == ()


@pytest.mark.parametrize(("size", "expected"), [("20", 20.0), (20, 20.0), (1.5, 1.5), (" 30 ", 30.0), ("big", None),
                                                (None, None), (True, None)])
def test_image_size_as_string_or_number(size: Any, expected: float | None) -> None:
    record = records.parse_image(image(imageSize=size), "z")
    assert record is not None and record.disk_size_gib == expected and record.file_size_gib is None


@pytest.mark.parametrize(("value", "expected"), [("40", 40), (40, 40), (None, None), ("4.5", None)])
def test_min_disk_size(value: Any, expected: int | None) -> None:
    fields = {} if value is None else {"minDiskSize": value}
    record = records.parse_image(image(**fields), "z")
    assert record is not None and record.min_disk_size_gib == expected


@pytest.mark.parametrize(("raw", "expected"), [
    ("linux", OsType.LINUX), ("Linux", OsType.LINUX), ("windows", OsType.WINDOWS), ("Windows", OsType.WINDOWS),
    ("bsd", OsType.BSD), ("android", OsType.ANDROID), ("any", OsType.OTHER), ("plan9", OsType.OTHER),
    (None, OsType.OTHER),
])
def test_os_type_any_case_and_raw_kept(raw: str | None, expected: OsType) -> None:
    record = records.parse_image(image(osType=raw), "z")
    assert record is not None and record.os_type is expected and record.os_type_raw == raw


@pytest.mark.parametrize(("raw", "expected"), [
    ("OFFICIAL", ImageSource.OFFICIAL), ("MARKETING", ImageSource.MARKETPLACE), ("CUSTOM", ImageSource.CUSTOM),
    ("SHARED_WITH_ME", ImageSource.OTHER), (None, ImageSource.OTHER),
])
def test_image_source(raw: str | None, expected: ImageSource) -> None:
    record = records.parse_image(image(imageSource=raw), "z")
    assert record is not None and record.source is expected and record.source_raw == raw


@pytest.mark.parametrize(("raw", "expected"), [
    ("AVAILABLE", ImageStatus.AVAILABLE), ("CREATING", ImageStatus.CREATING), ("UNAVAILABLE", ImageStatus.UNAVAILABLE),
    ("DELETING", ImageStatus.DELETING), ("FAILED", ImageStatus.FAILED), ("SYNCING", ImageStatus.CREATING),
    ("PROCESSING", ImageStatus.CREATING), ("MIGRATING", ImageStatus.OTHER),
])
def test_image_status(raw: str, expected: ImageStatus) -> None:
    record = records.parse_image(image(imageStatus=raw), "z")
    assert record is not None and record.status is expected and record.status_raw == raw


def test_fields_map_onto_the_record() -> None:
    raw = image(category="Ubuntu", imageVersion="Server 24.04 LTS", imageDescription="d",
                nicNetworkType=["FailOver", "VirtioOnly"])
    record = records.parse_image(raw, "asia-east-1a")
    assert record is not None
    assert (record.location, record.image_id, record.name, record.platform, record.os_version, record.description) == (
        "asia-east-1a", "img-1", "one", "Ubuntu", "Server 24.04 LTS", "d")
    assert record.nic_network_types == ("FailOver", "VirtioOnly")
    assert record.raw is raw


def test_nic_network_type_as_a_string_is_one_value() -> None:
    record = records.parse_image(image(nicNetworkType="vf,virtio"), "z")
    assert record is not None and record.nic_network_types == ("vf,virtio",)


def test_a_record_without_a_usable_id_is_skipped_counted_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    response = {"totalCount": 4, "dataSet": [image(), {"imageName": "secret-looking-name"}, image(imageId=""), "junk"]}
    with caplog.at_level(logging.WARNING, logger="providers.zenlayer"):
        page = records.parse_image_page(response, "z", "T-1")
    assert [r.image_id for r in page.records] == ["img-1"]
    assert (page.skipped, page.total_count, page.request_id) == (3, 4, "T-1")
    assert len(caplog.records) == 3
    assert "secret-looking-name" not in caplog.text


def test_zone_and_disk_records() -> None:
    zone = records.parse_zone({"zoneId": "asia-east-1a", "zoneName": "Hong Kong A", "regionId": "asia-east-1",
                              "cityName": "Hong Kong", "countryCode": "HK"})
    assert zone is not None
    assert (zone.id, zone.name, zone.region_id, zone.city_name, zone.country_code) == (
        "asia-east-1a", "Hong Kong A", "asia-east-1", "Hong Kong", "HK")
    disk = records.parse_volume({"diskId": "862857204414550690", "diskSize": 100, "diskCategory": "Basic NVMe SSD",
                              "diskType": "DATA", "diskStatus": "AVAILABLE", "createTime": "2024-01-10T08:00:00Z",
                              "tags": {"tags": TAGS}}, "asia-east-1a")
    assert disk is not None
    assert (disk.disk_id, disk.size_gib, disk.category, disk.disk_type, disk.status_raw) == (
        "862857204414550690", 100, "Basic NVMe SSD", "DATA", "AVAILABLE")
    assert disk.created_at is not None and disk.created_at.year == 2024
    assert disk.tags == EXPECTED_TAGS


def test_request_bodies_drop_none_at_every_level() -> None:
    body = models.serialize_request({"zoneId": "z", "imageName": None, "tags": [{"key": "k", "value": None}]})
    assert body == b'{"zoneId": "z", "tags": [{"key": "k"}]}'
    assert models.serialize_request({"imageName": "测试"}) == b'{"imageName": "\\u6d4b\\u8bd5"}'


def test_reverse_mappings_for_pushdown() -> None:
    assert records.OS_TYPE_VALUES[OsType.LINUX] == "linux"
    assert OsType.OTHER not in records.OS_TYPE_VALUES
    assert records.IMAGE_SOURCE_VALUES[ImageSource.MARKETPLACE] == "MARKETING"
    assert ImageSource.SHARED not in records.IMAGE_SOURCE_VALUES
    assert records.IMAGE_STATUS_VALUES[ImageStatus.AVAILABLE] == "AVAILABLE"
    assert ImageStatus.CREATING not in records.IMAGE_STATUS_VALUES  # also SYNCING and PROCESSING
    for os_type, value in records.OS_TYPE_VALUES.items():
        assert records.os_type_of(value) is os_type
    for source, value in records.IMAGE_SOURCE_VALUES.items():
        assert records.source_of(value) is source
    for status, value in records.IMAGE_STATUS_VALUES.items():
        assert records.status_of(value) is status


# --- envelopes --------------------------------------------------------------------------------------


def response(status: int, body: Any, headers: dict[str, str] | None = None) -> HttpResponse:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return HttpResponse(status, headers or {}, raw)


def error(status: int, code: str, headers: dict[str, str] | None = None) -> ProviderError:
    with pytest.raises(ProviderError) as caught:
        models.parse_envelope(response(status, {"requestId": "T-9", "code": code, "message": "m"}, headers),
                              action="DescribeImages")
    return caught.value


def test_success_envelope() -> None:
    inner, request_id = models.parse_envelope(
        response(200, {"requestId": "T-1", "response": {"requestId": "T-1", "totalCount": 0}}), action="A")
    assert inner == {"requestId": "T-1", "totalCount": 0} and request_id == "T-1"


@pytest.mark.parametrize(("status", "code", "cls"), [
    (404, "INVALID_ZONE_NOT_FOUND", NotFoundError),
    (404, "INVALID_DISK_NOT_FOUND", NotFoundError),
    (400, "OPERATION_FAILED_RESOURCE_NOT_FOUND", NotFoundError),
    (400, "Invalid.Zone.Not.Found", NotFoundError),
    (401, "AUTH_FAILED", AuthFailedError),
    (403, "ACCESS_DENIED", AuthFailedError),
    (400, "SIGNATURE_INVALID", AuthFailedError),
    (400, "INVALID_ACCESS_KEY_ID", AuthFailedError),
    (429, "REQUEST_LIMIT_EXCEEDED", ThrottledError),
    (400, "REQUEST_LIMIT_EXCEEDED", ThrottledError),
    (429, "SOMETHING_ELSE", ThrottledError),
    (400, "REQUEST_LIMIT_EXCEEDED.Api", ThrottledError),
    (503, "SERVICE_TEMPORARY_UNAVAILABLE", UnavailableError),
    (500, "INTERNAL_SERVER_ERROR", UnavailableError),
    (400, "REQUEST_TIMED_OUT", UnavailableError),
    (502, "BAD_GATEWAY", UnavailableError),
    (400, "INVALID_PARAMETER_VALUE", BadRequestError),
    (400, "UNSUPPORTED_OPERATION_DISK_STATUS", BadRequestError),
    (409, "CONFLICT", BadRequestError),
])
def test_error_codes_map_onto_the_tree(status: int, code: str, cls: type[ProviderError]) -> None:
    err = error(status, code)
    assert type(err) is cls
    assert (err.status, err.code, err.message, err.request_id, err.provider, err.action) == (
        status, code, "m", "T-9", "zenlayer", "DescribeImages")


def test_throttle_keeps_retry_after() -> None:
    err = error(429, "REQUEST_LIMIT_EXCEEDED", {"retry-after": "3"})
    assert isinstance(err, ThrottledError) and err.retry_after == 3.0
    assert isinstance(no := error(429, "REQUEST_LIMIT_EXCEEDED"), ThrottledError) and no.retry_after is None


@pytest.mark.parametrize(("status", "body", "cls"), [
    (200, b"<html>gateway</html>", UnavailableError),
    (200, b'{"requestId": "T-broken", "respo', UnavailableError),
    (200, {"requestId": "T-1"}, UnavailableError),
    (200, {"requestId": "T-1", "response": None}, UnavailableError),
    (400, {"requestId": "T-1", "message": "no code"}, UnavailableError),
    (502, b"Bad Gateway", UnavailableError),
    (429, b"Too Many Requests", ThrottledError),
    (200, [1, 2], UnavailableError),
])
def test_bodies_that_are_not_envelopes(status: int, body: Any, cls: type[ProviderError]) -> None:
    with pytest.raises(cls) as caught:
        models.parse_envelope(response(status, body), action="DescribeImages")
    assert caught.value.code == models.MALFORMED and caught.value.status == status


def test_an_error_envelope_with_status_200_is_still_an_error() -> None:
    with pytest.raises(BadRequestError):
        models.parse_envelope(response(200, {"requestId": "T", "code": "INVALID_PARAMETER", "message": "m"}),
                              action="A")
