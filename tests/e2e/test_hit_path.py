"""The response cache's hit path (graphql_api.hit_path) through the real service over HTTP.

A hit answered ahead of the middleware must be the answer the middleware stack gives for it with
CIG_RESPONSE_CACHE_HIT_PATH=false: status, headers and bytes (differential), and must keep every rule
of the layers it skips: API keys, the rate limit, CORS, request ids, metrics and the log line.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from multidict import CIMultiDict

from graphql_api import request_context
from graphql_api.request_context import RequestContextMiddleware
from graphql_api.settings import Secret

from .harness import Stack, running_stack
from .test_response_cache import GRAPHQL_RESPONSE_JSON, PICKER, cache_settings, get, metric, post

KEY = "hit-path-test-key-3b9d1f"
ORIGIN = "https://picker.example"
AUTH = {"Authorization": f"Bearer {KEY}"}
REQUEST = {"query": PICKER, "variables": {"first": 7}, "operationName": "Picker"}


@pytest.fixture
def stack_entries(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Paths of the requests that reached the middleware stack (the request-context layer, outermost)."""
    seen: list[str] = []
    original = RequestContextMiddleware.__call__

    async def spy(self: RequestContextMiddleware, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            seen.append(scope["path"])
        await original(self, scope, receive, send)

    monkeypatch.setattr(RequestContextMiddleware, "__call__", spy)
    yield seen


def comparable(status: int, headers: CIMultiDict[str], body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
    """What a client sees, without the per-request date and generated id; max-age to the 10 s (the two
    stacks answer moments apart)."""
    kept = []
    for name, value in headers.items():
        name = name.lower()
        if name in ("date", "x-request-id"):
            continue
        if name == "cache-control":
            value = re.sub(r"max-age=(\d+)", lambda m: f"max-age~{int(m.group(1)) // 10}", value)
        kept.append((name, value))
    return status, kept, body


async def answers(stack: Stack, etag: str | None = None) -> list[tuple[int, list[tuple[str, str]], bytes]]:
    """Each kind of request a second time (a hit), as the client sees it."""
    variables = {"first": 7}
    calls: list[Any] = [
        lambda: post(stack, REQUEST, **AUTH),
        lambda: post(stack, REQUEST, Origin=ORIGIN, **AUTH),
        lambda: post(stack, REQUEST, Origin="https://elsewhere.example", **AUTH),
        lambda: post(stack, REQUEST, **{"X-Request-Id": "caller-id-1", **AUTH}),
        lambda: post(stack, REQUEST, Accept="application/json", **AUTH),
        lambda: get(stack, PICKER, variables, **AUTH),
        lambda: get(stack, PICKER, variables, Origin=ORIGIN, **AUTH),
        lambda: get(stack, PICKER, variables, **{"If-None-Match": etag or '"none"', **AUTH}),
    ]
    seen = []
    for call in calls:
        await call()  # a miss the first time (stored), a hit the second
        status, headers, body = await call()
        seen.append(comparable(status, headers, body))
        if "x-request-id" in {k.lower() for k in headers}:
            supplied = "caller-id-1" if len(seen) == 4 else None
            assert supplied is None or headers["X-Request-Id"] == supplied
    return seen


async def test_hits_ahead_of_the_middleware_are_the_answers_given_inside_it(
    executions: list[str], stack_entries: list[str]
) -> None:
    options: dict[str, Any] = {"api_keys": (Secret(KEY),), "cors_origins": (ORIGIN,)}
    async with running_stack(response_cache=cache_settings(hit_path=False), **options) as inside:
        etag = (await get(inside, PICKER, {"first": 7}, **AUTH))[1]["ETag"]
        reference = await answers(inside, etag)
    assert stack_entries.count("/graphql") == 1 + 2 * 8  # with the hit path off, every request
    stack_entries.clear()
    async with running_stack(**options) as ahead:
        await get(ahead, PICKER, {"first": 7}, **AUTH)
        served = await answers(ahead, etag)
        assert await metric(ahead, 'cig_response_cache_lookups_total{result="hit"}') == 2 * 8 - 2
    assert served == reference
    assert [status for status, _, _ in served] == [200] * 7 + [304]
    assert [h for h in served[1][1] if h[0].startswith("access-control")] == [
        ("access-control-allow-origin", ORIGIN), ("access-control-expose-headers", "X-Request-Id")]
    # Only the misses entered the stack: the first GET, POST and POST in the other media type.
    assert stack_entries.count("/graphql") == 3
    assert len(executions) == 2 * 3


async def test_hits_keep_the_api_key_and_rate_limit_rules(stack_entries: list[str]) -> None:
    async with running_stack(api_keys=(Secret(KEY),), rate_limit=2.0, rate_burst=3) as stack:
        assert (await post(stack, REQUEST, **AUTH))[0] == 200
        refused = await post(stack, REQUEST, Authorization="Bearer someone-elses-key")
        assert refused[0] == 401 and b"UNAUTHENTICATED" in refused[2]  # an entry exists; no key, no hit
        statuses = [(await post(stack, REQUEST, **AUTH))[0] for _ in range(6)]
        assert statuses[0] == 200 and statuses.count(429) >= 3  # hits spend the client's slots too
        assert await metric(stack, 'cig_http_requests_total{route="/graphql",status="429"}') == statuses.count(429)


class _Lines(logging.Handler):
    """Request log lines with the request id current while each was written (what the formatter stamps)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[tuple[str, str | None]] = []

    def emit(self, record: logging.LogRecord) -> None:
        info = request_context.current()
        self.lines.append((record.getMessage(), info.request_id if info is not None else None))


async def test_hits_are_counted_logged_and_carry_a_request_id(stack_entries: list[str]) -> None:
    lines = _Lines()
    logger = request_context.log
    async with running_stack() as stack:
        await post(stack, REQUEST)
        stack_entries.clear()
        logger.addHandler(lines)
        level = logger.level
        logger.setLevel(logging.INFO)
        try:
            _, supplied, _ = await post(stack, REQUEST, **{"X-Request-Id": "picker-7"})
            _, generated, _ = await post(stack, REQUEST)
            _, malformed, _ = await post(stack, REQUEST, **{"X-Request-Id": "bad id"})
        finally:
            logger.removeHandler(lines)
            logger.setLevel(level)
        assert supplied["X-Request-Id"] == "picker-7"
        ids = [supplied["X-Request-Id"], generated["X-Request-Id"], malformed["X-Request-Id"]]
        assert all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids[1:]) and len(set(ids)) == 3  # never echoed
        assert stack_entries == ["/graphql"]  # the malformed id went through the stack, which logs it
        requests = [(m.split(" ")[:3], i) for m, i in lines.lines if m.startswith("POST")]
        assert requests == [(["POST", "/graphql", "200"], i) for i in ids]
        assert any(m.startswith("ignored a malformed X-Request-Id header") for m, _ in lines.lines)
        assert await metric(stack, 'cig_http_requests_total{route="/graphql",status="200"}') == 4
        assert await metric(stack, 'cig_response_cache_lookups_total{result="hit"}') == 3


async def test_bodies_over_the_limit_or_of_unknown_length_are_left_to_the_stack(stack_entries: list[str]) -> None:
    async with running_stack(max_body_bytes=4096) as stack:
        await post(stack, REQUEST)
        stack_entries.clear()
        status, _, body = await post(stack, {**REQUEST, "extensions": {"pad": "x" * 5000}})
        assert status == 413 and b"PAYLOAD_TOO_LARGE" in body

        async def chunks() -> Any:
            yield orjson.dumps(REQUEST)

        headers = {"Content-Type": "application/json", "Accept": GRAPHQL_RESPONSE_JSON}
        async with stack.session.post(stack.url + "/graphql", data=chunks(), headers=headers) as response:
            assert response.status == 200 and "Content-Length" not in response.request_info.headers
            assert b'"errors"' not in await response.read()
        assert stack_entries == ["/graphql", "/graphql"]
        assert await metric(stack, 'cig_response_cache_lookups_total{result="hit"}') == 1  # answered inside
