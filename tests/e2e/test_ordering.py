"""`orderBy` against ground truth from the emulators' raw catalogs: every field, both directions, paged
forward and backward through the whole catalog; cursors bound to their order; bad orders refused."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import pytest

from providers.base import ImageRecord
from providers.osid import identity_of, padded
from providers.registry import PROVIDERS

from .harness import Stack
from .queries import codes
from .test_filters import catalog

SORTED = """
query Sorted($filter: ImageFilter, $orderBy: [ImageOrder!], $first: Int, $after: String, $last: Int,
             $before: String) {
  images(filter: $filter, orderBy: $orderBy, first: $first, after: $after, last: $last, before: $before) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id provider location imageId } }
  }
}
"""
JD_SOURCE_ORDER = ("public", "thirdparty", "private", "shared", "community")


def default_order() -> list[ImageRecord]:
    """The connection's default order, from the raw catalogs: provider, location id, JD source, catalog order."""
    providers = [p.value for p in PROVIDERS.names]
    indexed = list(enumerate(catalog()))

    def rank(item: tuple[int, ImageRecord]) -> tuple[int, str, int, int]:
        n, r = item
        source = JD_SOURCE_ORDER.index(r.source_raw) if r.provider.value == "jdcloud" else 0
        return (providers.index(r.provider.value), r.location, source, n)

    return [r for _, r in sorted(indexed, key=rank)]


VALUES: dict[str, Callable[[ImageRecord], Any]] = {
    "NAME": lambda r: (r.name.casefold(), r.name),
    "CREATED_AT": lambda r: r.created_at,
    "SIZE_GIB": lambda r: r.file_size_gib if r.file_size_gib is not None else r.disk_size_gib,  # as `sizeGiB`
    "FILE_SIZE_GIB": lambda r: r.file_size_gib,
    "DISK_SIZE_GIB": lambda r: r.disk_size_gib,
    "MIN_DISK_SIZE_GIB": lambda r: r.min_disk_size_gib,
    "OS_FAMILY": lambda r: identity_of(r).family.value,
    "OS_VERSION": lambda r: padded(identity_of(r).key) if identity_of(r).key is not None else None,
}


def expected(field: str, descending: bool) -> list[tuple[str, str, str]]:
    """Sorted by `field` (stable: ties keep the default order), images without a value last."""
    records = default_order()
    value = VALUES[field]
    present = sorted((r for r in records if value(r) is not None), key=value, reverse=descending)
    absent = [r for r in records if value(r) is None]
    return [(r.provider.name, r.location, r.image_id) for r in present + absent]


def keys(connection: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(e["node"]["provider"], e["node"]["location"], e["node"]["imageId"]) for e in connection["edges"]]


async def sorted_page(stack: Stack, **variables: Any) -> dict[str, Any]:
    body = await stack.graphql(SORTED, variables)
    assert "errors" not in body, body["errors"]
    return body["data"]["images"]  # type: ignore[no-any-return]


@pytest.mark.parametrize("field", list(VALUES))
async def test_every_order_pages_forward_and_backward_like_one_big_page(stack: Stack, field: str) -> None:
    for direction in ("ASC", "DESC"):
        order = [{"field": field, "direction": direction}]
        truth = expected(field, direction == "DESC")
        assert len(truth) == len(set(truth)) > 800
        big = await sorted_page(stack, orderBy=order, first=1000)
        assert keys(big) == truth and big["totalCount"] == len(truth)
        forward: list[tuple[str, str, str]] = []
        after = None
        while True:
            result = await sorted_page(stack, orderBy=order, first=211, after=after)
            forward += keys(result)
            assert result["pageInfo"]["hasPreviousPage"] is (after is not None)
            if not result["pageInfo"]["hasNextPage"]:
                break
            after = result["pageInfo"]["endCursor"]
        assert forward == truth
        backward: list[tuple[str, str, str]] = []
        before = None
        while True:
            result = await sorted_page(stack, orderBy=order, last=307, before=before)
            backward = keys(result) + backward
            if not result["pageInfo"]["hasPreviousPage"]:
                break
            before = result["pageInfo"]["startCursor"]
        assert backward == truth


async def test_two_keys_and_a_filter_sort_exactly(stack: Stack) -> None:
    order = [{"field": "SIZE_GIB", "direction": "DESC"}, {"field": "NAME"}]
    records = [r for r in default_order() if r.provider.value == "jdcloud" and r.location == "cn-east-2"]
    records.sort(key=lambda r: VALUES["NAME"](r))
    records.sort(key=lambda r: VALUES["SIZE_GIB"](r) or 0.0, reverse=True)  # every JD image has a size
    body = await sorted_page(stack, filter={"locations": ["cn-east-2"]}, orderBy=order, first=1000)
    assert keys(body) == [(r.provider.name, r.location, r.image_id) for r in records]


async def test_cursors_are_bound_to_their_order(stack: Stack) -> None:
    by_name = await sorted_page(stack, orderBy=[{"field": "NAME"}], first=3)
    cursor = by_name["pageInfo"]["endCursor"]
    cases = [
        ({"orderBy": [{"field": "NAME", "direction": "DESC"}], "after": cursor}, "different `orderBy`"),
        ({"orderBy": [{"field": "SIZE_GIB"}], "after": cursor}, "different `orderBy`"),
        ({"after": cursor}, "sorted listing"),  # no order at all
        ({"orderBy": [{"field": "NAME"}], "filter": {"name": "ubuntu"}, "after": cursor}, "different filter"),
    ]
    for variables, message in cases:
        body = await stack.graphql(SORTED, variables)
        assert codes(body) == ["BAD_USER_INPUT"], body
        assert message in body["errors"][0]["message"]
    unsorted = await sorted_page(stack, first=2)
    body = await stack.graphql(SORTED, {"orderBy": [{"field": "NAME"}], "after": unsorted["pageInfo"]["endCursor"]})
    assert codes(body) == ["BAD_USER_INPUT"] and "default order" in body["errors"][0]["message"]
    bound = cursor_part(cursor, 2) + b":" + cursor_part(cursor, 3)  # right filter and order, forged key
    forged = base64.urlsafe_b64encode(b"cig:s1:" + bound + b":" + base64.urlsafe_b64encode(b"[1,2,3]")).decode()
    body = await stack.graphql(SORTED, {"orderBy": [{"field": "NAME"}], "after": forged})
    assert codes(body) == ["BAD_USER_INPUT"] and "not a cursor issued" in body["errors"][0]["message"]


def cursor_part(cursor: str, index: int) -> bytes:
    return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).split(b":")[index]


@pytest.mark.parametrize(
    ("variables", "argument"),
    [
        ({"orderBy": [{"field": "NAME"}, {"field": "NAME", "direction": "DESC"}]}, "orderBy"),
        ({"orderBy": [{"field": "NOT_A_FIELD"}]}, None),
        ({"filter": {"os": {"minVersion": "twenty-two"}}}, "os.minVersion"),
        ({"filter": {"os": {"version": "22.04.x"}}}, "os.version"),
        ({"filter": {"sources": []}}, "sources"),
    ],
)
async def test_bad_orders_and_versions_are_bad_user_input(
    stack: Stack, variables: dict[str, Any], argument: str | None
) -> None:
    body = await stack.graphql(SORTED, variables)
    assert codes(body) == ["BAD_USER_INPUT"], body
    if argument is not None:
        assert body["errors"][0]["extensions"]["argument"] == argument
    else:
        assert "NOT_A_FIELD" in body["errors"][0]["message"]


async def test_a_sort_beyond_the_scan_limit_is_too_expensive_and_names_the_limit() -> None:
    from .harness import running_stack

    async with running_stack(max_scan_items=500) as small:
        body = await small.graphql(SORTED, {"orderBy": [{"field": "NAME"}], "first": 5})
        assert codes(body) == ["QUERY_TOO_EXPENSIVE"], body
        assert "500" in body["errors"][0]["message"] and body["errors"][0]["extensions"]["limit"] == 500
        narrower = await small.graphql(SORTED, {"orderBy": [{"field": "NAME"}], "first": 5,
                                                "filter": {"providers": ["ZENLAYER"]}})
        assert "errors" not in narrower and narrower["data"]["images"]["totalCount"] == 273
