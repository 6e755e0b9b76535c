"""`Location.images`: the `images` connection narrowed to one zone or region, through the same loaders."""

from __future__ import annotations

from .harness import Stack, running_stack
from .queries import ids, page

PER_LOCATION = """
query($filter: ImageFilter) {
  locations { provider id images(filter: $filter, first: 3) { totalCount edges { node { id location } } } }
}
"""


async def test_each_location_lists_its_own_images_like_a_location_filter(stack: Stack) -> None:
    linux = {"osType": "LINUX"}
    body = await stack.graphql(PER_LOCATION, {"filter": linux})
    assert "errors" not in body, body["errors"]
    locations = body["data"]["locations"]
    assert len(locations) == 8
    for location in locations:
        alone = await page(stack, filter={**linux, "locations": [location["id"]]}, first=3)
        assert location["images"]["totalCount"] == alone["totalCount"] > 0
        assert [e["node"]["id"] for e in location["images"]["edges"]] == ids(alone)


async def test_a_filter_excluding_a_location_leaves_it_empty_without_calls(stack: Stack) -> None:
    body = await stack.graphql(PER_LOCATION, {"filter": {"locations": ["cn-south-1"]}})
    counts = {loc["id"]: loc["images"]["totalCount"] for loc in body["data"]["locations"]}
    assert counts.pop("cn-south-1") == 40 and set(counts.values()) == {0}
    assert stack.jdcloud.counter.by_action == {"describeImages": 5}  # cn-south-1's five sources only
    assert stack.zenlayer.counter.by_action == {"DescribeZones": 1}


async def test_zones_with_their_images_cost_the_calls_of_one_listing() -> None:
    async with running_stack(cache_ttl=0) as uncached:
        await page(uncached, first=3)
        alone = uncached.calls
        uncached.reset_calls()
        body = await uncached.graphql(PER_LOCATION)
        assert "errors" not in body, body["errors"]
        assert uncached.calls == alone  # one call per source (page 1 of each), DescribeZones once
