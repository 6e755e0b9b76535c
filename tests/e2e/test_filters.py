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
