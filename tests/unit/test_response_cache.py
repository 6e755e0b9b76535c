"""Response cache parts without I/O: entries, the memory store's bounds, keys, cacheability, API key scopes."""

from __future__ import annotations

import asyncio
import sys
import time
import tracemalloc

import pytest

from graphql_api.api_keys import ANONYMOUS, ApiKeys
from graphql_api.cli import http_stack
from graphql_api.metrics import Metrics
from graphql_api.response_cache import etag_matches, uncacheable_document
from graphql_api.response_store import CorruptEntry, Entry, MemoryStore
from graphql_api.settings import Secret, SettingsError, load

MEDIA = "application/graphql-response+json"


def entry(body: bytes, ttl: float = 60.0) -> Entry:
    return Entry.of(body, MEDIA, time.time() + ttl)


def test_an_entry_is_its_final_bytes_and_garbage_never_decodes() -> None:
    original = entry(b'{"data":{"a":1}}')
    encoded = original.encode()
    assert encoded.endswith(b'{"data":{"a":1}}')
    assert Entry.decode(encoded) == original
    assert original.headers == [(b"content-type", MEDIA.encode()), (b"content-length", b"16")]
    for garbage in (b"", b"garbage", encoded[:-1], encoded[:-1] + b"!", b"CIGR1" + encoded[5:12], "text"):
        with pytest.raises(CorruptEntry):
            Entry.decode(garbage)


async def test_the_memory_store_drops_the_least_recently_used_within_its_entry_bound() -> None:
    store = MemoryStore(Metrics(), max_bytes=10**6, max_entries=2)
    await store.set(b"a", entry(b"1"))
    await store.set(b"b", entry(b"2"))
    assert await store.get(b"a") is not None  # a is now the most recently used
    await store.set(b"c", entry(b"3"))
    assert await store.get(b"b") is None and await store.get(b"a") is not None and len(store) == 2


async def test_the_memory_store_stays_within_its_bytes_and_drops_expired_entries() -> None:
    store = MemoryStore(Metrics(), max_bytes=20_000, max_entries=1000)
    for n in range(100):
        await store.set(b"%d" % n, entry(b"x" * 1000))
        store.alias(b"raw%d" % n, b"%d" % n)
        assert store.size <= 20_000
    assert 5 < len(store) < 20
    await store.set(b"soon", entry(b"y", ttl=0.01))
    await asyncio.sleep(0.02)
    assert await store.get(b"soon") is None


async def test_the_memory_store_counts_at_least_what_its_entries_really_take() -> None:
    store = MemoryStore(Metrics(), max_bytes=10**9, max_entries=10**6)
    bodies = [b'{"data":{"__type":null,"n":%d}}' % n for n in range(5_000)]
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    for n, body in enumerate(bodies):
        key = b"%020d" % n
        await store.set(key, entry(body))
        store.alias(b"r%019d" % n, key)
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    allocated = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    assert allocated <= store.size, (allocated, store.size)


def test_only_queries_without_time_dependent_fields_are_cacheable() -> None:
    assert uncacheable_document("{ images { totalCount } }", None) is None
    assert uncacheable_document("{ __schema { types { name } } }", None) is None
    assert uncacheable_document("mutation { purge }", None) == "not-a-query"
    assert uncacheable_document("subscription { ticks }", None) == "not-a-query"
    two = "query A { images { totalCount } } mutation B { purge }"
    assert uncacheable_document(two, "A") is None and uncacheable_document(two, "B") == "not-a-query"
    assert uncacheable_document(two, None) == "not-a-query"  # ambiguous: executed, never stored
    aged = "{ images { ...F } } fragment F on ImageConnection { age: oldestDataAgeSeconds }"
    assert uncacheable_document(aged, None) == "time-dependent"
    assert uncacheable_document("{ images {", None) == "not-a-query"


def test_if_none_match_lists_weak_tags_and_wildcards() -> None:
    tag = b'"abc"'
    assert etag_matches(b'"abc"', tag) and etag_matches(b'W/"abc"', tag) and etag_matches(b'"x", "abc"', tag)
    assert etag_matches(b"*", tag)
    assert not etag_matches(b'"abcd"', tag) and not etag_matches(None, tag) and not etag_matches(b"", tag)


def test_api_key_scopes_are_distinct_non_secret_ids() -> None:
    assert ApiKeys().scope(None) == ANONYMOUS and not ApiKeys().required
    keys = ApiKeys((Secret("first-secret"), Secret("second-secret")))
    one, two = keys.scope("Bearer first-secret"), keys.scope(b"bearer  second-secret")
    assert one and two and one != two and one != ANONYMOUS
    assert "first-secret" not in one and "second-secret" not in two
    for refused in (None, "", "Bearer", "Bearer other", "Basic first-secret", "first-secret"):
        assert keys.scope(refused) is None


def test_response_cache_settings_and_their_defaults() -> None:
    defaults = load({}).response_cache
    assert defaults.enabled and defaults.url is None and defaults.honor_no_cache
    assert (defaults.max_bytes, defaults.max_entries, defaults.max_entry_bytes) == (64 * 1024 * 1024, 10_000, 4 << 20)
    custom = load({
        "CIG_RESPONSE_CACHE": "false", "CIG_RESPONSE_CACHE_URL": "redis://127.0.0.1:6379/3",
        "CIG_RESPONSE_CACHE_MAX_BYTES": "2048", "CIG_RESPONSE_CACHE_MAX_ENTRIES": "7",
        "CIG_RESPONSE_CACHE_MAX_ENTRY_BYTES": "100", "CIG_RESPONSE_CACHE_HONOR_NO_CACHE": "no",
    }).response_cache
    assert not custom.enabled and custom.url == "redis://127.0.0.1:6379/3" and not custom.honor_no_cache
    assert (custom.max_bytes, custom.max_entries, custom.max_entry_bytes) == (2048, 7, 100)
    with pytest.raises(SettingsError, match="CIG_RESPONSE_CACHE_URL"):
        load({"CIG_RESPONSE_CACHE_URL": "memcached://:pw@host"})
    with pytest.raises(SettingsError, match="CIG_RESPONSE_CACHE_MAX_BYTES"):
        load({"CIG_RESPONSE_CACHE_MAX_BYTES": "12"})


def test_serve_runs_on_uvloop_and_httptools_and_falls_back_without_them(monkeypatch: pytest.MonkeyPatch) -> None:
    assert http_stack() == ("uvloop", "httptools")  # both are in the lock files
    monkeypatch.setitem(sys.modules, "uvloop", None)  # an import of it now fails, as on a platform without wheels
    monkeypatch.setitem(sys.modules, "httptools", None)
    assert http_stack() == ("asyncio", "h11")
