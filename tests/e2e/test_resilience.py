"""Faults on one location while the others are healthy: every answer comes within the operation
deadline, with the right code (or the last good data, marked STALE), the other locations intact, and
the service serving normally once the fault is gone.

Timings are only compared with each other or with the injected latency, never with a fixed number.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from .harness import Stack, running_stack

TARGET = "cn-south-1"  # the JD Cloud region that misbehaves; cn-east-2 stays healthy
DEADLINE = 1.0  # CIG_OPERATION_TIMEOUT in these tests: ample for the healthy calls on a loaded machine
LATENCY_MS = 4000.0  # four deadlines: a provider answering this late must not hold the answer
RESPONSE_CAP = 1024 * 1024

QUERY = """
query Jd($first: Int) {
  images(first: $first, filter: { locations: ["cn-east-2", "cn-south-1"] }) {
    totalCount
    edges { node { id location osType osTypeRaw statusRaw freshness fetchedAt } }
  }
}
"""

# (name, fault settings on TARGET, the code its sources get without stale data)
FAULTS: list[tuple[str, dict[str, Any], str]] = [
    ("latency past the deadline", {"latency_ms": LATENCY_MS}, "UPSTREAM_TIMEOUT"),
    ("5xx burst", {"always": "error"}, "UPSTREAM_UNAVAILABLE"),
    ("429 with Retry-After", {"always": "throttle", "retry_after_seconds": 0.05}, "UPSTREAM_THROTTLED"),
    ("malformed JSON", {"always": "malformed"}, "UPSTREAM_UNAVAILABLE"),
    ("truncated body", {"always": "truncated"}, "UPSTREAM_UNAVAILABLE"),
    ("oversized body", {"oversize_bytes": RESPONSE_CAP}, "UPSTREAM_UNAVAILABLE"),
    ("connection reset", {"always": "drop"}, "UPSTREAM_UNAVAILABLE"),
    ("wrong envelope shape", {"always": "shape"}, "UPSTREAM_UNAVAILABLE"),
    ("refused credentials", {"always": "auth"}, "UPSTREAM_AUTH_FAILED"),
]
IDS = [name for name, _, _ in FAULTS]

SETTINGS: dict[str, Any] = {
    "operation_timeout": DEADLINE, "upstream_timeout": 2.0, "upstream_max_attempts": 2,
    "max_response_bytes": RESPONSE_CAP, "breaker_failures": 1000,  # the breaker has its own tests
}


def inject(stack: Stack, settings: dict[str, Any]) -> None:
    stack.jdcloud.faults.update({**settings, "locations": [TARGET]})


async def timed(stack: Stack, headers: dict[str, str] | None = None) -> tuple[dict[str, Any], float]:
    started = time.perf_counter()
    body = await stack.graphql(QUERY, {"first": 1000}, **(headers or {}))
    return body, time.perf_counter() - started


def nodes(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [edge["node"] for edge in body["data"]["images"]["edges"]]


def ids(body: dict[str, Any], *, target: bool | None = None) -> list[str]:
    return [n["id"] for n in nodes(body) if target is None or (n["location"] == TARGET) == target]


@pytest.fixture
async def uncached() -> AsyncIterator[Stack]:
    async with running_stack(cache_ttl=0, **SETTINGS) as stack:
        yield stack


@pytest.mark.parametrize(("name", "fault", "code"), FAULTS, ids=IDS)
async def test_a_fault_on_one_location_is_an_error_there_only(
    uncached: Stack, name: str, fault: dict[str, Any], code: str
) -> None:
    healthy, _ = await timed(uncached)
    assert "errors" not in healthy and ids(healthy, target=True)
    inject(uncached, fault)
    body, elapsed = await timed(uncached)
    assert ids(body, target=False) == ids(healthy, target=False)  # the other regions' data, intact
    assert ids(body, target=True) == []
    errors = body["errors"]
    assert {(e["extensions"]["code"], e["extensions"]["provider"], e["extensions"]["location"]) for e in errors} == {
        (code, "JDCLOUD", TARGET)
    }
    assert elapsed < LATENCY_MS / 1000 / 2  # bounded by the deadline, not by the provider
    uncached.jdcloud.faults.reset()
    again, _ = await timed(uncached)  # the service keeps serving, with everything again
    assert "errors" not in again and ids(again) == ids(healthy)


async def test_unknown_enum_values_are_data_not_errors(uncached: Stack) -> None:
    healthy, _ = await timed(uncached)
    inject(uncached, {"always": "enum"})
    body, _ = await timed(uncached)
    assert "errors" not in body and ids(body) == ids(healthy)
    odd = [n for n in nodes(body) if n["location"] == TARGET]
    assert odd and all(n["osType"] == "OTHER" and n["osTypeRaw"] == "UNDOCUMENTED_VALUE" for n in odd)
    assert all(n["statusRaw"] == "UNDOCUMENTED_VALUE" for n in odd)
    assert all(n["osTypeRaw"] != "UNDOCUMENTED_VALUE" for n in nodes(body) if n["location"] != TARGET)


@pytest.mark.parametrize(("name", "fault", "code"), FAULTS, ids=IDS)
async def test_a_fault_with_an_expired_answer_in_the_cache_serves_it_marked_stale(
    name: str, fault: dict[str, Any], code: str
) -> None:
    ttl = 0.2
    async with running_stack(cache_ttl=ttl, stale_if_error=60.0, **SETTINGS) as stack:
        primed, _ = await timed(stack)
        assert "errors" not in primed
        await asyncio.sleep(ttl * 1.5)  # every entry is now past its TTL
        inject(stack, fault)
        body, elapsed = await timed(stack)
        assert "errors" not in body  # the last good answer stands in for the failed calls
        assert ids(body) == ids(primed)
        by_location = {n["location"]: set() for n in nodes(body)}
        for n in nodes(body):
            by_location[n["location"]].add(n["freshness"])
        assert by_location.pop(TARGET) == {"STALE"}
        assert set().union(*by_location.values()) == {"LIVE"}  # the healthy regions were asked again
        stale = body["extensions"]["staleSources"]
        assert stale and {(s["provider"], s["location"], s["reason"]) for s in stale} == {("JDCLOUD", TARGET, code)}
        assert all(s["ageSeconds"] >= ttl for s in stale)
        fetched = {n["id"]: n["fetchedAt"] for n in nodes(primed)}
        assert all(n["fetchedAt"] == fetched[n["id"]] for n in nodes(body) if n["location"] == TARGET)
        assert elapsed < LATENCY_MS / 1000 / 2


async def test_fresh_data_is_live_then_cached_and_a_client_may_ask_for_fresher() -> None:
    async with running_stack(min_max_age=0.0, **SETTINGS) as stack:
        first, _ = await timed(stack)
        calls = stack.jdcloud.counter.total
        assert calls and {n["freshness"] for n in nodes(first)} == {"LIVE"}
        second, _ = await timed(stack)
        assert stack.jdcloud.counter.total == calls  # all from the cache
        assert {n["freshness"] for n in nodes(second)} == {"CACHED"}
        assert [n["fetchedAt"] for n in nodes(second)] == [n["fetchedAt"] for n in nodes(first)]
        third, _ = await timed(stack, {"Cache-Control": "max-age=0"})
        assert stack.jdcloud.counter.total == 2 * calls  # younger than 0 s: asked again
        assert {n["freshness"] for n in nodes(third)} == {"LIVE"}


async def test_the_operator_bounds_how_fresh_a_client_may_demand() -> None:
    async with running_stack(min_max_age=60.0, **SETTINGS) as stack:
        await timed(stack)
        calls = stack.jdcloud.counter.total
        body, _ = await timed(stack, {"Cache-Control": "no-cache"})
        assert stack.jdcloud.counter.total == calls  # 0 s asked, 60 s allowed: the cache still answers
        assert {n["freshness"] for n in nodes(body)} == {"CACHED"}


async def test_stale_while_revalidate_answers_at_once_and_refreshes_in_the_background() -> None:
    ttl, latency = 1.0, 1.5
    async with running_stack(cache_ttl=ttl, stale_while_revalidate=60.0, **SETTINGS) as stack:
        primed, _ = await timed(stack)
        calls = stack.jdcloud.counter.total
        await asyncio.sleep(ttl * 1.5)
        stack.jdcloud.faults.latency_ms = latency * 1000  # a refresh now takes a while; the answer must not wait
        body, elapsed = await timed(stack)
        assert ids(body) == ids(primed) and {n["freshness"] for n in nodes(body)} == {"STALE"}
        assert {s["reason"] for s in body["extensions"]["staleSources"]} == {"STALE_WHILE_REVALIDATE"}
        assert elapsed < latency
        for _ in range(100):  # until the refreshes have landed; queries meanwhile share them
            refreshed, _ = await timed(stack)
            if {n["freshness"] for n in nodes(refreshed)} == {"CACHED"}:
                break
            await asyncio.sleep(0.1)
        assert {n["freshness"] for n in nodes(refreshed)} == {"CACHED"}
        assert stack.jdcloud.counter.total == 2 * calls  # exactly one refresh per entry
        assert all(n["fetchedAt"] > old["fetchedAt"] for n, old in zip(nodes(refreshed), nodes(primed), strict=True))


async def test_a_lookup_by_id_serves_its_last_good_answer_marked_stale() -> None:
    ttl = 0.2
    lookup = "query One($id: ID!) { image(id: $id) { id name freshness } }"
    async with running_stack(cache_ttl=ttl, stale_if_error=60.0, **SETTINGS) as stack:
        listed, _ = await timed(stack)
        wanted = ids(listed, target=True)[0]
        first = await stack.graphql(lookup, {"id": wanted})
        assert first["data"]["image"]["freshness"] == "LIVE"
        await asyncio.sleep(ttl * 1.5)
        inject(stack, {"always": "error"})
        again = await stack.graphql(lookup, {"id": wanted})
        assert "errors" not in again
        assert again["data"]["image"] == {**first["data"]["image"], "freshness": "STALE"}
        [source] = again["extensions"]["staleSources"]
        assert (source["action"], source["location"], source["reason"]) == ("image", TARGET, "UPSTREAM_UNAVAILABLE")


async def test_volumes_say_how_fresh_they_are_too() -> None:
    volumes = '{ volumes(first: 5, filter: { locations: ["cn-east-2"] }) { nodes { id fetchedAt freshness } } }'
    async with running_stack(**SETTINGS) as stack:
        first = await stack.graphql(volumes)
        second = await stack.graphql(volumes)
    assert {v["freshness"] for v in first["data"]["volumes"]["nodes"]} == {"LIVE"}
    assert {v["freshness"] for v in second["data"]["volumes"]["nodes"]} == {"CACHED"}
    assert first["data"]["volumes"]["nodes"][0]["fetchedAt"] == second["data"]["volumes"]["nodes"][0]["fetchedAt"]
