"""resolvers.choosing: the trusted, usable default of pick-one listings holds whatever a provider does
with the parameters it is sent (this in-memory provider ignores them all)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from providers.base import ImageRecord, ImageSource, ImageStatus
from providers.query import ImageQuery
from providers.zenlayer.models import NAME as ZENLAYER
from resolvers import choosing
from resolvers.ordering import DistinctField, Order, OrderField, Sort

from .memory import LIMITS, MemoryCatalog, image, scope

NEWEST_PER_LOCATION = Sort.of([Order(OrderField.CREATED_AT, descending=True)], [DistinctField.LOCATION])


def made(image_id: str, day: int, source: ImageSource = ImageSource.OFFICIAL,
         status: ImageStatus = ImageStatus.AVAILABLE, offline: bool | None = None) -> ImageRecord:
    return replace(image(ZENLAYER, "a", image_id), source=source, status=status, offline=offline,
                   created_at=datetime(2024, 1, day, tzinfo=UTC))


CATALOG = {"a": [
    made("official", 1), made("community", 9, ImageSource.COMMUNITY), made("market", 8, ImageSource.MARKETPLACE),
    made("offline", 7, offline=True), made("failed", 6, ImageSource.CUSTOM, ImageStatus.FAILED),
    made("mine", 2, ImageSource.CUSTOM),
]}


async def pick(query: ImageQuery, sort: Sort = NEWEST_PER_LOCATION) -> list[str]:
    s = scope(MemoryCatalog(ZENLAYER, CATALOG, page_size_max=10), limits=replace(LIMITS, max_scan_items=100))
    page = await choosing.images(s, query, sort, first=10, after=None, last=None, before=None, path=["images"])
    return [e.record.image_id for e in page.edges]


async def test_the_default_is_the_newest_trusted_usable_image() -> None:
    assert await pick(ImageQuery()) == ["mine"]


async def test_naming_sources_or_a_status_lifts_that_part_of_the_default() -> None:
    assert await pick(ImageQuery(sources=frozenset({ImageSource.COMMUNITY, ImageSource.OFFICIAL}))) == ["community"]
    # A named status is the provider's to apply (this one applies none): only the offline check steps aside.
    assert await pick(ImageQuery(status=ImageStatus.AVAILABLE)) == ["offline"]


async def test_sorting_alone_keeps_every_source_and_status() -> None:
    everything = await pick(ImageQuery(), Sort.of([Order(OrderField.CREATED_AT, descending=True)], None))
    assert everything == ["community", "market", "offline", "failed", "mine", "official"]
