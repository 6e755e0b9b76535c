"""Executor-bound pages: the service with compiled execution vs plain graphql-core, both under uvicorn.

    .venv/bin/python bench/compiled_execution.py [--rounds 3] [--seconds 5] [--json bench/results/compiled.json]

The query asks for 60..100 images (the Lua script varies `first` on every request) with 20 fields
each, over data the provider cache already holds; the response cache is off
(`CIG_RESPONSE_CACHE=false`), so execution is the whole cost. The baseline is plain graphql-core
executing the same document over the same result shape from plain dicts (the service's answer for
100 images, sliced per request), with parsing and validation cached per document as the service
caches them. Both run as one process under uvicorn with httptools and uvloop; `wrk` drives them in
alternating rounds of the same run. Target: the service at >= 5x the baseline's requests/s.

Also reported: the share of root fields the compiled path completed and the compile time, read
from the service's /metrics.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TARGET = 5.0
QUERY = (
    "query Page($first: Int!) { images(first: $first) { totalCount pageInfo { hasNextPage endCursor } "
    "edges { cursor node { id provider location imageId name description osType osTypeRaw platform osVersion "
    "architecture source status statusRaw sizeGiB minDiskSizeGiB createdAt nicNetworkTypes bootMode "
    "tags { key value } } } } }"
)
LUA = """
local query = %s
local n = 0
request = function()
  n = n + 1
  local body = '{"query": ' .. query .. ', "variables": {"first": ' .. (60 + n %% 41) .. '}}'
  return wrk.format("POST", "/graphql", {["Content-Type"] = "application/json", ["Accept"] = "application/json"}, body)
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def post(port: int, first: int) -> bytes:
    body = json.dumps({"query": QUERY, "variables": {"first": first}}).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}/graphql", body,
                                     {"Content-Type": "application/json", "Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return bytes(response.read())


def wait_ready(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server on port {port} exited with {process.returncode}")
        try:
            post(port, 60)
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server on port {port} did not start")


def wrk(port: int, script: Path, seconds: int) -> float:
    out = subprocess.run(
        ["wrk", "-t1", "-c8", f"-d{int(seconds)}s", "-s", str(script), f"http://127.0.0.1:{port}/graphql"],
        check=True, capture_output=True, text=True,
    ).stdout
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if match is None or errors is not None:
        raise RuntimeError(f"wrk failed:\n{out}")
    return float(match.group(1))


def metric(text: str, name: str, **labels: str) -> float:
    selector = ",".join(f'{k}="{v}"' for k, v in labels.items())
    pattern = re.escape(name) + (r"\{" + re.escape(selector) + r"\}" if selector else "") + r" ([0-9.e+-]+)"
    return sum(float(m) for m in re.findall(pattern, text))


def baseline_app(sdl: str, page: dict[str, Any]) -> Any:
    """Plain graphql-core over dicts: default resolvers, parse and validation cached per document."""
    import orjson
    from graphql import build_schema, execute, parse, validate

    schema = build_schema(sdl, assume_valid_sdl=True)
    documents: dict[str, Any] = {}

    def root(first: int) -> dict[str, Any]:
        edges = page["edges"][:first]
        page_info = {**page["pageInfo"], "endCursor": edges[-1]["cursor"]}
        return {"images": {**page, "pageInfo": page_info, "edges": edges}}

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        request = orjson.loads(body)
        document = documents.get(request["query"])
        if document is None:
            document = parse(request["query"])
            assert not validate(schema, document)
            documents[request["query"]] = document
        variables = request.get("variables") or {}
        result = execute(schema, document, root_value=root(variables["first"]), variable_values=variables)
        payload = orjson.dumps({"data": result.data})  # type: ignore[union-attr]
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": payload})

    return app


def serve_baseline(port: int, data_file: Path) -> None:
    import uvicorn

    data = json.loads(data_file.read_text())
    uvicorn.run(baseline_app(data["sdl"], data["page"]), host="127.0.0.1", port=port, loop="uvloop",
                http="httptools", log_level="warning", access_log=False)


def in_process(page: dict[str, Any], samples: int = 30) -> dict[str, float]:
    """Median ms per operation without HTTP: the service's schema with compiled execution on and off
    (its root resolver, provider cache hits and record conversion included) and graphql-core on dicts."""
    import asyncio
    import statistics

    from graphql import build_schema as build_sdl
    from graphql import execute, parse

    from graphql_api import settings
    from graphql_api.context import build_context
    from graphql_api.execution import ExecutionMode
    from graphql_api.schema import build_schema
    from graphql_api.services import running

    async def measure() -> dict[str, float]:
        timings: dict[str, float] = {}
        async with running(settings.load({"CIG_DEMO": "true"})) as services:
            for mode in (ExecutionMode.ON, ExecutionMode.OFF):
                schema = build_schema(execution=mode)
                runs = []
                for i in range(samples + 3):
                    context = build_context(services.catalogs, services.settings.limits)
                    started = time.perf_counter()
                    await schema.execute(QUERY, variable_values={"first": 60 + i % 41}, context_value=context)
                    runs.append(time.perf_counter() - started)
                timings[f"service_{mode.value}_ms"] = statistics.median(runs[3:]) * 1000
        plain = build_sdl(build_schema().as_str(), assume_valid_sdl=True)
        document, runs = parse(QUERY), []
        for i in range(samples):
            first = 60 + i % 41
            root = {"images": {**page, "edges": page["edges"][:first]}}
            started = time.perf_counter()
            execute(plain, document, root_value=root, variable_values={"first": first})
            runs.append(time.perf_counter() - started)
        timings["graphql_core_on_dicts_ms"] = statistics.median(runs) * 1000
        return timings

    return asyncio.run(measure())


def main(rounds: int, seconds: int) -> tuple[int, dict[str, Any]]:
    env = {**os.environ, "CIG_RESPONSE_CACHE": "false", "CIG_COMPILED_EXECUTION": "true", "CIG_LOG_LEVEL": "WARNING"}
    service_port, baseline_port = free_port(), free_port()
    service = subprocess.Popen(
        [str(ROOT / ".venv/bin/cloud-images-graphql"), "serve", "--demo", "--port", str(service_port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    processes = [service]
    with tempfile.TemporaryDirectory() as tmp:
        try:
            wait_ready(service_port, service)
            page = json.loads(post(service_port, 100))["data"]["images"]
            from graphql_api.schema import build_schema

            data_file = Path(tmp) / "baseline.json"
            data_file.write_text(json.dumps({"sdl": build_schema().as_str(), "page": page}))
            baseline = subprocess.Popen([sys.executable, __file__, "--baseline-server", str(baseline_port),
                                         str(data_file)], env=env)
            processes.append(baseline)
            wait_ready(baseline_port, baseline)
            for first in (60, 77, 100):  # same document, same variables: the same bytes
                assert post(service_port, first) == post(baseline_port, first), first
            script = Path(tmp) / "pages.lua"
            script.write_text(LUA % json.dumps(json.dumps(QUERY)))
            wrk(service_port, script, 2)
            wrk(baseline_port, script, 2)
            samples: dict[str, list[float]] = {"service": [], "baseline": []}
            for _ in range(rounds):
                samples["service"].append(wrk(service_port, script, seconds))
                samples["baseline"].append(wrk(baseline_port, script, seconds))
            with urllib.request.urlopen(f"http://127.0.0.1:{service_port}/metrics", timeout=10) as response:
                metrics = response.read().decode()
        finally:
            for process in processes:
                process.terminate()
                process.wait(timeout=30)
    timings = in_process(page)
    service_rps, baseline_rps = max(samples["service"]), max(samples["baseline"])
    executions = {o: metric(metrics, "cig_executions_total", outcome=o) for o in ("compiled", "graphql_core", "bailed")}
    compiles = metric(metrics, "cig_compiled_plan_seconds_count")
    report = {
        "service_rps": samples["service"], "baseline_rps": samples["baseline"],
        "ratio": service_rps / baseline_rps, "target": TARGET,
        "compiled_share": executions["compiled"] / max(1.0, sum(executions.values())),
        "executions": executions,
        "compile_seconds_mean": metric(metrics, "cig_compiled_plan_seconds_sum") / max(1.0, compiles),
        "compiles": compiles,
        "in_process": timings,
    }
    ok = report["ratio"] >= TARGET
    print(f"service  {service_rps:9.1f} req/s  (rounds: {', '.join(f'{r:.1f}' for r in samples['service'])})")
    print(f"baseline {baseline_rps:9.1f} req/s  (rounds: {', '.join(f'{r:.1f}' for r in samples['baseline'])})")
    print(f"ratio    {report['ratio']:9.2f}x  target >= {TARGET:g}x  {'ok' if ok else 'MISSED'}")
    print(f"compiled share of root fields {report['compiled_share']:.4f} ({executions}); "
          f"{compiles:g} compiles, mean {report['compile_seconds_mean'] * 1000:.2f} ms")
    print("in process, median ms per operation: " + ", ".join(f"{k} {v:.2f}" for k, v in timings.items()))
    return (0 if ok else 1), report


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--baseline-server":
        serve_baseline(int(sys.argv[2]), Path(sys.argv[3]))
        sys.exit(0)
    sys.path.insert(0, str(ROOT))
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results" / "compiled_execution.json")
    args = parser.parse_args()
    status, result = main(args.rounds, args.seconds)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2))
    sys.exit(status)
