"""The circuit breaker and stale-if-error over real HTTP, proven with the emulator's call counters and
timings compared within the same run: a failing location is skipped at once, one probe half-opens it,
and its last good answer keeps being served meanwhile."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from .harness import Stack, running_stack

TARGET = "cn-south-1"
QUERY = """
{
  images(first: 250, filter: { locations: ["cn-east-2", "cn-south-1"] }) {
    edges { node { id location freshness } }
  }
}
"""
SETTINGS: dict[str, Any] = {"operation_timeout": 1.0, "upstream_max_attempts": 2, "breaker_failures": 3}


async def timed(stack: Stack) -> tuple[dict[str, Any], float]:
    started = time.perf_counter()
    body = await stack.graphql(QUERY)
    return body, time.perf_counter() - started


def target_calls(stack: Stack) -> int:
    return stack.jdcloud.counter.by_location[TARGET]


def located(body: dict[str, Any], healthy: bool) -> list[str]:
    return [e["node"]["id"] for e in body["data"]["images"]["edges"] if (e["node"]["location"] != TARGET) == healthy]


async def metric(stack: Stack, name: str) -> dict[str, float]:
    """Samples of one metric, by their label text."""
    async with stack.session.get(stack.url + "/metrics") as response:
        text = await response.text()
    samples: dict[str, float] = {}
    for line in text.splitlines():
        if line.startswith(name + "{"):
            labels, _, value = line[len(name):].rpartition(" ")
            samples[labels] = float(value)
    return samples


async def readiness(stack: Stack) -> dict[str, Any]:
    async with stack.session.get(stack.url + "/readyz") as response:
        return await response.json()  # type: ignore[no-any-return]


async def test_repeated_failures_open_the_circuit_and_one_probe_closes_it() -> None:
    open_seconds = 0.4
    async with running_stack(cache_ttl=0, breaker_open_seconds=open_seconds, **SETTINGS) as stack:
        healthy, _ = await timed(stack)
        stack.jdcloud.faults.update({"always": "error", "locations": [TARGET]})

        first, failing = await timed(stack)  # every source of TARGET fails after its retries
        tried = target_calls(stack)
        assert {e["extensions"]["upstreamCode"] for e in first["errors"]} == {"UNAVAILABLE"}

        second, skipping = await timed(stack)  # the circuit is open: TARGET is not called at all
        assert target_calls(stack) == tried
        assert skipping < failing  # no retries, no backoff for TARGET
        [error] = second["errors"]
        assert error["extensions"]["code"] == "UPSTREAM_UNAVAILABLE"
        assert error["extensions"]["upstreamCode"] == "CIRCUIT_OPEN" and error["extensions"]["retryAt"]
        assert located(second, healthy=True) == located(healthy, healthy=True)
        state = {'{location="cn-south-1",provider="jdcloud"}': 2.0}
        assert (await metric(stack, "cig_circuit_state")).items() >= state.items()
        ready = await readiness(stack)
        assert ready["status"] == "degraded" and ready["circuits"] == {"JDCLOUD/cn-south-1": "open"}

        stack.jdcloud.faults.reset()  # the region recovers
        await asyncio.sleep(open_seconds * 1.25)
        probing, _ = await timed(stack)
        assert target_calls(stack) == tried + 1  # one probe; the other sources still wait for it
        assert {e["extensions"]["upstreamCode"] for e in probing.get("errors", [])} <= {"CIRCUIT_OPEN"}

        recovered, _ = await timed(stack)
        assert "errors" not in recovered and located(recovered, healthy=False) == located(healthy, healthy=False)
        assert (await metric(stack, "cig_circuit_state"))['{location="cn-south-1",provider="jdcloud"}'] == 0.0
        assert "circuits" not in await readiness(stack)


async def test_an_open_circuit_serves_the_last_good_answer_without_calling() -> None:
    ttl = 0.2
    async with running_stack(cache_ttl=ttl, stale_if_error=60.0, **SETTINGS) as stack:
        primed, _ = await timed(stack)
        assert "errors" not in primed
        await asyncio.sleep(ttl * 1.5)
        stack.jdcloud.faults.update({"always": "error", "locations": [TARGET]})
        before = target_calls(stack)

        failing, retried = await timed(stack)  # calls fail, retry, then the stale answer is served
        tried = target_calls(stack) - before
        assert tried > 0 and "errors" not in failing
        assert {e["node"]["freshness"] for e in failing["data"]["images"]["edges"]
                if e["node"]["location"] == TARGET} == {"STALE"}

        skipped, at_once = await timed(stack)  # circuit open: stale at once, no call
        assert target_calls(stack) - before == tried
        assert at_once < retried
        assert "errors" not in skipped and located(skipped, healthy=False) == located(primed, healthy=False)
        reasons = {(s["location"], s["reason"]) for s in skipped["extensions"]["staleSources"]}
        assert reasons == {(TARGET, "UPSTREAM_UNAVAILABLE")}
