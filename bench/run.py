"""Benchmarks, reported as ratios against a baseline measured in the same run.

    .venv/bin/python bench/run.py [--rounds N] [--json bench/results/latest.json]

Each benchmark times the service and a baseline on the same machine, in the same process tree, and
reports their ratio against a target; a missed target makes the exit status 1. Absolute times are
printed for context only: they vary with the machine, ratios much less so.

  warm_query_vs_direct_call   a cached `images(first: 100)` over HTTP vs one signed provider call made
                              directly with the client (the floor any answer costs)
  cached_vs_uncached          the same query with a warm cache vs with the cache off, emulator latency
                              20 ms (what the cross-request cache buys)
  graphql_vs_json_1000        building and serializing a 1000-image answer through GraphQL vs plain
                              json.dumps of the same provider records
  memory_1000                 peak Python allocation while answering 1000 images vs the size of those
                              records as provider JSON
  tracing_on_vs_off_1000      the 1000-image answer with OpenTelemetry tracing on (OTLP/HTTP to a
                              local receiver, every request sampled) vs tracing off
  upstream calls              the provider calls of representative queries (exact, not timed)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from providers.zenlayer.client import ZenlayerClient  # noqa: E402
from providers.zenlayer.signing import DEMO_CREDENTIALS as ZEN_DEMO  # noqa: E402
from tests.e2e.harness import Stack, running_stack  # noqa: E402
from tests.otlp_receiver import otlp_receiver  # noqa: E402
from tests.support import transport  # noqa: E402

PAGE_100 = '{ images(first: 100, filter: {locations: ["asia-east-1a"]}) { edges { node { id name status } } } }'
PAGE_1000 = """{ images(first: 1000) { totalCount edges { cursor node {
  id provider location imageId name description osType osTypeRaw platform osVersion architecture source sourceRaw
  status statusRaw fileSizeGiB diskSizeGiB minDiskSizeGiB createdAt expiresAt imageType ownerPin snapshotId imported
  instanceId nicNetworkTypes rootDeviceType launchPermission offline bootMode progress
  systemDisk { category deviceName diskType sizeGiB } dataDisks { deviceName sizeGiB } tags { key value } raw
} } } }"""

TARGETS = {
    # The baseline is an in-process emulator answering in ~2 ms (real providers take tens of ms), so
    # this bounds the GraphQL layer itself: HTTP, graphql-core execution and serialization.
    "warm_query_vs_direct_call": 5.0,
    "cached_vs_uncached": 0.5,
    "graphql_vs_json_1000": 60.0,
    "memory_1000": 25.0,
    # Spans are per request and per provider call, never per field: a 1,000-row answer must not notice.
    "tracing_on_vs_off_1000": 1.1,
}


async def timed(rounds: int, fn: Callable[[], Awaitable[Any]]) -> float:
    """Median seconds of `fn` over `rounds` runs, after one warm-up."""
    await fn()
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        await fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


async def timed_pair(
    rounds: int, first: Callable[[], Awaitable[Any]], second: Callable[[], Awaitable[Any]]
) -> tuple[float, float]:
    """Median seconds of each, measured in alternation so drifts of a shared machine hit both alike."""
    await first()
    await second()
    samples: tuple[list[float], list[float]] = ([], [])
    for _ in range(rounds):
        for fn, into in ((first, samples[0]), (second, samples[1])):
            started = time.perf_counter()
            await fn()
            into.append(time.perf_counter() - started)
    return statistics.median(samples[0]), statistics.median(samples[1])


async def query(stack: Stack, document: str) -> dict[str, Any]:
    body = await stack.graphql(document)
    assert "errors" not in body, body["errors"]
    return body


async def warm_vs_direct(rounds: int) -> dict[str, float]:
    async with running_stack() as stack, transport() as t:
        client = ZenlayerClient(t, ZEN_DEMO, stack.zenlayer.url)
        direct = await timed(rounds, lambda: client.list_images("asia-east-1a", {}, page_number=1, page_size=100))
        warm = await timed(rounds, lambda: query(stack, PAGE_100))
    return {"service": warm, "baseline": direct}


async def cached_vs_uncached(rounds: int) -> dict[str, float]:
    async with running_stack() as cached, running_stack(cache_ttl=0) as uncached:
        for stack in (cached, uncached):
            stack.zenlayer.faults.latency_ms = 20
            stack.jdcloud.faults.latency_ms = 20
        warm = await timed(rounds, lambda: query(cached, PAGE_100))
        cold = await timed(rounds, lambda: query(uncached, PAGE_100))
    return {"service": warm, "baseline": cold}


async def graphql_vs_json(rounds: int) -> dict[str, float]:
    async with running_stack() as stack:
        body = await query(stack, PAGE_1000)
        raws = [edge["node"]["raw"] for edge in body["data"]["images"]["edges"]]
        assert len(raws) >= 500, len(raws)

        async def baseline() -> None:
            json.dumps(raws)

        service = await timed(rounds, lambda: query(stack, PAGE_1000))
        plain = await timed(rounds, baseline)
    return {"service": service, "baseline": plain}


async def memory(rounds: int) -> dict[str, float]:
    async with running_stack() as stack:
        body = await query(stack, PAGE_1000)  # warm the cache: measure the service, not the emulator
        raw_bytes = len(json.dumps([edge["node"]["raw"] for edge in body["data"]["images"]["edges"]]).encode())
        tracemalloc.start()
        tracemalloc.reset_peak()
        await query(stack, PAGE_1000)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return {"service": float(peak), "baseline": float(raw_bytes)}


async def tracing_on_vs_off(rounds: int) -> dict[str, float]:
    async with otlp_receiver() as (endpoint, received), running_stack() as off:
        saved = dict(os.environ)
        os.environ.update({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": endpoint, "OTEL_TRACES_SAMPLER": "always_on",
                           "OTEL_BSP_SCHEDULE_DELAY": "100"})
        try:
            on_stack = running_stack()
            on = await on_stack.__aenter__()  # tracing is configured when the app is created
        finally:
            os.environ.clear()
            os.environ.update(saved)
        try:
            for stack in (on, off):
                await query(stack, PAGE_1000)  # warm each cache: measure the service, not the emulator
            traced, untraced = await timed_pair(rounds, lambda: query(on, PAGE_1000), lambda: query(off, PAGE_1000))
        finally:
            await on_stack.__aexit__(None, None, None)
        assert received.spans, "tracing was on but no span reached the receiver"
    return {"service": traced, "baseline": untraced}


async def upstream_calls() -> dict[str, int]:
    counts: dict[str, int] = {}
    cases = {
        "images(first: 10), cold": "{ images(first: 10) { totalCount edges { node { id } } } }",
        "images(first: 10), again": "{ images(first: 10) { totalCount edges { node { id } } } }",
        "first: 250, one JD region and source":
            '{ images(first: 250, filter: {providers: [JDCLOUD], locations: ["cn-north-1"], source: OFFICIAL})'
            " { edges { node { id } } } }",
        "last: 5, one JD region and source":
            '{ images(last: 5, filter: {providers: [JDCLOUD], locations: ["cn-north-1"], source: OFFICIAL})'
            " { edges { node { id } } } }",
    }
    async with running_stack() as stack:
        for name, document in cases.items():
            stack.reset_calls()
            await query(stack, document)
            counts[name] = stack.calls
    return counts


async def main(rounds: int) -> tuple[int, dict[str, Any]]:
    results: dict[str, dict[str, float]] = {
        "warm_query_vs_direct_call": await warm_vs_direct(rounds),
        "cached_vs_uncached": await cached_vs_uncached(rounds),
        "graphql_vs_json_1000": await graphql_vs_json(rounds),
        "memory_1000": await memory(rounds),
        "tracing_on_vs_off_1000": await tracing_on_vs_off(rounds),
    }
    failed = 0
    print(f"{'benchmark':28} {'service':>12} {'baseline':>12} {'ratio':>8} {'target':>8}")
    report: dict[str, Any] = {"rounds": rounds, "benchmarks": {}, "upstream_calls": await upstream_calls()}
    for name, values in results.items():
        ratio = values["service"] / values["baseline"]
        ok = ratio <= TARGETS[name]
        failed += not ok
        unit = "B" if name.startswith("memory") else "s"
        print(f"{name:28} {values['service']:>11.4g}{unit} {values['baseline']:>11.4g}{unit} {ratio:>8.3f} "
              f"{'<=' + format(TARGETS[name], 'g'):>8} {'ok' if ok else 'MISSED'}")
        report["benchmarks"][name] = {**values, "ratio": ratio, "target": TARGETS[name], "ok": ok}
    print("\nupstream calls per query")
    for name, count in report["upstream_calls"].items():
        print(f"  {name:45} {count}")
    return (1 if failed else 0), report


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results" / "latest.json")
    args = parser.parse_args()
    status, report = asyncio.run(main(args.rounds))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2))
    sys.exit(status)
