"""Disk volumes through GraphQL: paging, filters against the raw catalogs, lookups by id, batching."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from providers.base import ProviderName, VolumeRecord
from providers.jdcloud import records as jdcloud_records
from providers.jdcloud.catalog import default_catalog as jdcloud_catalog
from providers.zenlayer import records as zenlayer_records
from providers.zenlayer.catalog import default_catalog as zenlayer_catalog

from .harness import Stack
from .queries import codes

VOLUMES = """
query($filter: VolumeFilter, $first: Int, $after: String, $last: Int, $before: String) {
  volumes(filter: $filter, first: $first, after: $after, last: $last, before: $before) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id provider location volumeId name sizeGiB status instanceId tags { key value } } }
  }
}
"""


def catalog() -> list[VolumeRecord]:
    records = [zenlayer_records.parse_volume(raw, zone) for zone, raws in zenlayer_catalog().disks_by_zone.items()
               for raw in raws]
    records += [jdcloud_records.parse_volume(raw, region) for region, raws in jdcloud_catalog().disks_by_region.items()
                for raw in raws]
    return [r for r in records if r is not None]


def key(record: VolumeRecord) -> tuple[str, str, str]:
    return (record.provider.name, record.location, record.disk_id)


def keys(connection: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(e["node"]["provider"], e["node"]["location"], e["node"]["volumeId"]) for e in connection["edges"]]


async def volumes(stack: Stack, **variables: Any) -> dict[str, Any]:
    body = await stack.graphql(VOLUMES, variables)
    assert "errors" not in body, body["errors"]
    return body["data"]["volumes"]  # type: ignore[no-any-return]


async def test_every_volume_once_in_provider_and_location_order_forward_and_backward(stack: Stack) -> None:
    everything = await volumes(stack, first=1000)
    expected = catalog()
    assert sorted(keys(everything)) == sorted(key(r) for r in expected)
    assert everything["totalCount"] == len(expected)
    listed = keys(everything)
    assert [k[0] for k in listed] == sorted((k[0] for k in listed), key=["ZENLAYER", "JDCLOUD"].index)
    forward: list[tuple[str, str, str]] = []
    after = None
    while True:
        page = await volumes(stack, first=7, after=after)
        forward += keys(page)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    backward: list[tuple[str, str, str]] = []
    before = None
    while True:
        page = await volumes(stack, last=11, before=before)
        backward = keys(page) + backward
        if not page["pageInfo"]["hasPreviousPage"]:
            break
        before = page["pageInfo"]["startCursor"]
    assert forward == backward == listed


CASES: list[Any] = [
    ({"providers": ["JDCLOUD"], "locations": ["cn-east-2"]},
     lambda r: r.provider == ProviderName("jdcloud") and r.location == "cn-east-2"),
    ({"tags": [{"key": "env", "value": "prod"}]}, lambda r: ("env", "prod") in {(t.key, t.value) for t in r.tags}),
    ({"tags": [{"key": "team"}]}, lambda r: "team" in {t.key for t in r.tags}),  # a key alone: any value
    ({"providers": ["ZENLAYER"], "status": "IN_USE"}, lambda r: r.status_raw == "IN_USE"),
    ({"providers": ["JDCLOUD"], "status": "available"}, lambda r: r.status_raw == "available"),
    ({"instanceId": "i-cn10000"}, lambda r: r.instance_id == "i-cn10000"),
    ({"name": "system"}, lambda r: "system" in (r.name or "").lower()),
]


@pytest.mark.parametrize(("filter", "predicate"), CASES, ids=[str(c[0]) for c in CASES])
async def test_volume_filters_match_ground_truth(
    stack: Stack, filter: dict[str, Any], predicate: Callable[[VolumeRecord], bool]
) -> None:
    providers = set(filter.get("providers", ["ZENLAYER", "JDCLOUD"]))
    expected = {key(r) for r in catalog() if r.provider.name in providers and predicate(r)}
    result = await volumes(stack, filter=filter, first=1000)
    assert set(keys(result)) == expected and result["totalCount"] == len(expected)
    assert expected  # each case selects something


async def test_lookups_by_id_round_trip_and_batch_per_location(stack: Stack) -> None:
    listed = await volumes(stack, filter={"locations": ["asia-east-1a", "cn-north-1"]}, first=1000)
    zen = [e["node"] for e in listed["edges"] if e["node"]["location"] == "asia-east-1a"][:3]
    jd = [e["node"] for e in listed["edges"] if e["node"]["location"] == "cn-north-1"][:5]
    wanted = zen + jd
    stack.reset_calls()
    query = "{ " + " ".join(f'v{n}: volume(id: "{v["id"]}") {{ id volumeId }}' for n, v in enumerate(wanted)) + " }"
    body = await stack.graphql(query)
    assert [body["data"][f"v{n}"]["volumeId"] for n in range(len(wanted))] == [v["volumeId"] for v in wanted]
    assert stack.zenlayer.counter.by_action == {"DescribeDisks": 1}
    assert stack.jdcloud.counter.by_action == {"describeDisks": 1}
    nodes = await stack.graphql("query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }",
                                {"ids": [wanted[0]["id"], "garbage", wanted[-1]["id"]]})
    assert [n and n["__typename"] for n in nodes["data"]["nodes"]] == ["Volume", None, "Volume"]


async def test_volume_and_image_ids_do_not_mix(stack: Stack) -> None:
    image = (await stack.graphql("{ images(first: 1) { edges { node { id } } } }"))["data"]["images"]
    image_id = image["edges"][0]["node"]["id"]
    body = await stack.graphql("query($id: ID!) { volume(id: $id) { id } }", {"id": image_id})
    assert codes(body) == ["BAD_USER_INPUT"] and body["data"] == {"volume": None}
    node = await stack.graphql("query($id: ID!) { node(id: $id) { __typename } }", {"id": image_id})
    assert node["data"]["node"] == {"__typename": "Image"}


async def test_bad_volume_input(stack: Stack) -> None:
    images = await stack.graphql("{ images(first: 1) { pageInfo { endCursor } } }")
    cursor = images["data"]["images"]["pageInfo"]["endCursor"]
    for variables in ({"after": cursor}, {"filter": {"locations": ["atlantis-1a"]}}, {"filter": {"name": ""}},
                      {"first": 5, "last": 5}):
        body = await stack.graphql(VOLUMES, variables)
        assert codes(body) == ["BAD_USER_INPUT"], (variables, body)


async def test_a_failing_location_leaves_the_others(stack: Stack) -> None:
    stack.jdcloud.faults.error_rate = 1.0
    body = await stack.graphql(VOLUMES, {"first": 1000})
    assert {e["node"]["provider"] for e in body["data"]["volumes"]["edges"]} == {"ZENLAYER"}
    assert set(codes(body)) == {"UPSTREAM_UNAVAILABLE"}
