"""The response cache through the real service: emulators over HTTP, a spy on execution, real Redis."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import orjson
import pytest
import redis.asyncio as redis
from multidict import CIMultiDict

from graphql_api.app import create_app
from graphql_api.response_store import REDIS_PREFIX, MemoryStore
from graphql_api.settings import ResponseCacheSettings, Secret, Settings
from tests.support import REDIS_TEST_URL

from . import harness
from .harness import Stack, running_stack

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
PICKER = """
query Picker($first: Int, $filter: ImageFilter) {
  images(first: $first, filter: $filter) {
    totalCount
    edges { cursor node { id provider location imageId name osType status sizeGiB tags { key value } } }
  }
}
"""
ZONE = {"locations": ["asia-east-1a"]}


@pytest.fixture
def apps(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    built: list[Any] = []

    def capture(settings: Settings) -> Any:
        built.append(create_app(settings))
        return built[-1]

    monkeypatch.setattr(harness, "create_app", capture)
    yield built


def cache_settings(**changes: Any) -> ResponseCacheSettings:
    return dataclasses.replace(ResponseCacheSettings(), **changes)


async def post(stack: Stack, body: bytes | dict[str, Any], **headers: str) -> tuple[int, CIMultiDict[str], bytes]:
    data = body if isinstance(body, bytes) else orjson.dumps(body)
    async with stack.session.post(
        stack.url + "/graphql", data=data,
        headers={"Content-Type": "application/json", "Accept": GRAPHQL_RESPONSE_JSON, **headers},
    ) as response:
        return response.status, CIMultiDict(response.headers), await response.read()


async def get(stack: Stack, query: str, variables: dict[str, Any] | None = None,
              **headers: str) -> tuple[int, CIMultiDict[str], bytes]:
    params = {"query": query, **({"variables": json.dumps(variables)} if variables else {})}
    async with stack.session.get(stack.url + "/graphql", params=params,
                                 headers={"Accept": GRAPHQL_RESPONSE_JSON, **headers}) as response:
        return response.status, CIMultiDict(response.headers), await response.read()


def sent_headers(headers: CIMultiDict[str]) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items() if k.lower() not in ("date", "server", "x-request-id")}


async def metric(stack: Stack, name: str) -> float:
    async with stack.session.get(stack.url + "/metrics") as response:
        text = await response.text()
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(name))


async def test_a_hit_executes_nothing_calls_no_provider_and_sends_the_same_bytes(executions: list[str]) -> None:
    async with running_stack() as stack:
        request = {"query": PICKER, "variables": {"first": 100}, "operationName": "Picker"}
        status, headers, first = await post(stack, request)
        assert status == 200 and b'"errors"' not in first and executions == [PICKER]
        assert stack.calls > 0
        stack.reset_calls()
        for _ in range(3):
            again = await post(stack, request)
            assert again == (status, again[1], first) and sent_headers(again[1]) == sent_headers(headers)
        assert executions == [PICKER] and stack.calls == 0
        assert await metric(stack, 'cig_response_cache_lookups_total{result="hit"}') == 3
        assert await metric(stack, 'cig_http_requests_total{route="/graphql",status="200"}') == 4


async def test_json_key_order_and_whitespace_share_the_entry(executions: list[str]) -> None:
    async with running_stack() as stack:
        variables = {"first": 5, "filter": {"locations": ["cn-north-1"], "osType": "LINUX"}}
        _, _, first = await post(stack, {"query": PICKER, "variables": variables})
        reordered = (b'{ "variables" : {"filter": {"osType":"LINUX", "locations":["cn-north-1"]}, "first":5},\n'
                     b'  "query": ' + orjson.dumps(PICKER) + b" }")
        for _ in range(2):  # the second time the exact bytes are known: found before any parsing
            assert (await post(stack, reordered))[2] == first
        assert len(executions) == 1
        other = await post(stack, {"query": PICKER, "variables": {**variables, "first": 6}})
        assert other[2] != first and len(executions) == 2  # different variables, another entry


async def test_answers_with_errors_are_never_stored(executions: list[str]) -> None:
    # The failures must not open the circuit: the healed query has to reach JD Cloud again.
    async with running_stack(breaker_failures=1000) as stack:
        stack.jdcloud.faults.error_rate = 1.0
        for _ in range(2):
            status, _, body = await post(stack, {"query": PICKER, "variables": {"first": 3}})
            assert status == 200 and orjson.loads(body)["errors"], body  # partial: Zenlayer's data, JD's error
        assert len(executions) == 2
        stack.jdcloud.faults.reset()
        _, _, healed = await post(stack, {"query": PICKER, "variables": {"first": 3}})
        assert "errors" not in orjson.loads(healed) and len(executions) == 3
        await post(stack, {"query": PICKER, "variables": {"first": 3}})
        assert len(executions) == 3  # the complete answer was stored
        assert await metric(stack, 'cig_response_cache_uncacheable_total{reason="errors"}') == 2


async def test_an_entry_expires_with_the_provider_data_it_was_built_from(executions: list[str]) -> None:
    async with running_stack(cache_ttl=3.0) as stack:
        names = {"query": "query($f: ImageFilter) { images(first: 5, filter: $f) { edges { node { name } } } }",
                 "variables": {"f": ZONE}}
        ids = {"query": "query($f: ImageFilter) { images(first: 5, filter: $f) { edges { node { id } } } }",
               "variables": {"f": ZONE}}
        await post(stack, names)  # fetches the zone's first page: fresh for 3 s
        await asyncio.sleep(1.0)
        stack.reset_calls()
        await post(stack, ids)  # built from that page: fresh for the 2 s it has left, not 3 s
        await post(stack, ids)
        assert stack.calls == 0 and len(executions) == 2
        await asyncio.sleep(2.3)  # the page has expired, the answer built on it too (3 s would last until 4 s)
        await post(stack, ids)
        assert len(executions) == 3 and stack.zenlayer.counter["DescribeImages"] == 1


async def test_different_api_keys_never_share_an_entry(executions: list[str]) -> None:
    async with running_stack(api_keys=(Secret("key-one"), Secret("key-two"))) as stack:
        request = {"query": PICKER, "variables": {"first": 2}}
        one = await post(stack, request, Authorization="Bearer key-one")
        two = await post(stack, request, Authorization="Bearer key-two")
        assert one[0] == two[0] == 200 and len(executions) == 2
        assert (await post(stack, request, Authorization="Bearer key-one"))[2] == one[2]
        assert (await post(stack, request, Authorization="Bearer key-two"))[2] == two[2]
        assert len(executions) == 2
        for refused in ({}, {"Authorization": "Bearer key-three"}, {"Authorization": "Basic key-one"}):
            status, _, body = await post(stack, request, **refused)
            assert status == 401 and b"UNAUTHENTICATED" in body
        status, headers, _ = await get(stack, PICKER, {"first": 2}, Authorization="Bearer key-one")
        assert status == 200 and headers["Cache-Control"].startswith("private, max-age=")


async def test_get_answers_carry_etag_and_max_age_and_revalidate_with_304(executions: list[str]) -> None:
    async with running_stack(cache_ttl=60.0) as stack:
        status, headers, body = await get(stack, PICKER, {"first": 4})
        assert status == 200 and headers["Vary"] == "Accept"
        etag, control = headers["ETag"], headers["Cache-Control"]
        assert control.startswith("max-age=") and 55 <= int(control.split("=")[1]) <= 60
        again = await get(stack, PICKER, {"first": 4})
        assert again[0] == 200 and again[2] == body and again[1]["ETag"] == etag
        status, headers, empty = await get(stack, PICKER, {"first": 4}, **{"If-None-Match": etag})
        assert (status, empty, headers["ETag"]) == (304, b"", etag)
        status, _, _ = await get(stack, PICKER, {"first": 4}, **{"If-None-Match": '"something-else"'})
        assert status == 200 and len(executions) == 1
        status, headers, _ = await get(stack, "{ images(first: 1) { oldestDataAgeSeconds } }")
        assert status == 200 and headers["Cache-Control"] == "no-store" and "ETag" not in headers


async def test_no_cache_requests_bypass_unless_the_operator_turns_that_off(executions: list[str]) -> None:
    request = {"query": PICKER, "variables": {"first": 2}}
    async with running_stack() as stack:
        # The first request bypasses the cache, and the zone list it fetches still gets its freshness stamped,
        # so the answers built on it next can be stored.
        await post(stack, request, **{"Cache-Control": "no-cache"})
        await post(stack, request)
        await post(stack, request, **{"Cache-Control": "max-age=0, no-cache"})
        assert len(executions) == 3
        await post(stack, request)
        assert len(executions) == 3
    async with running_stack(response_cache=cache_settings(honor_no_cache=False)) as stack:
        await post(stack, request)
        await post(stack, request, **{"Cache-Control": "no-cache"})
        assert len(executions) == 4


async def test_time_dependent_answers_are_recomputed(executions: list[str]) -> None:
    async with running_stack() as stack:
        query = {"query": "{ images(first: 2) { oldestDataAgeSeconds edges { node { id } } } }"}
        first = orjson.loads((await post(stack, query))[2])["data"]["images"]["oldestDataAgeSeconds"]
        await asyncio.sleep(1.1)
        second = orjson.loads((await post(stack, query))[2])["data"]["images"]["oldestDataAgeSeconds"]
        assert second >= first + 1 and len(executions) == 2


async def test_switched_off_or_on_the_answers_are_byte_identical(executions: list[str]) -> None:
    requests: list[dict[str, Any]] = [
        {"query": PICKER, "variables": {"first": 50}},
        {"query": PICKER, "variables": {"first": 3, "filter": {"providers": ["JDCLOUD"], "source": "OFFICIAL"}}},
        {"query": "{ locations { provider id name } }"},
        {"query": "{ __schema { types { name } } }"},
        {"query": "{ _service { sdl } }"},
    ]
    answers: dict[bool, list[bytes]] = {}
    for enabled in (False, True):
        async with running_stack(response_cache=cache_settings(enabled=enabled)) as stack:
            answers[enabled] = []
            for request in requests:
                for accept in (GRAPHQL_RESPONSE_JSON, "application/json"):
                    miss = await post(stack, request, Accept=accept)
                    hit = await post(stack, request, Accept=accept)
                    assert miss[0] == hit[0] == 200 and hit[2] == miss[2]
                    assert sent_headers(hit[1]) == sent_headers(miss[1])
                    answers[enabled].append(miss[2])
    assert answers[True] == answers[False]
    assert len(executions) == 2 * len(requests) * 2 + 2 * len(requests)  # off: all of them; on: the misses


async def asgi_post(app: Any, body: bytes) -> tuple[int, bytes]:
    """One POST straight into the ASGI app uvicorn is serving (its lifespan running): no sockets."""
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
        "path": "/graphql", "raw_path": b"/graphql", "root_path": "", "query_string": b"", "state": {},
        "headers": [(b"content-type", b"application/json"), (b"accept", GRAPHQL_RESPONSE_JSON.encode())],
        "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80),
    }
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])


DISTINCT = b'{"query": "query($n: String!) { __type(name: $n) { name } }", "variables": {"n": "T%d"}}'


async def test_memory_stays_within_its_bound_after_10000_distinct_queries(apps: list[Any]) -> None:
    bound = cache_settings(max_bytes=400_000, max_entries=1_500)
    async with running_stack(response_cache=bound) as stack:
        store = _store(apps[0])
        assert isinstance(store, MemoryStore)
        for n in range(10_000):  # one document (validated once), 10,000 distinct variables
            status, body = await asgi_post(apps[0], DISTINCT % n)
            assert status == 200 and body == b'{"data":{"__type":null}}'
            assert store.size <= bound.max_bytes and len(store) <= bound.max_entries
        assert len(store) > 100 and len(store.aliases) > 100  # it kept caching all along
        assert await asgi_post(apps[0], DISTINCT % 9999) == (200, b'{"data":{"__type":null}}')
        assert await metric(stack, "cig_response_cache_memory_bytes") == store.size
        assert await metric(stack, 'cig_response_cache_evictions_total{reason="capacity"}') > 8_000


def _store(app: Any) -> Any:
    front = app.middleware_stack
    while not hasattr(front, "cache"):
        front = front.app
    return front.cache.store


@pytest.mark.redis
async def test_corrupt_entries_in_redis_are_dropped_and_answered_as_misses(
    redis_db: redis.Redis, executions: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    async with running_stack(cache_url=REDIS_TEST_URL) as stack:
        request = {"query": PICKER, "variables": {"first": 3}}
        _, _, good = await post(stack, request)
        keys = await redis_db.keys(REDIS_PREFIX + "*")
        assert len(keys) == 1
        for garbage in (b"garbage", b"CIGR1" + b"\x00" * 30 + b"{}", (await redis_db.get(keys[0]))[:-1] + b"!"):
            await redis_db.set(keys[0], garbage)
            with caplog.at_level(logging.WARNING):
                assert (await post(stack, request))[2] == good
        assert len(executions) == 4
        assert await metric(stack, 'cig_response_cache_evictions_total{reason="corrupt"}') == 3
        assert (await post(stack, request))[2] == good and len(executions) == 4  # stored again, whole


async def test_a_failing_redis_is_a_miss_with_a_warning_and_a_metric(
    executions: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        async with running_stack(response_cache=cache_settings(url="redis://:hunter2@127.0.0.1:1/0")) as stack:
            for _ in range(2):
                status, _, body = await post(stack, {"query": PICKER, "variables": {"first": 2}})
                assert status == 200 and "errors" not in orjson.loads(body)
            assert len(executions) == 2
            assert await metric(stack, "cig_response_cache_failures_total") >= 1
    assert "response cache read failed" in caplog.text and "hunter2" not in caplog.text



@pytest.mark.redis
async def test_a_huge_document_is_keyed_by_its_digest(redis_db: redis.Redis, executions: list[str]) -> None:
    async with running_stack(cache_url=REDIS_TEST_URL) as stack:
        huge = "# " + "x" * 300_000 + "\n{ locations { id } }"
        first = await post(stack, {"query": huge})
        assert first[0] == 200 and (await post(stack, {"query": huge}))[2] == first[2] and len(executions) == 1
        keys = await redis_db.keys(REDIS_PREFIX + "*")
        assert [len(key) for key in keys] == [len(REDIS_PREFIX) + 40]


async def test_a_body_sent_in_chunks_is_read_whole_and_replayed(executions: list[str]) -> None:
    body = orjson.dumps({"query": PICKER, "variables": {"first": 3}})

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(body), 64):
            yield body[start:start + 64]
            await asyncio.sleep(0.001)

    async with running_stack() as stack:
        answers = []
        for _ in range(2):
            async with stack.session.post(stack.url + "/graphql", data=chunks(),
                                          headers={"Content-Type": "application/json"}) as response:
                assert response.status == 200
                answers.append(await response.read())
        assert answers[0] == answers[1] == (await post(stack, body, Accept="application/json"))[2]
        assert b'"errors"' not in answers[0] and len(executions) == 1
