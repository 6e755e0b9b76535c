"""Picking one image per location: the newest Ubuntu 22.04 everywhere in one query, against ground truth
from the raw catalogs, with its provider calls pinned; and the trusted, usable default (Terraform's
CVE-2018-15869): a newer community image with a matching name is not chosen unless the query names it."""

from __future__ import annotations

import functools
from typing import Any

from providers.base import ImageRecord, ImageSource, ImageStatus
from providers.jdcloud import emulator as jdcloud_emulator
from providers.jdcloud.catalog import JdcloudCatalog, default_catalog

from .harness import Stack, running_stack
from .test_ordering import default_order

NEWEST = """
query Newest($filter: ImageFilter, $distinctOn: [ImageDistinctField!]) {
  images(filter: $filter, orderBy: [{field: CREATED_AT, direction: DESC}], distinctOn: $distinctOn, first: 100) {
    totalCount
    edges { node { provider location imageId name createdAt source owner trusted os { family version } } }
  }
}
"""
UBUNTU_2204 = {"os": {"family": "UBUNTU", "version": "22.04"}}
JD_SOURCES = ("public", "thirdparty", "private", "shared", "community")


def is_ubuntu_2204(record: ImageRecord) -> bool:
    """From the raw fields alone: both catalogs spell Ubuntu 22.04 as platform `Ubuntu` and a version with 22.04."""
    return record.platform == "Ubuntu" and "22.04" in (record.os_version or "")


def newest_per_location(keep: Any) -> list[tuple[str, str, str]]:
    """The first image per location under createdAt descending (nulls last, ties in the default order)."""
    candidates = [r for r in default_order() if keep(r)]
    dated = sorted((r for r in candidates if r.created_at is not None), key=lambda r: r.created_at, reverse=True)
    chosen: dict[tuple[str, str], ImageRecord] = {}
    for record in dated + [r for r in candidates if r.created_at is None]:
        chosen.setdefault((record.provider.name, record.location), record)
    return [(r.provider.name, r.location, r.image_id) for r in chosen.values()]


def trusted_and_usable(record: ImageRecord) -> bool:
    return (record.source in (ImageSource.OFFICIAL, ImageSource.CUSTOM) and record.status is ImageStatus.AVAILABLE
            and record.offline is not True)


def found(body: dict[str, Any]) -> list[tuple[str, str, str]]:
    assert "errors" not in body, body["errors"]
    return [(e["node"]["provider"], e["node"]["location"], e["node"]["imageId"])
            for e in body["data"]["images"]["edges"]]


async def test_newest_ubuntu_2204_in_each_location_in_one_query(stack: Stack) -> None:
    body = await stack.graphql(NEWEST, {"filter": UBUNTU_2204, "distinctOn": ["LOCATION"]})
    truth = newest_per_location(lambda r: is_ubuntu_2204(r) and trusted_and_usable(r))
    assert found(body) == truth
    # Three zones have only marketplace Ubuntu 22.04 images and failed own ones: no pick there.
    assert {loc for _, loc, _ in truth} == {"asia-east-1a", "sa-east-1a", "cn-east-2", "cn-north-1", "cn-south-1"}
    nodes = [e["node"] for e in body["data"]["images"]["edges"]]
    assert all(n["trusted"] and n["os"] == {"family": "UBUNTU", "version": "22.04"} for n in nodes)
    assert {n["owner"] for n in nodes if n["provider"] == "JDCLOUD"} <= {"admin", "demo-user"}
    # DescribeZones; one DescribeImages per zone (imageStatus=AVAILABLE pushed down, OFFICIAL or CUSTOM
    # applied here); JD Cloud public and private only (status=ready pushed down), every page of them:
    # cn-north-1 public 3 pages + private 1, cn-east-2 1 + 1, cn-south-1 1 + 1.
    assert stack.zenlayer.counter.by_action == {"DescribeZones": 1, "DescribeImages": 5}
    assert stack.jdcloud.counter.by_action == {"describeImages": 8}


async def test_one_per_os_release_and_per_location(stack: Stack) -> None:
    body = await stack.graphql(NEWEST, {"filter": {"locations": ["cn-south-1"], "os": {"family": "UBUNTU"}},
                                        "distinctOn": ["LOCATION", "OS_VERSION"]})
    versions = [e["node"]["os"]["version"] for e in body["data"]["images"]["edges"]]
    assert sorted(versions) == sorted(set(versions)) and len(versions) >= 2


def _record(base: dict[str, Any], image_id: str, source: str, created: str, **changes: Any) -> dict[str, Any]:
    return {**base, "imageId": image_id, "imageSource": source, "createTime": created,
            "name": "Ubuntu 22.04 64位", **changes}


def lookalike_catalog() -> JdcloudCatalog:
    """cn-north-1 holds one official Ubuntu 22.04 and newer look-alikes: a community and a shared image, a
    marketplace one, an official one taken offline, and the account's own one still being created."""
    real = default_catalog()
    template = next(r for r in real.images_by_region["cn-north-1"]
                    if r["imageSource"] == "public" and r["platform"] == "Ubuntu" and r["osVersion"] == "22.04")
    base = {**template, "status": "ready", "offline": False}
    records = (
        _record(base, "img-official", "public", "2024-03-01 10:00:00", ownerPin="admin"),
        _record(base, "img-offline", "public", "2024-06-01 10:00:00", ownerPin="admin", offline=True),
        _record(base, "img-mine-creating", "private", "2024-07-01 10:00:00", ownerPin="demo-user",
                status="creating"),
        _record(base, "img-market", "thirdparty", "2024-11-01 10:00:00", ownerPin="market"),
        _record(base, "img-shared", "shared", "2024-12-01 10:00:00", ownerPin="sharer-1"),
        _record(base, "img-community", "community", "2025-01-01 10:00:00", ownerPin="stranger"),
    )
    regions = {region: () for region in real.regions}
    return JdcloudCatalog({**regions, "cn-north-1": records}, {region: () for region in real.regions})


async def test_a_newer_community_look_alike_is_chosen_only_when_named() -> None:
    app = functools.partial(jdcloud_emulator.create_app, catalog=lookalike_catalog())
    async with running_stack(apps={"jdcloud": app}) as stack:
        jd = {"providers": ["JDCLOUD"], "locations": ["cn-north-1"], **UBUNTU_2204}

        async def chosen(**filter: Any) -> str:
            body = await stack.graphql(NEWEST, {"filter": {**jd, **filter}, "distinctOn": ["LOCATION"]})
            (picked,) = found(body)
            return picked[2]

        stack.reset_calls()
        assert await chosen() == "img-official"
        assert stack.jdcloud.counter.by_action == {"describeImages": 2}  # public and private only
        assert await chosen(sources=["OFFICIAL", "COMMUNITY"]) == "img-community"
        assert await chosen(source="COMMUNITY") == "img-community"
        assert await chosen(jdcloud={"imageSource": "shared"}) == "img-shared"
        assert await chosen(sources=["MARKETPLACE", "OFFICIAL"]) == "img-market"
        # Naming a status lifts the usable default: the offline official image is AVAILABLE too.
        assert await chosen(status="AVAILABLE") == "img-offline"
        assert await chosen(status="CREATING") == "img-mine-creating"
        # Sorting alone keeps every source: the community image is simply the newest.
        body = await stack.graphql(NEWEST, {"filter": jd})
        assert [n[2] for n in found(body)] == ["img-community", "img-shared", "img-market", "img-mine-creating",
                                              "img-offline", "img-official"]
        owners = {e["node"]["imageId"]: (e["node"]["owner"], e["node"]["source"], e["node"]["trusted"])
                  for e in body["data"]["images"]["edges"]}
        assert owners["img-community"] == ("stranger", "COMMUNITY", False)
        assert owners["img-official"] == ("admin", "OFFICIAL", True)
