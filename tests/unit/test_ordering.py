"""resolvers.ordering: total order with nulls last, keyset cursors that survive changes elsewhere,
distinctOn, the scan limit over all sources, and refused duplicates."""

from __future__ import annotations

from dataclasses import replace

import pytest
from graphql import GraphQLError

from providers.base import ImageRecord
from providers.query import ImageQuery
from providers.zenlayer.models import NAME as ZENLAYER
from resolvers.kinds import IMAGES
from resolvers.ordering import DistinctField, Order, OrderField, Sort, sorted_connection

from .memory import LIMITS, MemoryCatalog, image, scope

PATH = ["images"]
BY_SIZE_DESC = Sort.of([Order(OrderField.DISK_SIZE_GIB, descending=True)], None)


def sized(location: str, image_id: str, size: float | None) -> ImageRecord:
    return replace(image(ZENLAYER, location, image_id), disk_size_gib=size)


def catalog() -> MemoryCatalog:
    return MemoryCatalog(ZENLAYER, {
        "a": [sized("a", "a1", 10), sized("a", "a2", None), sized("a", "a3", 30)],
        "b": [sized("b", "b1", 30), sized("b", "b2", 20)],
    })


def ids(page: object) -> list[str]:
    return [e.record.image_id for e in page.edges]  # type: ignore[attr-defined]


async def test_descending_with_nulls_last_and_ties_in_the_default_order() -> None:
    s = scope(catalog())
    page = await sorted_connection(s, IMAGES, ImageQuery(), BY_SIZE_DESC, first=10, after=None, last=None,
                                   before=None, path=PATH)
    assert ids(page) == ["a3", "b1", "b2", "a1", "a2"]  # a3 and b1 tie at 30: the default order decides


async def test_a_cursor_resumes_after_its_key_when_its_image_is_gone() -> None:
    c = catalog()
    first = await sorted_connection(scope(c), IMAGES, ImageQuery(), BY_SIZE_DESC, first=2, after=None, last=None,
                                    before=None, path=PATH)
    assert ids(first) == ["a3", "b1"]
    c.images = {"a": [sized("a", "a1", 10), sized("a", "a2", None)], "b": c.images["b"]}  # a3 deleted
    rest = await sorted_connection(scope(c), IMAGES, ImageQuery(), BY_SIZE_DESC, first=10,
                                   after=first.end_cursor, last=None, before=None, path=PATH)
    assert ids(rest) == ["b2", "a1", "a2"]  # no image skipped or repeated


async def test_distinct_keeps_the_first_per_group_in_order() -> None:
    sort = Sort.of([Order(OrderField.DISK_SIZE_GIB, descending=True)], [DistinctField.LOCATION])
    page = await sorted_connection(scope(catalog()), IMAGES, ImageQuery(), sort, first=10, after=None, last=None,
                                   before=None, path=PATH)
    assert ids(page) == ["a3", "b1"] and page.total_count == 2


async def test_the_scan_limit_counts_every_source_together() -> None:
    c = catalog()  # 5 images in two zones; the limit is 5
    await sorted_connection(scope(c), IMAGES, ImageQuery(), BY_SIZE_DESC, first=1, after=None, last=None,
                            before=None, path=PATH)
    c.images["b"] = [*c.images["b"], sized("b", "b3", 1)]
    calls = c.calls["list_images"]
    with pytest.raises(GraphQLError) as info:
        await sorted_connection(scope(c), IMAGES, ImageQuery(), BY_SIZE_DESC, first=1, after=None, last=None,
                                before=None, path=PATH)
    assert info.value.extensions == {"code": "QUERY_TOO_EXPENSIVE", "limit": LIMITS.max_scan_items}
    assert c.calls["list_images"] == calls + 2  # page 1 of each zone, nothing more


def test_a_field_given_twice_is_bad_input() -> None:
    with pytest.raises(GraphQLError) as info:
        Sort.of([Order(OrderField.NAME), Order(OrderField.NAME, descending=True)], None)
    assert info.value.extensions == {"code": "BAD_USER_INPUT", "argument": "orderBy"}
    with pytest.raises(GraphQLError):
        Sort.of(None, [DistinctField.LOCATION, DistinctField.LOCATION])
