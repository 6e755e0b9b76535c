"""Upstream-call budgets: the exact number of provider calls representative queries make.

Like query-count tests in large GraphQL codebases, these pin the cost of a query: the numbers must not
grow with the number of items asked for.
"""

from __future__ import annotations

from .harness import Stack, running_stack
from .queries import ids, page

JD_SOURCES = 5  # public, thirdparty, private, shared, community


async def location_counts(stack: Stack) -> tuple[int, int]:
    body = await stack.graphql("{ locations { provider id } }")
    providers = [loc["provider"] for loc in body["data"]["locations"]]
    return providers.count("ZENLAYER"), providers.count("JDCLOUD")


async def test_first_page_of_all_images(stack: Stack) -> None:
    zones, regions = await location_counts(stack)
    stack.reset_calls()
    first_page = await page(stack, first=10)
    # DescribeZones was cached by the locations query; then one call per source, whatever `first` is.
    assert stack.zenlayer.counter.by_action == {"DescribeImages": zones}
    assert stack.jdcloud.counter.by_action == {"describeImages": regions * JD_SOURCES}
    assert len(first_page["edges"]) == 10
    stack.reset_calls()
    await page(stack, first=10)
    assert stack.calls == 0  # the same query again is served from the cross-request cache


async def test_a_fresh_service_lists_zones_once(stack: Stack) -> None:
    await stack.graphql("{ a: locations { id } b: locations(provider: ZENLAYER) { id } }")
    assert stack.zenlayer.counter.by_action == {"DescribeZones": 1}
    assert stack.jdcloud.counter.total == 0  # JD Cloud regions are configuration, not a call


async def test_first_250_on_one_jd_region_costs_three_calls(stack: Stack) -> None:
    filter = {"providers": ["JDCLOUD"], "locations": ["cn-north-1"], "source": "OFFICIAL"}
    result = await page(stack, filter=filter, first=250)
    assert len(result["edges"]) == 250 and result["pageInfo"]["hasNextPage"]
    assert stack.jdcloud.counter.by_action == {"describeImages": 3}  # pages of 100: 1, 2, 3
    assert stack.zenlayer.counter.total == 0


async def test_last_uses_the_count_instead_of_reading_every_page(stack: Stack) -> None:
    filter = {"providers": ["JDCLOUD"], "locations": ["cn-north-1"], "source": "OFFICIAL"}
    result = await page(stack, filter=filter, last=5)
    assert result["totalCount"] >= 260 and len(result["edges"]) == 5
    assert stack.jdcloud.counter.by_action == {"describeImages": 2}  # page 1 for the count, the last page


async def test_the_same_page_under_two_aliases_costs_the_calls_of_one() -> None:
    two = """
    query($first: Int) {
      a: images(first: $first) { totalCount edges { node { id } } }
      b: images(first: $first) { edges { node { id name } } }
      locations { id }
    }
    """
    async with running_stack(cache_ttl=0) as uncached:  # nothing shared across operations
        await page(uncached, first=20)
        single = uncached.calls
        uncached.reset_calls()
        body = await uncached.graphql(two, {"first": 20})
        assert "errors" not in body
        assert [e["node"]["id"] for e in body["data"]["a"]["edges"]] == [
            e["node"]["id"] for e in body["data"]["b"]["edges"]]
        assert uncached.calls == single  # DescribeZones once, each source page once


async def test_ten_lookups_on_one_location_cost_one_call(stack: Stack) -> None:
    listed = await page(stack, filter={"locations": ["asia-east-1a"]}, first=10)
    image_ids = ids(listed)
    assert len(image_ids) == 10
    stack.reset_calls()
    query = "{ " + " ".join(f'i{n}: image(id: "{i}") {{ id name }}' for n, i in enumerate(image_ids)) + " }"
    body = await stack.graphql(query)
    assert [body["data"][f"i{n}"]["id"] for n in range(10)] == image_ids
    assert stack.zenlayer.counter.by_action == {"DescribeImages": 1}
    assert stack.jdcloud.counter.total == 0


async def test_lookups_on_two_providers_cost_one_call_per_location(stack: Stack) -> None:
    zen = ids(await page(stack, filter={"locations": ["asia-east-1a"]}, first=3))
    jd = ids(await page(stack, filter={"locations": ["cn-north-1"], "source": "OFFICIAL"}, first=3))
    stack.reset_calls()
    body = await stack.graphql("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": zen + jd})
    assert [n["id"] for n in body["data"]["nodes"]] == zen + jd
    assert stack.zenlayer.counter.by_action == {"DescribeImages": 1}
    assert stack.jdcloud.counter.by_action == {"describeImages": 1}


SORTED_ALL = """
query($first: Int) {
  images(orderBy: [{field: CREATED_AT, direction: DESC}], first: $first) { totalCount edges { node { id } } }
}
"""


async def test_a_sorted_listing_reads_every_page_of_every_source_once(stack: Stack) -> None:
    await location_counts(stack)
    stack.reset_calls()
    for first in (1, 500):  # the cost does not depend on the page asked for
        body = await stack.graphql(SORTED_ALL, {"first": first})
        assert len(body["data"]["images"]["edges"]) == first
    # Zenlayer: one page of 1000 per zone. JD Cloud, pages of 100: cn-north-1 public (270 images) 3 and
    # its other four sources 1 each; cn-east-2 public (100) 1 + 4; cn-south-1 5. The second query: cache.
    assert stack.zenlayer.counter.by_action == {"DescribeImages": 5}
    assert stack.jdcloud.counter.by_action == {"describeImages": 7 + 5 + 5}


async def test_sorted_unsorted_and_per_location_listings_in_one_operation_share_their_calls() -> None:
    together = """
    {
      sorted: images(orderBy: [{field: NAME}], first: 5) { edges { node { id } } }
      plain: images(first: 5) { edges { node { id } } }
      locations { id images(orderBy: [{field: NAME}], first: 2) { totalCount edges { node { id } } } }
    }
    """
    async with running_stack(cache_ttl=0) as uncached:
        await uncached.graphql(SORTED_ALL, {"first": 5})
        alone = uncached.calls
        uncached.reset_calls()
        body = await uncached.graphql(together)
        assert "errors" not in body, body["errors"]
        assert uncached.calls == alone  # DescribeZones and every source page once, whatever reads them
