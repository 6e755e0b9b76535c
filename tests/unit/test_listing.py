"""resolvers.listing: counts, windows, the pages fetched, residual scans and partial failures."""

from __future__ import annotations

import pytest
from graphql import GraphQLError

from providers.base import ImageRecord, OsType
from providers.jdcloud.models import NAME as JDCLOUD
from providers.query import ImageQuery, Source, VolumeQuery, equals
from providers.zenlayer.models import NAME as ZENLAYER
from resolvers import listing
from resolvers.kinds import IMAGES, VOLUMES
from resolvers.pagination import decode_cursor

from .memory import MemoryCatalog, image, scope, volume

PATH = ["images"]


def zen(**zones: int) -> MemoryCatalog:
    return MemoryCatalog(ZENLAYER, {z: [image(ZENLAYER, z, f"{z}-{i}") for i in range(n)] for z, n in zones.items()})


def ids(page: listing.ConnectionPage[ImageRecord]) -> list[str]:
    return [e.record.image_id for e in page.edges]


async def test_a_window_across_listings_fetches_only_the_pages_holding_it() -> None:
    catalog = zen(a=5, b=4)  # pages of 2
    s = scope(catalog)
    page = await listing.list_connection(s, IMAGES, ImageQuery(), first=4, after=None, last=None, before=None,
                                         path=PATH)
    assert ids(page) == ["a-0", "a-1", "a-2", "a-3"]
    assert (page.total_count, page.has_next_page, page.has_previous_page) == (9, True, False)
    # page 1 of each zone counts it; the window then needs page 2 of zone a only.
    assert catalog.calls == {"locations": 1, "list_images": 3}
    assert [decode_cursor(e.cursor, ImageQuery().digest(), argument="after") for e in page.edges] == [0, 1, 2, 3]

    following = await listing.list_connection(s, IMAGES, ImageQuery(), first=4, after=page.end_cursor, last=None,
                                              before=None, path=PATH)
    assert ids(following) == ["a-4", "b-0", "b-1", "b-2"]
    assert following.has_previous_page and following.has_next_page
    assert catalog.calls["list_images"] == 5  # the same request's loader never fetches a page twice


async def test_last_pages_backward_from_the_end() -> None:
    page = await listing.list_connection(scope(zen(a=5, b=4)), IMAGES, ImageQuery(), first=None, after=None, last=3,
                                         before=None, path=PATH)
    assert ids(page) == ["b-1", "b-2", "b-3"] and page.has_previous_page and not page.has_next_page


async def test_a_cursor_of_another_filter_is_bad_input() -> None:
    s = scope(zen(a=5))
    page = await listing.list_connection(s, IMAGES, ImageQuery(), first=1, after=None, last=None, before=None,
                                         path=PATH)
    with pytest.raises(GraphQLError) as info:
        await listing.list_connection(s, IMAGES, ImageQuery(name="x"), first=1, after=page.end_cursor, last=None,
                                      before=None, path=PATH)
    assert info.value.extensions == {"code": "BAD_USER_INPUT", "argument": "after"}


async def test_a_residual_predicate_reads_the_listing_whole_within_the_scan_limit() -> None:
    catalog = MemoryCatalog(ZENLAYER, {"a": [image(ZENLAYER, "a", f"a-{i}", OsType.WINDOWS if i % 2 else OsType.LINUX)
                                             for i in range(5)]})
    s = scope(catalog)
    source = Source(ZENLAYER, "a", {}, (equals("os_type", OsType.WINDOWS),))
    args = listing.page_args(s, "d", first=10, after=None, last=None, before=None)
    page = await listing.connection(s, [listing.listing_of(s, IMAGES, source)], args, "d", PATH)
    assert ids(page) == ["a-1", "a-3"] and page.total_count == 2
    assert catalog.calls["list_images"] == 3  # 5 items in pages of 2, each read once

    too_many = MemoryCatalog(ZENLAYER, {"a": [image(ZENLAYER, "a", f"a-{i}") for i in range(6)]})  # limit is 5
    s = scope(too_many)
    with pytest.raises(GraphQLError) as info:
        await listing.connection(s, [listing.listing_of(s, IMAGES, source)], args, "d", PATH)
    assert info.value.extensions["code"] == "QUERY_TOO_EXPENSIVE"
    assert "zenlayer/a" in info.value.message
    assert too_many.calls["list_images"] == 1  # refused on the first page's total, before reading on


async def test_a_failing_listing_is_reported_and_counted_empty_beside_the_others() -> None:
    catalog = zen(a=2, b=2)
    catalog.failing.add("a")
    s = scope(catalog)
    page = await listing.list_connection(s, IMAGES, ImageQuery(), first=10, after=None, last=None, before=None,
                                         path=PATH)
    assert ids(page) == ["b-0", "b-1"] and page.total_count == 2
    assert [(e.extensions or {}).get("code") for e in s.partial_errors] == ["UPSTREAM_UNAVAILABLE"]
    assert s.partial_errors[0].path == PATH


async def test_locations_of_a_failing_provider_are_left_out_and_its_ids_not_judged_unknown() -> None:
    jd = MemoryCatalog(JDCLOUD, {"cn-north-1": []})
    jd.failing.add("locations")
    s = scope(zen(a=1), jd)
    query = VolumeQuery(locations=("a", "cn-north-1"))
    page = await listing.list_connection(s, VOLUMES, query, first=10, after=None, last=None, before=None, path=PATH)
    assert page.total_count == 0 and len(s.partial_errors) == 1
    with pytest.raises(GraphQLError) as info:
        await listing.list_connection(scope(zen(a=1)), VOLUMES, VolumeQuery(locations=("mars",)), first=1, after=None,
                                      last=None, before=None, path=PATH)
    assert info.value.extensions == {"code": "BAD_USER_INPUT", "argument": "locations"}


async def test_volumes_are_one_listing_per_location_with_the_provider_parameters() -> None:
    catalog = MemoryCatalog(ZENLAYER, {"a": [], "b": []}, volumes={
        "a": [volume(ZENLAYER, "a", "v1"), volume(ZENLAYER, "a", "v2")], "b": [volume(ZENLAYER, "b", "v3")]})
    s = scope(catalog)
    page = await listing.list_connection(s, VOLUMES, VolumeQuery(volume_ids=("v2", "v3")), first=10, after=None,
                                         last=None, before=None, path=PATH)
    assert [e.record.disk_id for e in page.edges] == ["v2", "v3"]
    assert catalog.calls == {"locations": 1, "list_volumes": 2}
