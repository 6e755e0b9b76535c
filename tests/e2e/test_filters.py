"""Every filter, through GraphQL, against ground truth computed from the emulators' raw catalogs.

The expected set is computed here from the raw provider records (normalized with the providers' own
readers) and plain predicates; the service must return exactly that set, with an exact totalCount,
whether it pushed the filter down or applied it itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from providers.base import ImageRecord, ImageSource, ImageStatus, OsType, ProviderName
from providers.jdcloud.catalog import default_catalog as jdcloud_catalog
from providers.jdcloud.records import JD_IMAGE_SOURCES
from providers.jdcloud.records import parse_image as parse_jdcloud
from providers.zenlayer.catalog import default_catalog as zenlayer_catalog
from providers.zenlayer.records import parse_image as parse_zenlayer

from .harness import Stack
from .queries import codes

QUERY = """
query($filter: ImageFilter) {
  images(filter: $filter, first: 1000) { totalCount edges { node { provider location imageId } } }
}
"""


def catalog() -> list[ImageRecord]:
    records = [parse_zenlayer(raw, zone) for zone, raws in zenlayer_catalog().images_by_zone.items() for raw in raws]
    records += [parse_jdcloud(raw, region) for region, raws in jdcloud_catalog().images_by_region.items()
                for raw in raws]
    return [r for r in records if r is not None]


def key(record: ImageRecord) -> tuple[str, str, str]:
    return (record.provider.name, record.location, record.image_id)


def zen(predicate: Callable[[ImageRecord], bool]) -> Callable[[ImageRecord], bool]:
    """A raw Zenlayer parameter: narrows Zenlayer images only."""
    return lambda r: r.provider != ProviderName("zenlayer") or predicate(r)


def jd(predicate: Callable[[ImageRecord], bool]) -> Callable[[ImageRecord], bool]:
    """A raw JD Cloud parameter: narrows JD Cloud images only."""
    return lambda r: r.provider != ProviderName("jdcloud") or predicate(r)


def tag_keys(record: ImageRecord) -> set[str]:
    return {t.key for t in record.tags}


CASES: list[Any] = [
    ({"osType": "LINUX"}, lambda r: r.os_type is OsType.LINUX),
    ({"osType": "WINDOWS"}, lambda r: r.os_type is OsType.WINDOWS),
    ({"osType": "BSD"}, lambda r: r.os_type is OsType.BSD),
    ({"osType": "OTHER"}, lambda r: r.os_type is OsType.OTHER),
    ({"platform": "Ubuntu"}, lambda r: r.platform == "Ubuntu"),
    ({"platform": "Windows Server"}, lambda r: r.platform == "Windows Server"),
    *[({"source": s.name}, lambda r, s=s: r.source is s) for s in ImageSource],
    *[({"status": s.name}, lambda r, s=s: r.status is s) for s in ImageStatus],
    ({"architecture": "arm64"}, lambda r: r.architecture == "arm64"),
    ({"name": "ubuntu"}, lambda r: "ubuntu" in r.name.lower()),
    ({"name": "测试 镜像 a&b=c"}, lambda r: "测试 镜像 a&b=c" in r.name),
    ({"tagKeys": ["env", "team"]}, lambda r: bool(tag_keys(r) & {"env", "team"})),
    ({"tags": [{"key": "env", "value": "prod"}]}, lambda r: ("env", "prod") in {(t.key, t.value) for t in r.tags}),
    ({"providers": ["JDCLOUD"], "locations": ["cn-east-2"]}, lambda r: r.location == "cn-east-2"),
    ({"locations": ["asia-east-1a", "cn-south-1"], "osType": "WINDOWS", "source": "OFFICIAL"},
     lambda r: r.location in ("asia-east-1a", "cn-south-1") and r.os_type is OsType.WINDOWS
     and r.source is ImageSource.OFFICIAL),
    ({"zenlayer": {"imageType": "CUSTOM_IMAGE"}}, zen(lambda r: r.raw.get("imageType") == "CUSTOM_IMAGE")),
    ({"zenlayer": {"category": "FreeBSD"}}, zen(lambda r: r.platform == "FreeBSD")),
    ({"jdcloud": {"rootDeviceType": "localDisk"}}, jd(lambda r: r.root_device_type == "localDisk")),
    # offline only has meaning for public and thirdparty images: it selects among those only (an AND)
    ({"jdcloud": {"offline": True}}, jd(lambda r: r.source_raw in ("public", "thirdparty") and r.offline is True)),
    ({"jdcloud": {"imageSource": "private", "launchPermission": "ownerOnly"}, "providers": ["JDCLOUD"]},
     lambda r: r.source_raw == "private" and r.launch_permission == "ownerOnly"),
    ({"jdcloud": {"bootMode": "uefi"}, "providers": ["JDCLOUD"]}, lambda r: r.boot_mode == "uefi"),
    # Every raw sub-filter value, each an AND with everything else (a raw value narrows its provider only).
    *[({"jdcloud": {"imageSource": s}}, jd(lambda r, s=s: r.source_raw == s)) for s in JD_IMAGE_SOURCES],
    ({"jdcloud": {"offline": False}},
     jd(lambda r: r.source_raw in ("public", "thirdparty") and not r.offline)),
    ({"jdcloud": {"offline": True, "imageSource": "thirdparty"}},
     jd(lambda r: r.source_raw == "thirdparty" and r.offline is True)),
    ({"jdcloud": {"platform": "Windows Server"}}, jd(lambda r: r.platform == "Windows Server")),
    ({"jdcloud": {"rootDeviceType": "cloudDisk"}}, jd(lambda r: r.root_device_type == "cloudDisk")),
    # launchPermission only has meaning for private images: it selects among those only
    *[({"jdcloud": {"launchPermission": p}}, jd(lambda r, p=p: r.source_raw == "private" and r.launch_permission == p))
      for p in ("ownerOnly", "specifiedUsers")],
    ({"jdcloud": {"status": "ready"}}, jd(lambda r: r.status_raw == "ready")),
    ({"jdcloud": {"status": "creating"}}, jd(lambda r: r.status_raw == "creating")),
    ({"jdcloud": {"architecture": "arm64"}}, jd(lambda r: r.architecture == "arm64")),
    ({"jdcloud": {"bootMode": "bios"}}, jd(lambda r: r.boot_mode == "bios")),
    ({"jdcloud": {"instanceIds": ["i-cn10001", "i-ce20003"]}},
     jd(lambda r: r.instance_id in ("i-cn10001", "i-ce20003"))),
    ({"jdcloud": {"serviceCode": "vm"}}, jd(lambda r: r.raw.get("serviceCode") == "vm")),
    ({"zenlayer": {"imageType": "PUBLIC_IMAGE"}}, zen(lambda r: r.image_type == "PUBLIC_IMAGE")),
    *[({"zenlayer": {"imageSource": s}}, zen(lambda r, s=s: r.source_raw == s)) for s in ("OFFICIAL", "MARKETING",
                                                                                          "CUSTOM")],
    ({"zenlayer": {"osType": "windows"}}, zen(lambda r: (r.os_type_raw or "").lower() == "windows")),
    ({"zenlayer": {"osType": "any"}}, zen(lambda r: r.os_type_raw == "any")),
    ({"zenlayer": {"imageStatus": "SYNCING"}}, zen(lambda r: r.status_raw == "SYNCING")),
    ({"zenlayer": {"imageStatus": "AVAILABLE"}}, zen(lambda r: r.status_raw == "AVAILABLE")),
    # Normalized filters not covered above, and ANDs across them and the raw sub-filters.
    ({"imageIds": ["ubuntu2404_20240712", "img-cn1pri0004", "img-m5s0****30"]},
     lambda r: r.image_id in ("ubuntu2404_20240712", "img-cn1pri0004", "img-m5s0****30")),
    ({"tags": [{"key": "team"}]}, lambda r: "team" in tag_keys(r)),
    ({"tags": [{"key": "team"}, {"key": "env", "value": "dev"}]},
     lambda r: "team" in tag_keys(r) and ("env", "dev") in {(t.key, t.value) for t in r.tags}),
    ({"tagKeys": ["team"], "tags": [{"key": "os", "value": "ubuntu"}]},
     lambda r: "team" in tag_keys(r) and ("os", "ubuntu") in {(t.key, t.value) for t in r.tags}),
    ({"osType": "LINUX", "status": "AVAILABLE", "jdcloud": {"offline": False, "rootDeviceType": "localDisk"},
      "zenlayer": {"imageType": "CUSTOM_IMAGE"}},
     lambda r: r.os_type is OsType.LINUX and r.status is ImageStatus.AVAILABLE
     and zen(lambda z: z.image_type == "CUSTOM_IMAGE")(r)
     and jd(lambda j: j.source_raw in ("public", "thirdparty") and not j.offline
            and j.root_device_type == "localDisk")(r)),
    ({"source": "CUSTOM", "name": "image", "jdcloud": {"launchPermission": "specifiedUsers"}},
     lambda r: r.source is ImageSource.CUSTOM and "image" in r.name.lower()
     and jd(lambda j: j.launch_permission == "specifiedUsers")(r)),
    ({"platform": "CentOS", "architecture": "x86_64", "status": "CREATING"},
     lambda r: r.platform == "CentOS" and r.architecture == "x86_64" and r.status is ImageStatus.CREATING),
    ({"imageIds": ["img-cn1pub0024", "img-cn1pub0003", "img-cn1pri0002"], "jdcloud": {"offline": True}},
     lambda r: r.image_id == "img-cn1pub0024"),  # with ids JD Cloud ignores offline: the service applies it
    ({"imageIds": ["img-cn1pri0002", "img-cn1pri0003", "img-cn1pub0003"],
      "jdcloud": {"launchPermission": "ownerOnly"}},
     lambda r: r.image_id == "img-cn1pri0002"),
]


@pytest.mark.parametrize(("filter", "predicate"), CASES, ids=[str(c[0]) for c in CASES])
async def test_filter_matches_ground_truth(
    stack: Stack, filter: dict[str, Any], predicate: Callable[[ImageRecord], bool]
) -> None:
    providers = set(filter.get("providers", ["ZENLAYER", "JDCLOUD"]))
    expected = {key(r) for r in catalog() if r.provider.name in providers and predicate(r)}
    body = await stack.graphql(QUERY, {"filter": filter})
    assert "errors" not in body, body["errors"]
    images = body["data"]["images"]
    found = {(n["node"]["provider"], n["node"]["location"], n["node"]["imageId"]) for n in images["edges"]}
    assert len(found) == len(images["edges"]), "an image came back twice"
    assert found == expected
    assert images["totalCount"] == len(expected)


async def test_image_ids_across_providers_in_one_filter(stack: Stack) -> None:
    records = catalog()
    chosen = [records[0], records[100], records[-1], records[-200]]
    filter = {"imageIds": [r.image_id for r in chosen]}
    body = await stack.graphql(QUERY, {"filter": filter})
    found = {(n["node"]["provider"], n["node"]["location"], n["node"]["imageId"]) for n in
             body["data"]["images"]["edges"]}
    assert found == {key(r) for r in chosen}


async def test_a_raw_value_the_provider_refuses_is_bad_user_input_with_the_provider_named(stack: Stack) -> None:
    body = await stack.graphql(QUERY, {"filter": {"providers": ["JDCLOUD"], "jdcloud": {"imageSource": "nonsense"}}})
    assert set(codes(body)) == {"BAD_USER_INPUT"}
    assert {e["extensions"]["provider"] for e in body["errors"]} == {"JDCLOUD"}
    assert all(e["extensions"]["upstreamStatus"] == 400 for e in body["errors"])
