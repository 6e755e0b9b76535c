"""The emulators' shared machinery: scripted and seeded faults, call counting and the control endpoints."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest

from providers.emulation import FAULT_KINDS, CallCounter, Faults
from providers.zenlayer import signing
from providers.zenlayer.catalog import default_catalog
from providers.zenlayer.emulator import create_app
from providers.zenlayer.signing import DEMO_CREDENTIALS
from tests.support import serve

ZONE_BODY = f'{{"zoneId": "{default_catalog().zone_ids[0]}", "pageSize": 1}}'.encode()


@dataclass
class Emulator:
    url: str
    faults: Faults
    counter: CallCounter
    session: aiohttp.ClientSession

    async def call(self, action: str = "DescribeImages") -> tuple[int, dict[str, str]]:
        """One signed provider call; its status and headers."""
        body = ZONE_BODY if action == "DescribeImages" else b"{}"
        headers = {"Content-Type": "application/json", "x-zc-action": action, "x-zc-version": "2025-09-01"}
        headers |= signing.sign(DEMO_CREDENTIALS, host=urlsplit(self.url).netloc, content_type="application/json",
                                body=body, timestamp=int(time.time()))
        async with self.session.post(self.url + "/api/v2/zec", data=body, headers=headers) as response:
            await response.read()
            return response.status, dict(response.headers)

    async def statuses(self, count: int) -> list[int]:
        return [(await self.call())[0] for _ in range(count)]

    async def control(self, method: str, path: str, body: Any = None, raw: bytes | None = None) -> tuple[int, Any]:
        data = raw if raw is not None else None
        async with self.session.request(method, self.url + path, json=body, data=data) as response:
            return response.status, await response.json()


@pytest.fixture
async def emulator() -> AsyncIterator[Emulator]:
    faults, counter = Faults(seed=7), CallCounter()
    async with serve(create_app(faults=faults, counter=counter)) as url, aiohttp.ClientSession() as session:
        yield Emulator(url, faults, counter, session)


# --- Faults as a Python object ----------------------------------------------------------------------------


def test_queued_faults_come_out_once_each_in_order() -> None:
    faults = Faults()
    faults.queue("throttle", "drop")
    faults.queue("oversize")
    assert [faults.draw() for _ in range(4)] == ["throttle", "drop", "oversize", None]


def test_an_unknown_fault_is_refused_and_nothing_is_queued() -> None:
    faults = Faults()
    with pytest.raises(ValueError, match="'explode'") as caught:
        faults.queue("error", "explode")
    assert all(kind in str(caught.value) for kind in FAULT_KINDS)  # the message lists what is known
    assert faults.draw() is None


def test_reset_clears_rates_settings_and_the_queue() -> None:
    faults = Faults(error_rate=1.0, latency_ms=50, retry_after_seconds=3, oversize_bytes=10, seed=3)
    faults.queue("throttle")
    faults.reset()
    assert faults.to_json() == Faults(seed=3).to_json()
    assert [faults.draw() for _ in range(20)] == [None] * 20


def draws(faults: Faults, count: int = 200) -> list[str | None]:
    return [faults.draw() for _ in range(count)]


def test_seeded_rates_are_repeatable() -> None:
    rates: dict[str, Any] = {"error_rate": 0.3, "throttle_rate": 0.2, "drop_rate": 0.1, "malformed_rate": 0.1}
    first = draws(Faults(seed=42, **rates))
    assert first == draws(Faults(seed=42, **rates))
    assert len(set(first)) == 5  # every kind and plenty of clean calls: the sequence is not degenerate
    assert first != draws(Faults(seed=43, **rates))
    faults = Faults(seed=42, **rates)
    draws(faults, 25)
    faults.reset()
    faults.update(rates)
    assert draws(faults) == first  # a reset starts the same sequence again


def test_a_queued_fault_takes_precedence_over_rates() -> None:
    faults = Faults(error_rate=1.0)
    faults.queue("malformed")
    assert draws(faults, 3) == ["malformed", "error", "error"]


# --- control endpoints over HTTP ------------------------------------------------------------------------


async def test_calls_are_counted_by_action_and_reset(emulator: Emulator) -> None:
    await emulator.call()
    await emulator.call()
    await emulator.call("DescribeZones")
    status, calls = await emulator.control("GET", "/_emulator/calls")
    assert status == 200
    assert (calls["total"], calls["byAction"]) == (3, {"DescribeImages": 2, "DescribeZones": 1})
    empty = {"total": 0, "byAction": {}, "byLocation": {}, "throttled": 0, "maxPerSecond": 0}
    assert await emulator.control("DELETE", "/_emulator/calls") == (200, empty)
    assert await emulator.control("GET", "/_emulator/calls") == (200, empty)
    assert emulator.counter.total == 0


async def test_a_refused_call_still_counts(emulator: Emulator) -> None:
    emulator.faults.queue("throttle", "error")
    assert await emulator.statuses(3) == [429, 503, 200]
    assert (await emulator.control("GET", "/_emulator/calls"))[1]["total"] == 3


async def test_get_faults_shows_the_configuration(emulator: Emulator) -> None:
    emulator.faults.latency_ms = 5
    emulator.faults.queue("drop")
    status, shown = await emulator.control("GET", "/_emulator/faults")
    assert status == 200
    assert shown == Faults(seed=7, latency_ms=5).to_json() | {"script": ["drop"]}


async def test_put_faults_replaces_the_configuration(emulator: Emulator) -> None:
    emulator.faults.latency_ms = 20
    status, shown = await emulator.control(
        "PUT", "/_emulator/faults", {"throttle_rate": 1.0, "retry_after_seconds": 0.5, "script": ["error"]}
    )
    assert status == 200
    assert (shown["latency_ms"], shown["throttle_rate"], shown["script"]) == (0.0, 1.0, ["error"])
    assert (await emulator.call())[0] == 503  # the script first
    status, headers = await emulator.call()
    assert (status, headers["Retry-After"]) == (429, "0.5")
    assert (await emulator.control("PUT", "/_emulator/faults", {}))[0] == 200  # back to a clean emulator
    assert await emulator.statuses(3) == [200, 200, 200]


@pytest.mark.parametrize(("body", "mentions"), [
    ({"error_rate": 0.5, "explode_rate": 1}, "explode_rate"),
    ({"script": ["error", "explode"]}, "explode"),
    ({"error_rate": "lots"}, "error_rate"),
    ({"latency_ms": None}, "latency_ms"),
    (["error_rate"], "object"),
])
async def test_a_bad_put_is_refused_and_changes_nothing(emulator: Emulator, body: Any, mentions: str) -> None:
    emulator.faults.latency_ms = 1
    emulator.faults.queue("throttle")
    before = emulator.faults.to_json()
    status, answer = await emulator.control("PUT", "/_emulator/faults", body)
    assert status == 400
    assert mentions in answer["error"]
    assert emulator.faults.to_json() == before
    assert await emulator.statuses(2) == [429, 200]  # and the emulator still answers


async def test_a_put_that_is_not_json_is_refused(emulator: Emulator) -> None:
    status, answer = await emulator.control("PUT", "/_emulator/faults", raw=b"{not json")
    assert status == 400 and answer["error"]


async def test_seeded_rates_set_over_http_repeat(emulator: Emulator) -> None:
    settings = {"error_rate": 0.4, "throttle_rate": 0.2, "retry_after_seconds": 0}
    await emulator.control("PUT", "/_emulator/faults", settings)
    first = await emulator.statuses(20)
    assert {200, 429, 503} <= set(first)
    await emulator.control("PUT", "/_emulator/faults", settings)  # a PUT starts the seeded sequence afresh
    assert await emulator.statuses(20) == first


# --- location targeting, the quota, the newer fault kinds -------------------------------------------------


async def test_faults_can_target_one_location(emulator: Emulator) -> None:
    zone = default_catalog().zone_ids[0]
    emulator.faults.update({"always": "error", "locations": ["some-other-zone"]})
    assert await emulator.statuses(2) == [200, 200]
    emulator.faults.update({"locations": [zone]})
    assert await emulator.statuses(2) == [503, 503]
    assert emulator.counter.by_location[zone] == 4


async def test_the_quota_answers_429_past_its_rate_and_counts_it(emulator: Emulator) -> None:
    emulator.faults.quota_per_second = 2
    assert await emulator.statuses(3) == [200, 200, 429]
    assert emulator.counter.throttled == 1 and emulator.counter.max_per_second() == 3
    status, calls = await emulator.control("GET", "/_emulator/calls")
    assert (status, calls["throttled"], calls["maxPerSecond"]) == (200, 1, 3)


async def test_auth_and_body_faults(emulator: Emulator) -> None:
    emulator.faults.queue("auth", "truncated")
    assert (await emulator.call())[0] == 401
    with pytest.raises(aiohttp.ClientPayloadError):
        await emulator.call()  # the body ends before its Content-Length


@pytest.mark.parametrize(
    ("settings", "error"),
    [({"always": "sometimes"}, ValueError), ({"locations": "cn-north-1"}, TypeError),
     ({"quota_per_second": -1}, ValueError)],
)
def test_bad_targeting_and_quota_settings_are_refused(settings: dict[str, Any], error: type[Exception]) -> None:
    with pytest.raises(error):
        Faults().update(settings)
