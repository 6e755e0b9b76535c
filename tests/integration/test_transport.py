"""The shared Transport over real HTTP on loopback, against a small scripted server of our own."""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from providers import operation
from providers.errors import DeadlineExceededError, ProviderError, QuotaWaitError, ThrottledError, UnavailableError
from providers.http import CallOutcome, CallPolicy, HttpRequest, HttpResponse, Transport, parse_retry_after
from providers.quota import AccountQuota, LocalStore, Rule
from tests.support import FAST_POLICY, serve

Reply = Callable[[web.Request], Awaitable[web.StreamResponse]]  # one scripted answer


@dataclass
class Upstream:
    """Answers each call with the next scripted reply (the last one repeats) and remembers what it got."""

    url: str
    replies: list[Reply] = field(default_factory=list)
    received: list[Mapping[str, str]] = field(default_factory=list)

    def script(self, *replies: Reply) -> None:
        self.replies[:] = replies


def reply(status: int, body: bytes = b"{}", headers: Mapping[str, str] | None = None) -> Reply:
    async def answer(request: web.Request) -> web.StreamResponse:
        return web.Response(status=status, body=body, headers=headers)
    return answer


def chunked(total: int, chunk: int = 1000) -> Reply:
    """A 200 streamed without Content-Length."""
    async def answer(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(status=200)
        response.enable_chunked_encoding()
        await response.prepare(request)
        sent = 0
        while sent < total:
            piece = min(chunk, total - sent)
            await response.write(b"x" * piece)
            sent += piece
        await response.write_eof()
        return response
    return answer


def stalls_body(seconds: float) -> Reply:
    """Sends the status line and headers at once, then the body only after `seconds`."""
    async def answer(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(status=200, headers={"Content-Length": "2"})
        await response.prepare(request)
        await asyncio.sleep(seconds)
        await response.write(b"{}")
        return response
    return answer


@pytest.fixture
async def upstream() -> AsyncIterator[Upstream]:
    state = Upstream(url="")

    async def handle(request: web.Request) -> web.StreamResponse:
        state.received.append({**request.headers, "query": request.query_string})
        index = min(len(state.received), len(state.replies)) - 1
        return await state.replies[index](request)

    app = web.Application()
    app.router.add_route("*", "/call", handle)
    async with serve(app) as url:
        state.url = url
        yield state


def header(headers: Mapping[str, str], name: str) -> str | None:
    return next((value for key, value in headers.items() if key.lower() == name.lower()), None)


def parse(response: HttpResponse) -> bytes:
    """A provider's parse function in miniature: statuses to the shared error taxonomy."""
    who: dict[str, Any] = {"provider": "test", "action": "Call", "status": response.status, "request_id": "req-1"}
    if response.status == 429:
        raise ThrottledError(retry_after=parse_retry_after(header(response.headers, "Retry-After")), code="SLOW_DOWN",
                             **who)
    if response.status >= 500:
        raise UnavailableError(code="DOWN", **who)
    return response.body


class RecordingSleep:
    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        await asyncio.sleep(0)


@dataclass
class Harness:
    transport: Transport
    outcomes: list[CallOutcome]
    sleep: RecordingSleep

    async def call(self, url: str, headers: Mapping[str, str] | None = None) -> bytes:
        return await self.transport.call(
            provider="test", action="Call", location="zone-1",
            build=lambda: HttpRequest("POST", url, dict(headers or {}), b'{"q": 1}'), parse=parse,
        )

    @property
    def attempts(self) -> list[tuple[str, int | None, int]]:
        return [(o.outcome, o.status, o.attempt) for o in self.outcomes]


@pytest.fixture
async def harness_for() -> AsyncIterator[Callable[[CallPolicy], Harness]]:
    async with aiohttp.ClientSession() as session:
        def make(policy: CallPolicy = FAST_POLICY) -> Harness:
            outcomes: list[CallOutcome] = []
            sleep = RecordingSleep()
            return Harness(Transport(session, policy, observe=outcomes.append, sleep=sleep), outcomes, sleep)
        yield make


@pytest.fixture
def harness(harness_for: Callable[[CallPolicy], Harness]) -> Harness:
    return harness_for(FAST_POLICY)


def free_port() -> int:
    """A loopback port with nothing listening on it (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# --- attempts -------------------------------------------------------------------------------------------


async def test_every_attempt_is_observed_with_its_outcome(upstream: Upstream, harness: Harness) -> None:
    upstream.script(reply(503), reply(429, headers={"Retry-After": "0"}), reply(200, b'{"ok": true}'))
    assert await harness.call(upstream.url + "/call") == b'{"ok": true}'
    assert harness.attempts == [("UnavailableError", 503, 1), ("ThrottledError", 429, 2), ("ok", 200, 3)]
    assert {(o.provider, o.action, o.location) for o in harness.outcomes} == {("test", "Call", "zone-1")}
    assert all(o.seconds >= 0 for o in harness.outcomes)
    assert len(upstream.received) == 3


async def test_a_persistent_failure_gives_up_after_max_attempts(upstream: Upstream, harness: Harness) -> None:
    upstream.script(reply(503))
    with pytest.raises(UnavailableError) as caught:
        await harness.call(upstream.url + "/call")
    assert caught.value.location == "zone-1"  # filled in by the transport for the caller
    assert len(upstream.received) == FAST_POLICY.max_attempts
    assert [a for _, _, a in harness.attempts] == list(range(1, FAST_POLICY.max_attempts + 1))
    assert len(harness.sleep.delays) == FAST_POLICY.max_attempts - 1  # no pointless wait after the last one


async def test_each_attempt_is_built_afresh(upstream: Upstream, harness: Harness) -> None:
    upstream.script(reply(503), reply(503), reply(200))
    built = 0

    def build() -> HttpRequest:  # a real client signs here, with the current timestamp
        nonlocal built
        built += 1
        return HttpRequest("POST", upstream.url + "/call", {"X-Signed-At": f"t{built}"}, b"{}")

    await harness.transport.call(provider="test", action="Call", location=None, build=build, parse=parse)
    assert [r["X-Signed-At"] for r in upstream.received] == ["t1", "t2", "t3"]


async def test_redirects_are_not_followed(upstream: Upstream, harness: Harness) -> None:
    upstream.script(reply(302, headers={"Location": "/call?followed=1"}))
    await harness.call(upstream.url + "/call")  # parse sees the 302 itself
    assert [r["query"] for r in upstream.received] == [""]


# --- Retry-After ----------------------------------------------------------------------------------------


async def test_retry_after_seconds_are_waited_as_given(upstream: Upstream, harness: Harness) -> None:
    upstream.script(reply(429, headers={"Retry-After": "2.5"}), reply(429, headers={"Retry-After": "1"}), reply(200))
    await harness.call(upstream.url + "/call")
    assert harness.sleep.delays == [2.5, 1.0]


async def test_retry_after_as_an_http_date(upstream: Upstream, harness: Harness) -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=3), usegmt=True)
    upstream.script(reply(429, headers={"Retry-After": when}), reply(200))
    await harness.call(upstream.url + "/call")
    [delay] = harness.sleep.delays
    assert 1.0 <= delay <= 3.0


async def test_retry_after_beyond_the_cap_surfaces_the_throttle_at_once(upstream: Upstream, harness: Harness) -> None:
    upstream.script(reply(429, headers={"Retry-After": str(FAST_POLICY.max_retry_after_seconds + 1)}), reply(200))
    with pytest.raises(ThrottledError) as caught:
        await harness.call(upstream.url + "/call")
    assert caught.value.retry_after == FAST_POLICY.max_retry_after_seconds + 1
    assert harness.sleep.delays == []
    assert len(upstream.received) == 1


async def test_the_real_sleep_waits_for_retry_after(upstream: Upstream) -> None:
    upstream.script(reply(429, headers={"Retry-After": "0.15"}), reply(200))
    async with aiohttp.ClientSession() as session:
        transport = Transport(session, FAST_POLICY)
        started = asyncio.get_running_loop().time()
        await transport.call(provider="test", action="Call", location=None, parse=parse,
                             build=lambda: HttpRequest("GET", upstream.url + "/call", {}))
        assert asyncio.get_running_loop().time() - started >= 0.15


# --- timeouts and size caps -----------------------------------------------------------------------------


async def test_a_body_that_never_finishes_times_out(upstream: Upstream, harness_for: Callable[..., Harness]) -> None:
    upstream.script(stalls_body(0.3))
    harness = harness_for(CallPolicy(timeout_seconds=0.05, max_attempts=1))
    with pytest.raises(UnavailableError) as caught:
        await harness.call(upstream.url + "/call")
    assert caught.value.code == "TIMEOUT"
    assert harness.attempts == [("UnavailableError", None, 1)]


@pytest.mark.parametrize("answer", [reply(200, b"x" * 4001), chunked(4001)], ids=["content-length", "chunked"])
async def test_an_answer_over_the_size_cap_is_refused(
    upstream: Upstream, harness_for: Callable[..., Harness], answer: Reply
) -> None:
    upstream.script(answer)
    harness = harness_for(CallPolicy(max_attempts=1, max_response_bytes=4000))
    with pytest.raises(UnavailableError) as caught:
        await harness.call(upstream.url + "/call")
    assert (caught.value.code, caught.value.status) == ("RESPONSE_TOO_LARGE", 200)


@pytest.mark.parametrize(
    "answer", [reply(200, b"x" * 4000), chunked(4000, chunk=300)], ids=["content-length", "chunked"]
)
async def test_an_answer_exactly_at_the_cap_is_read_whole(
    upstream: Upstream, harness_for: Callable[..., Harness], answer: Reply
) -> None:
    upstream.script(answer)
    harness = harness_for(CallPolicy(max_attempts=1, max_response_bytes=4000))
    assert await harness.call(upstream.url + "/call") == b"x" * 4000


# --- connection failures and secrecy --------------------------------------------------------------------


async def test_a_refused_connection_is_a_network_error_after_max_attempts(harness: Harness) -> None:
    with pytest.raises(UnavailableError) as caught:
        await harness.call(f"http://127.0.0.1:{free_port()}/call")
    assert caught.value.code == "NETWORK_ERROR"
    assert harness.attempts == [("UnavailableError", None, n) for n in range(1, FAST_POLICY.max_attempts + 1)]


SECRETS = ("sekrit-header-value", "sekrit-query-value", "sekrit-userinfo")


@pytest.mark.parametrize("reachable", [True, False], ids=["answered-503", "refused"])
async def test_no_header_query_or_userinfo_reaches_logs_or_errors(
    upstream: Upstream, harness: Harness, caplog: pytest.LogCaptureFixture, reachable: bool
) -> None:
    upstream.script(reply(503))
    host = upstream.url.removeprefix("http://") if reachable else f"127.0.0.1:{free_port()}"
    url = f"http://user:sekrit-userinfo@{host}/call?filter=sekrit-query-value"
    with caplog.at_level(logging.DEBUG), pytest.raises(ProviderError) as caught:
        await harness.call(url, {"X-Signature": "sekrit-header-value"})
    assert "retrying" in caplog.text  # the transport did log each failed attempt
    text = caplog.text + str(caught.value) + repr(caught.value) + caught.value.message
    for secret in SECRETS:
        assert secret not in text


# --- the operation deadline -------------------------------------------------------------------------------


def slow(seconds: float) -> Reply:
    async def answer(request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(seconds)
        return web.Response(status=200, body=b"{}")
    return answer


async def test_an_attempt_is_cut_at_the_operation_deadline(upstream: Upstream, harness: Harness) -> None:
    upstream.script(slow(5.0))  # longer than the policy's 2 s per attempt, far past the deadline
    with operation.running(operation.Operation.within(0.2)), pytest.raises(DeadlineExceededError) as raised:
        await harness.call(upstream.url + "/call")
    assert raised.value.code == "DEADLINE_EXCEEDED"
    assert len(upstream.received) == 1  # no retry after the deadline


async def test_a_backoff_that_ends_after_the_deadline_is_not_started(
    upstream: Upstream, harness_for: Callable[[CallPolicy], Harness]
) -> None:
    upstream.script(reply(503))
    harness = harness_for(dataclasses.replace(FAST_POLICY, backoff_base_seconds=10.0, backoff_max_seconds=10.0))
    with operation.running(operation.Operation.within(1.0)), pytest.raises(UnavailableError) as raised:
        await harness.call(upstream.url + "/call")
    assert raised.value.code == "DOWN"  # the provider's own error, not a timeout: it did answer
    assert harness.sleep.delays == [] and len(upstream.received) == 1


async def test_quota_waits_end_at_the_deadline(upstream: Upstream, harness: Harness) -> None:
    upstream.script(reply(200))
    quota = AccountQuota(LocalStore(), "test", "acct", Rule(rate=1.0))
    call = functools.partial(
        harness.transport.call, provider="test", action="Call", location="zone-1",
        build=lambda: HttpRequest("POST", upstream.url + "/call", {}, b"{}"), parse=parse, limiter=quota,
    )
    with operation.running(operation.Operation.within(0.3)):
        await call()
        with pytest.raises(QuotaWaitError):
            await call()  # the next slot is 1 s away, the deadline 0.3 s
    assert len(upstream.received) == 1


async def test_a_429_pauses_the_account_for_its_retry_after(upstream: Upstream, harness: Harness) -> None:
    upstream.script(reply(429, headers={"Retry-After": "0.2"}), reply(200))
    quota = AccountQuota(LocalStore(), "test", "acct")  # no rate configured: the pause still applies
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    quota.sleep = sleep
    await harness.transport.call(
        provider="test", action="Call", location="zone-1",
        build=lambda: HttpRequest("POST", upstream.url + "/call", {}, b"{}"), parse=parse, limiter=quota,
    )
    assert len(upstream.received) == 2
    assert len(waits) == 1 and 0.1 < waits[0] <= 0.2  # the retry waited in the quota, as every caller would
