"""Warm reads: provider-cache keys made fast with the same bytes, in-process reads without a deadline, and
pages fresh in the in-process cache taken at once (`Limits.warm_reads`, `InHandLoader`).

The differential tests run the answer memo's documents over the demo catalogs through the real schema
and provider cache with warm reads and without, and compare the JSON bytes and every cache lookup
(provider, action, hit): taking a page at once must neither change an answer nor read, count or call
anything the batch would not have.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import hashlib
import json
from collections import Counter
from typing import Any

import orjson
import pytest

from graphql_api import settings as settings_module
from graphql_api.context import build_context
from graphql_api.services import Services
from providers import operation
from providers.cache import CachedCatalog, request_digest
from providers.canonical import canonical_json
from providers.memory_cache import BoundedMemoryCache
from providers.zenlayer.models import NAME as ZENLAYER
from resolvers.loaders import PageKey

from .memory import MemoryCatalog, image
from .test_answer_memo import IMAGES_PAGE, LISTINGS, SCHEMA, VOLUMES_PAGE, demo, lookups


class Colour(enum.Enum):
    RED = "red"


class Named(enum.StrEnum):
    BLUE = "blue"


PARAMS: list[Any] = [
    {}, {"imageSource": "public"}, {"b": 1, "a": [1, 2, {"z": None, "y": True}], "_page": 3, "_size": 100},
    {"ids": ("x", "y")}, {"name": "Ubuntu é 中文 \u2028 \x00 \x1f \"q\" \\ \U0001F600"}, {"Z": 1, "_": 2, "a": 3},
    {"n": 2**63 - 1, "m": -(2**63), "big": 2**64 + 1, "neg": -(2**70)}, {"f": 1.5, "g": 1e-05, "h": 2.5e-7},
    {"nan": float("nan"), "inf": float("inf")}, {"enum": Colour.RED, "named": Named.BLUE},
    {"when": datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)}, {1: "int key"}, {"lone": "\ud800"},
]


def stdlib(value: Any, default: Any = None) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=default)


@pytest.mark.parametrize("params", PARAMS, ids=range(len(PARAMS)))
def test_canonical_json_is_the_standard_librarys_text(params: Any) -> None:
    assert canonical_json(params, default=str) == stdlib(params, default=str)
    if not any(isinstance(v, (Colour, datetime.datetime)) for v in params.values()):
        assert canonical_json(params) == stdlib(params)


def test_cache_keys_are_the_ones_stored_before() -> None:
    # The digest of the stdlib text, as every key written under KEY_VERSION v3 was made.
    for params in PARAMS[:-1]:
        assert request_digest(params) == hashlib.sha256(stdlib(params, default=str).encode()).hexdigest()[:32]
    assert request_digest({"imageSource": "public", "_page": 1, "_size": 100}) == "c5c3415322eda3b02d1472199285c433"
    with pytest.raises(UnicodeEncodeError):
        request_digest(PARAMS[-1])  # as before: a lone surrogate has no UTF-8 form
    key = PageKey.of(ZENLAYER, "z", {"b": [1], "a": "é"}, 2, 10)
    assert key.params_json == '{"a":"é","b":[1]}' and key.params == {"a": "é", "b": [1]}


def cached(lookups_seen: list[tuple[str, str, bool]], failures: list[str]) -> tuple[CachedCatalog, MemoryCatalog]:
    inner = MemoryCatalog(ZENLAYER, {"a": [image(ZENLAYER, "a", "i1"), image(ZENLAYER, "a", "i2")]})
    catalog = CachedCatalog(inner, BoundedMemoryCache(max_entries=100, max_bytes=1 << 20), ttl=60,
                            on_lookup=lambda *lookup: lookups_seen.append(lookup), on_failure=failures.append)
    return catalog, inner


async def test_an_in_process_hit_is_served_after_the_deadline_passed() -> None:
    seen: list[tuple[str, str, bool]] = []
    failures: list[str] = []
    catalog, inner = cached(seen, failures)
    first = await catalog.list_images("a", {}, page_number=1, page_size=2)
    with operation.running(operation.Operation.within(0.0)):  # no time left at all
        again = await catalog.list_images("a", {}, page_number=1, page_size=2)
    assert again.records == first.records and inner.calls["list_images"] == 1
    assert seen == [("zenlayer", "images", False), ("zenlayer", "images", True)] and failures == []


async def test_a_page_in_hand_is_counted_as_the_hit_it_is_and_a_miss_counts_nothing() -> None:
    seen: list[tuple[str, str, bool]] = []
    catalog, inner = cached(seen, [])
    assert catalog.page_in_hand("images", "a", "{}", page_number=1, page_size=2) is None
    assert catalog.locations_in_hand() is None
    assert seen == [] and not inner.calls
    page = await catalog.list_images("a", {}, page_number=1, page_size=2)
    assert catalog.page_in_hand("images", "a", "{}", page_number=1, page_size=2) is page
    assert seen == [("zenlayer", "images", False), ("zenlayer", "images", True)]
    with operation.running(operation.Operation.within(None, max_age=0.0)):  # fresher than the entry: not in hand
        assert catalog.page_in_hand("images", "a", "{}", page_number=1, page_size=2) is None
    assert len(seen) == 2 and inner.calls["list_images"] == 1


async def answer(services: Services, document: str, *, warm: bool) -> tuple[bytes, Counter[tuple[str, str, bool]]]:
    seen: Counter[tuple[str, str, bool]] = Counter()
    for catalog in services.catalogs.values():
        assert isinstance(catalog, CachedCatalog)
        catalog.on_lookup = lambda *lookup: seen.update([lookup])
    limits = dataclasses.replace(services.settings.limits, warm_reads=warm)
    result = await SCHEMA.execute(document, context_value=build_context(services.catalogs, limits))
    return orjson.dumps({"data": result.data, "errors": [e.formatted for e in result.errors or []]}), seen


async def documents(services: Services) -> list[str]:
    first = orjson.loads((await answer(services, f"{{ images(first: 1000) {IMAGES_PAGE} }}", warm=False))[0])
    volumes = orjson.loads((await answer(services, f"{{ volumes(first: 1000) {VOLUMES_PAGE} }}", warm=False))[0])
    image_ids = [e["node"]["id"] for e in first["data"]["images"]["edges"]]
    volume_ids = [e["node"]["id"] for e in volumes["data"]["volumes"]["edges"]]
    return [*LISTINGS, *lookups(image_ids, volume_ids)]


async def test_warm_reads_answer_and_count_what_the_batch_does() -> None:
    async with demo() as services:
        for document in await documents(services):
            await answer(services, document, warm=False)  # every answer cached: none differs by being the first
            through_batch, batch_lookups = await answer(services, document, warm=False)
            taken, taken_lookups = await answer(services, document, warm=True)
            assert b'"errors":[]' in taken, taken[:2000]
            assert taken == through_batch, document
            assert taken_lookups == batch_lookups and all(hit for _p, _a, hit in taken_lookups), document


async def test_cold_warm_reads_make_the_calls_the_batch_makes() -> None:
    counts: dict[bool, list[Counter[tuple[str, str, bool]]]] = {}
    for warm in (False, True):
        async with demo() as services:  # an empty provider cache: the first reads are misses
            counts[warm] = [(await answer(services, document, warm=warm))[1] for document in LISTINGS]
    assert counts[True] == counts[False]
    assert any(not hit for lookups_of in counts[True] for _p, _a, hit in lookups_of)  # some were misses


def test_warm_reads_are_on_by_default() -> None:
    assert settings_module.load({}).limits.warm_reads is True


def test_warm_reads_are_a_setting() -> None:
    assert settings_module.load({}).limits.warm_reads is True
    assert settings_module.load({"CIG_WARM_READS": "false"}).limits.warm_reads is False
