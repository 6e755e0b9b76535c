"""Structured logs as an operator reads them: the real `serve` command with CIG_LOG_FORMAT=json.

Every line the process writes to stderr (its own, uvicorn's) must be one JSON object; each request
has a line with its request id, operation name, duration, upstream call counts and (tracing on)
trace id; the id comes
back in the `X-Request-Id` header and in every error's `extensions.xRequestId`; malformed ids are
replaced, never echoed; no secret reaches the log.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from providers.jdcloud.signing import DEMO_CREDENTIALS as JD_DEMO
from providers.zenlayer.signing import DEMO_CREDENTIALS as ZEN_DEMO

from .test_cli import ROOT, SCRIPT, clean_env, wait_until_healthy

API_KEY = "log-test-api-key-7f3a9c"
STARTUP_SECONDS = 30


@dataclass
class Service:
    url: str
    process: subprocess.Popen[str]
    head: list[str]  # the lines read while waiting for the URL


@pytest.fixture
def json_service() -> Iterator[Service]:
    process = subprocess.Popen(
        [str(SCRIPT), "serve", "--port", "0"], stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, cwd=ROOT,
        # Tracing on (spans to the console, i.e. stdout), so log lines carry trace ids.
        env=clean_env(CIG_LOG_FORMAT="json", CIG_API_KEYS=API_KEY, CIG_DEMO="1", OTEL_TRACES_EXPORTER="console"),
    )
    assert process.stderr is not None
    try:
        url = None
        head: list[str] = []
        deadline = time.monotonic() + STARTUP_SECONDS
        while url is None and time.monotonic() < deadline:
            line = process.stderr.readline()
            head.append(line)
            found = re.search(r"http://127\.0\.0\.1:(\d+)/graphql", line)
            url = f"http://127.0.0.1:{found.group(1)}" if found and found.group(1) != "0" else None
        assert url is not None, "serve --port 0 printed no URL with a real port"
        wait_until_healthy(url, deadline)
        yield Service(url, process, head)
    finally:
        process.terminate()
        process.wait(timeout=15)


def post(
    url: str, query: str, *, request_id: str | None = None, operation: str | None = None, traceparent: str = ""
) -> requests.Response:
    headers = {"Authorization": f"Bearer {API_KEY}"}
    if traceparent:
        headers["traceparent"] = traceparent
    if request_id is not None:
        headers["X-Request-Id"] = request_id
    payload: dict[str, Any] = {"query": query}
    if operation:
        payload["operationName"] = operation
    return requests.post(url + "/graphql", json=payload, headers=headers, timeout=30)


def test_every_line_is_json_and_errors_carry_the_logged_request_id(json_service: Service) -> None:
    url, process = json_service.url, json_service.process
    named = post(url, "query FirstPage { images(first: 3) { totalCount } }", request_id="router-req-42",
                 operation="FirstPage")
    assert named.status_code == 200 and "errors" not in named.json()
    assert named.headers["X-Request-Id"] == "router-req-42"

    failing = post(url, '{ image(id: "not-a-global-id") { id } }')
    error = failing.json()["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    generated = error["extensions"]["xRequestId"]
    assert failing.headers["X-Request-Id"] == generated and re.fullmatch(r"[0-9a-f]{32}", generated)

    forged = 'evil"\\ninjected=1'
    malformed = post(url, "{ locations { id } }", request_id=forged, traceparent="00-forged-traceparent-01")
    replacement = malformed.headers["X-Request-Id"]
    assert replacement != forged and re.fullmatch(r"[0-9a-f]{32}", replacement)

    unauthenticated = requests.post(url + "/graphql", json={"query": "{ locations { id } }"}, timeout=10)
    assert unauthenticated.status_code == 401
    refused_id = unauthenticated.json()["errors"][0]["extensions"]["xRequestId"]
    assert refused_id == unauthenticated.headers["X-Request-Id"]

    process.terminate()
    _, rest = process.communicate(timeout=15)
    stderr = "".join(json_service.head) + rest
    lines = [line for line in stderr.splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # every line is JSON, or this raises
    assert all(isinstance(r, dict) and {"time", "level", "logger", "message"} <= r.keys() for r in records)
    assert any(r["logger"].startswith("uvicorn") for r in records)  # uvicorn's lines too

    by_id = {r["requestId"]: r for r in records if r["logger"] == "graphql_api.access"}
    first = by_id["router-req-42"]
    assert first["operationName"] == "FirstPage" and first["operationType"] == "query"
    assert first["status"] == 200 and first["durationMs"] > 0
    assert first["upstreamCalls"] == 21  # demo: 1 DescribeZones + 5 DescribeImages + 15 describeImages
    assert first["upstreamCallsByProvider"] == {"zenlayer": 6, "jdcloud": 15}
    assert by_id[generated]["errorCodes"] == ["BAD_USER_INPUT"]  # the error's id finds its log line
    assert by_id[replacement]["status"] == 200
    assert re.fullmatch(r"[0-9a-f]{32}", by_id[replacement]["traceId"])  # the forged traceparent started a new trace
    assert first["traceId"] != by_id[replacement]["traceId"]
    assert by_id[refused_id]["status"] == 401
    assert any(r.get("requestId") == replacement and "malformed X-Request-Id" in r["message"] for r in records)

    for secret in (API_KEY, ZEN_DEMO.access_key_password, JD_DEMO.secret_key, "injected", "evil", "forged"):
        assert secret not in stderr
