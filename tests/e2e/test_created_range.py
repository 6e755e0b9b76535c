"""`createdAfter`/`createdBefore` on images and volumes, against ground truth from the raw catalogs.

No provider API filters by creation time, so the service applies the range (a residual predicate);
the answers must be exactly the records in [createdAfter, createdBefore), with exact counts and cursors,
and a malformed or zone-less date is BAD_USER_INPUT naming the argument.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from .harness import Stack
from .queries import codes
from .test_filters import catalog as image_catalog
from .test_filters import key as image_key
from .test_volumes import catalog as volume_catalog
from .test_volumes import key as volume_key

IMAGES = """
query I($filter: ImageFilter, $first: Int, $after: String) {
  images(filter: $filter, first: $first, after: $after) {
    totalCount complete pageInfo { hasNextPage endCursor } edges { node { provider location imageId createdAt } }
  }
}
"""
VOLUMES = """
query V($filter: VolumeFilter) {
  volumes(filter: $filter, first: 1000) { totalCount edges { node { provider location volumeId createdAt } } }
}
"""
AFTER, BEFORE = datetime(2020, 1, 1, tzinfo=UTC), datetime(2021, 6, 1, tzinfo=UTC)


def in_range(created: datetime | None, after: datetime | None, before: datetime | None) -> bool:
    return created is not None and (after is None or created >= after) and (before is None or created < before)


@pytest.mark.parametrize(("after", "before"), [(AFTER, None), (None, BEFORE), (AFTER, BEFORE)])
async def test_images_in_a_created_range_are_exactly_the_catalog_s(
    stack: Stack, after: datetime | None, before: datetime | None
) -> None:
    expected = sorted(image_key(r) for r in image_catalog() if in_range(r.created_at, after, before))
    assert 0 < len(expected) < len(image_catalog())
    filter = {"createdAfter": after.isoformat() if after else None, "createdBefore": before.isoformat() if before
              else None}
    body = await stack.graphql(IMAGES, {"filter": filter, "first": 1000})
    assert "errors" not in body, body["errors"]
    images = body["data"]["images"]
    got = [(e["node"]["provider"], e["node"]["location"], e["node"]["imageId"]) for e in images["edges"]]
    assert sorted(got) == expected and images["totalCount"] == len(expected) and images["complete"]


async def test_a_created_range_pages_with_exact_cursors_and_any_offset_means_the_same_instant(stack: Stack) -> None:
    whole = await stack.graphql(IMAGES, {"filter": {"createdAfter": "2020-01-01T08:00:00+08:00"}, "first": 1000})
    everything = [e["node"]["imageId"] for e in whole["data"]["images"]["edges"]]
    seen: list[str] = []
    after = None
    while True:
        page = (await stack.graphql(IMAGES, {"filter": {"createdAfter": "2020-01-01T00:00:00Z"}, "first": 40,
                                             "after": after}))["data"]["images"]
        seen += [e["node"]["imageId"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == everything  # the same instant in two offsets: one query, one cursor digest


async def test_volumes_in_a_created_range_are_exactly_the_catalog_s(stack: Stack) -> None:
    before = datetime(2024, 3, 1, tzinfo=UTC)
    expected = sorted(volume_key(r) for r in volume_catalog() if in_range(r.created_at, None, before))
    assert 0 < len(expected) < len(volume_catalog())
    body = await stack.graphql(VOLUMES, {"filter": {"createdBefore": "2024-03-01T00:00:00Z"}})
    assert "errors" not in body, body["errors"]
    got = [(e["node"]["provider"], e["node"]["location"], e["node"]["volumeId"])
           for e in body["data"]["volumes"]["edges"]]
    assert sorted(got) == expected and body["data"]["volumes"]["totalCount"] == len(expected)


@pytest.mark.parametrize(
    ("filter", "argument", "words"),
    [
        ({"createdAfter": "yesterday"}, "createdAfter", "ISO 8601"),
        ({"createdBefore": "2024-13-01T00:00:00Z"}, "createdBefore", "ISO 8601"),
        ({"createdAfter": "2024-05-01T00:00:00"}, "createdAfter", "time zone"),
        ({"createdAfter": "2024-05-01T00:00:00Z", "createdBefore": "2024-04-01T00:00:00Z"}, "createdAfter",
         "earlier"),
    ],
)
@pytest.mark.parametrize("kind", ["images", "volumes"])
async def test_a_malformed_date_is_bad_user_input_naming_the_argument(
    stack: Stack, kind: str, filter: dict[str, Any], argument: str, words: str
) -> None:
    body = await stack.graphql(IMAGES if kind == "images" else VOLUMES, {"filter": filter})
    assert codes(body) == ["BAD_USER_INPUT"]
    error = body["errors"][0]
    assert error["extensions"]["argument"] == argument and f"`{argument}`" in error["message"]
    assert words in error["message"] and stack.calls == 0  # refused before any provider call
