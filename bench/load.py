"""A bounded load run on loopback: many clients, mixed queries, then endless distinct documents.

    .venv/bin/python bench/load.py [--clients 200] [--seconds 30] [--distinct 10000] [--json bench/results/load.json]

`serve --demo` (uvicorn, httptools and uvloop when installed) is driven by `wrk` with `--clients`
connections for `--seconds`, cycling through listing pages, filters, volumes, locations, lookups by
id and dry runs. Reported: requests/s, p50 and p99 latency, failed requests (non-2xx, socket errors),
and the server's resident memory after a warm-up and at the end. Then at least `--distinct` distinct
documents (every one a new text and new provider parameters), and the memory after them.

Targets: zero failed requests; resident memory at the end of the load within 10% of the start; after
the distinct documents within 25% of the start (the provider cache and the document caches are
bounded in entries and bytes, so memory levels off instead of growing with every document).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from compiled_execution import ROOT, free_port, wait_ready  # bench/ is on sys.path when run as a script

LOAD_GROWTH = 0.10
DISTINCT_GROWTH = 0.25
MIXED = [
    "{ images(first: 20) { totalCount edges { node { id name osType } } } }",
    '{ images(first: 50, filter: {providers: [ZENLAYER]}) { edges { node { id name } } } }',
    '{ images(first: 10, filter: {osType: LINUX, locations: ["cn-north-1"]}) { totalCount } }',
    "{ volumes(first: 10) { totalCount edges { node { id name } } } }",
    "{ locations { id name } }",
    '{ images(last: 5, filter: {locations: ["asia-east-1a"]}) { edges { cursor } } }',
]
LUA_MIXED = """
local bodies = %s
local n = 0
request = function()
  n = n + 1
  local headers = {["Content-Type"] = "application/json", ["Accept"] = "application/json"}
  if n %% 10 == 0 then headers["X-Dry-Run"] = "true" end
  return wrk.format("POST", "/graphql", headers, bodies[(n %% #bodies) + 1])
end
"""
LUA_DISTINCT = """
local n = 0
request = function()
  n = n + 1
  local body = '{"query": "{ q' .. n .. ': images(first: 1, filter: {name: \\\\"doc-' .. n ..
    '\\\\", locations: [\\\\"asia-east-1a\\\\"]}) { totalCount } }"}'
  return wrk.format("POST", "/graphql", {["Content-Type"] = "application/json"}, body)
end
"""


def rss_kib(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"VmRSS:\s+(\d+) kB", status)
    assert match is not None
    return int(match.group(1))


def millis(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def run_wrk(port: int, script: Path, clients: int, seconds: int) -> dict[str, Any]:
    out = subprocess.run(
        ["wrk", f"-t{min(4, clients)}", f"-c{clients}", f"-d{seconds}s", "--latency", "--timeout", "10s",
         "-s", str(script), f"http://127.0.0.1:{port}/graphql"],
        check=True, capture_output=True, text=True,
    ).stdout
    latency = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+(?:us|ms|s))\s*$", out, re.M))
    requests = re.search(r"(\d+) requests in", out)
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if requests is None or rate is None or set(latency) != {"50", "99"}:
        raise RuntimeError(f"unreadable wrk output:\n{out}")

    def ms(text: str) -> float:
        match = re.fullmatch(r"([\d.]+)(us|ms|s)", text)
        assert match is not None
        return millis(*match.groups())

    return {
        "requests": int(requests.group(1)), "rps": float(rate.group(1)),
        "p50_ms": ms(latency["50"]), "p99_ms": ms(latency["99"]),
        "failed": (int(non_2xx.group(1)) if non_2xx else 0) + (sum(map(int, sockets.groups())) if sockets else 0),
    }


def main(clients: int, seconds: int, distinct: int) -> tuple[int, dict[str, Any]]:
    env = {**os.environ, "CIG_LOG_LEVEL": "WARNING", "CIG_RATE_LIMIT": "0"}
    port = free_port()
    service = subprocess.Popen(
        [str(ROOT / ".venv/bin/cloud-images-graphql"), "serve", "--demo", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    with tempfile.TemporaryDirectory() as tmp:
        try:
            wait_ready(port, service)
            mixed = Path(tmp) / "mixed.lua"
            mixed.write_text(LUA_MIXED % ("{" + ", ".join(json.dumps(json.dumps({"query": q})) for q in MIXED) + "}"))
            run_wrk(port, mixed, clients, 3)  # warm-up: caches filled, allocator settled
            start = rss_kib(service.pid)
            load = run_wrk(port, mixed, clients, seconds)
            end = rss_kib(service.pid)
            script = Path(tmp) / "distinct.lua"
            script.write_text(LUA_DISTINCT)
            sent = 0
            while sent < distinct:  # one connection: every request is a new document, in order
                sent += run_wrk(port, script, 1, 10)["requests"]
            after = rss_kib(service.pid)
        finally:
            service.terminate()
            service.wait(timeout=30)
    report = {
        "clients": clients, "seconds": seconds, **load,
        "rss_start_kib": start, "rss_end_kib": end, "load_growth": end / start - 1,
        "distinct_documents": sent, "rss_after_distinct_kib": after, "distinct_growth": after / start - 1,
        "targets": {"failed": 0, "load_growth": LOAD_GROWTH, "distinct_growth": DISTINCT_GROWTH},
    }
    ok = load["failed"] == 0 and report["load_growth"] < LOAD_GROWTH and report["distinct_growth"] < DISTINCT_GROWTH
    print(f"{clients} clients x {seconds} s: {load['requests']} requests, {load['rps']:.1f} req/s, "
          f"p50 {load['p50_ms']:.2f} ms, p99 {load['p99_ms']:.2f} ms, failed {load['failed']}")
    print(f"RSS start {start} KiB, end {end} KiB ({report['load_growth']:+.1%}, target < {LOAD_GROWTH:.0%}); "
          f"after {sent} distinct documents {after} KiB ({report['distinct_growth']:+.1%}, target < "
          f"{DISTINCT_GROWTH:.0%})  {'ok' if ok else 'MISSED'}")
    return (0 if ok else 1), report


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--distinct", type=int, default=10_000)
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results" / "load.json")
    args = parser.parse_args()
    status, result = main(args.clients, args.seconds, args.distinct)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2))
    sys.exit(status)
