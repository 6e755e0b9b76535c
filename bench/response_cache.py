"""Response cache hits against the machine's limit: the service vs a plain ASGI app, same bytes, same stack.

    .venv/bin/python bench/response_cache.py [--rounds 3] [--seconds 3] [--connections 16]

Both servers are single uvicorn processes on uvloop and httptools, driven in turn by `wrk` on loopback
with the same request: the warm, identical 100-image query with 20 fields per image (cursor, node id,
names, enums, sizes, disks, tags). The service (`serve --demo`) answers it from its response cache;
the baseline is a plain ASGI app that sends the same bytes with the same headers. The ratio of their
request rates (median of the rounds) is checked against TARGET; exit status 1 when it is missed.

It also reports the hit path's own cost: microseconds per request through the whole ASGI app in
process (no sockets; front, lookup and send), and the difference in per-request time under wrk.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGET = 0.5  # service hits / plain app, requests per second
BATCHES = 10  # of in-process hits, timed apart
SCRIPT = Path(sys.executable).with_name("cloud-images-graphql")
QUERY = """query Picker($first: Int) { images(first: $first) { edges { cursor node {
  id provider location imageId name description osType osTypeRaw platform osVersion source status statusRaw
  sizeGiB minDiskSizeGiB architecture systemDisk { category sizeGiB } dataDisks { sizeGiB } tags { key value }
} } } }"""
BODY = json.dumps({"query": QUERY, "variables": {"first": 100}, "operationName": "Picker"})
HEADERS = {"Content-Type": "application/json", "Accept": "application/graphql-response+json"}
WRK_SCRIPT = """wrk.method = "POST"
wrk.body = {body}
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/graphql-response+json"
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def plain_app(path: str, media: str) -> Any:
    """The baseline: an ASGI app with nothing but the answer's bytes and headers."""
    body = Path(path).read_bytes()
    start = {"type": "http.response.start", "status": 200,
             "headers": [(b"content-type", media.encode()), (b"content-length", str(len(body)).encode())]}
    message = {"type": "http.response.body", "body": body}

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        while (await receive()).get("more_body"):
            pass
        await send(start)
        await send(message)

    return app


def serve_plain(path: str, media: str, port: int) -> None:
    import uvicorn

    from graphql_api.cli import http_stack

    loop, http = http_stack()
    uvicorn.run(plain_app(path, media), host="127.0.0.1", port=port, loop=loop, http=http, log_level="warning",
                access_log=False, lifespan="off")


def post(url: str) -> tuple[bytes, str]:
    request = urllib.request.Request(url + "/graphql", data=BODY.encode(), headers=HEADERS)
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read(), response.headers["content-type"]


def wait_up(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{process.args} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("server did not start within 60 s")


def wrk(url: str, script: str, seconds: float, connections: int) -> float:
    run = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds:g}s", "-s", script, url + "/graphql"],
        capture_output=True, text=True, timeout=seconds + 30, check=True,
    )
    found = re.search(r"Requests/sec:\s+([\d.]+)", run.stdout)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", run.stdout)
    if found is None or errors is not None:
        raise SystemExit(f"wrk failed:\n{run.stdout}\n{run.stderr}")
    return float(found.group(1))


async def hit_cost_us(requests: int) -> float:
    """Microseconds per hit through the service's ASGI app in this process (lifespan running, no sockets)."""
    from graphql_api import settings as settings_module
    from graphql_api.app import create_app

    app = create_app(settings_module.load({"CIG_DEMO": "1", "CIG_LOG_LEVEL": "WARNING"}))
    inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    lifespan = asyncio.create_task(app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}},
                                       inbox.get, outbox.put))
    await inbox.put({"type": "lifespan.startup"})
    assert (await outbox.get())["type"] == "lifespan.startup.complete"
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
        "path": "/graphql", "raw_path": b"/graphql", "root_path": "", "query_string": b"", "state": {},
        # As wrk sends it: the hit path answers POSTs that declare their length.
        "headers": [(k.lower().encode(), v.encode()) for k, v in HEADERS.items()]
        + [(b"content-length", str(len(BODY.encode())).encode()), (b"host", b"127.0.0.1")],
        "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80),
    }
    request = {"type": "http.request", "body": BODY.encode(), "more_body": False}
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return request

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    for _ in range(3):  # miss, then hits
        await app(dict(scope), receive, send)
    sent.clear()
    batches = []
    for _ in range(BATCHES):  # the fastest batch: the least disturbed by other work on the machine
        started = time.perf_counter()
        for _ in range(requests // BATCHES):
            await app(dict(scope), receive, send)
        batches.append((time.perf_counter() - started) / (requests // BATCHES))
        assert all(m.get("status", 200) == 200 for m in sent) and len(sent) == 2 * (requests // BATCHES)
        sent.clear()
    await inbox.put({"type": "lifespan.shutdown"})
    await outbox.get()
    await lifespan
    return min(batches) * 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--plain", nargs=3, metavar=("BODY_FILE", "MEDIA", "PORT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.plain:
        serve_plain(args.plain[0], args.plain[1], int(args.plain[2]))
        return 0
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ZENLAYERCLOUD_", "JDCLOUD_", "CIG_"))}
    env["CIG_LOG_LEVEL"] = "WARNING"
    with tempfile.TemporaryDirectory() as tmp:
        service_port, plain_port = free_port(), free_port()
        service = subprocess.Popen([str(SCRIPT), "serve", "--demo", "--port", str(service_port)], env=env)
        service_url, plain_url = f"http://127.0.0.1:{service_port}", f"http://127.0.0.1:{plain_port}"
        plain: subprocess.Popen[bytes] | None = None
        try:
            wait_up(service_url, service)
            answer, media = post(service_url)
            again, _ = post(service_url)
            assert answer == again and b'"errors"' not in answer
            edges = json.loads(answer)["data"]["images"]["edges"]
            assert len(edges) == 100
            body_file, script = Path(tmp, "answer.json"), Path(tmp, "post.lua")
            body_file.write_bytes(answer)
            script.write_text(WRK_SCRIPT.format(body=json.dumps(BODY)))
            plain = subprocess.Popen([sys.executable, __file__, "--plain", str(body_file), media, str(plain_port)],
                                     env=env)
            wait_up(plain_url, plain)  # it answers every path, /healthz included
            assert post(plain_url) == (answer, media)
            rates: dict[str, list[float]] = {"service": [], "plain": []}
            for _ in range(args.rounds):  # alternated, so both see the same machine load
                rates["service"].append(wrk(service_url, str(script), args.seconds, args.connections))
                rates["plain"].append(wrk(plain_url, str(script), args.seconds, args.connections))
        finally:
            for process in (service, plain):
                if process is not None:
                    process.terminate()
                    process.wait(timeout=15)
    service_rate, plain_rate = statistics.median(rates["service"]), statistics.median(rates["plain"])
    ratio = service_rate / plain_rate
    in_process = run_on_fastest_loop(hit_cost_us(20_000))
    report = {
        "answer_bytes": len(answer), "fields_per_image": 20, "rounds": args.rounds, "seconds": args.seconds,
        "connections": args.connections, "service_req_s": rates["service"], "plain_req_s": rates["plain"],
        "ratio": round(ratio, 3), "target": TARGET,
        "hit_path_us_in_process": round(in_process, 1),
        "extra_us_per_request_under_wrk": round((1 / service_rate - 1 / plain_rate) * 1e6, 1),
    }
    print(json.dumps(report, indent=2))
    verdict = "ok" if ratio >= TARGET else "MISSED"
    print(f"response cache hit vs plain ASGI: {service_rate:,.0f} vs {plain_rate:,.0f} req/s = {ratio:.2f} "
          f"(target >= {TARGET}) {verdict}; hit path {in_process:.1f} us in process")
    return 0 if ratio >= TARGET else 1


def run_on_fastest_loop(work: Any) -> float:
    """Run `work` on uvloop when it imports (as the servers do), else on asyncio's loop."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(work)  # type: ignore[no-any-return]
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(work)  # type: ignore[no-any-return]


if __name__ == "__main__":
    sys.exit(main())
