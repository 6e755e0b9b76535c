"""The one way providers talk HTTP: deadlines, timeouts, bounded retries with backoff, circuit breakers,
rate limits, size caps.

Clients describe a call as a `build` function (a fresh, signed `HttpRequest` per attempt, so
timestamps stay current) and a `parse` function (response -> result, or a `ProviderError`). The
transport owns everything in between. It never logs headers or query strings, so signatures and
filter values stay out of logs.

Every wait fits in the current operation's deadline (`providers.operation`): an attempt's timeout is
cut to the time left, a backoff or a quota wait that would end after it is not started, and the call
answers with the error it has (or `DeadlineExceededError` when nothing answered in time).
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Protocol, TypeVar
from urllib.parse import urlsplit

import aiohttp

from . import operation
from .breaker import Breakers
from .errors import (
    CircuitOpenError,
    DeadlineExceededError,
    ProviderError,
    ThrottledError,
    UnavailableError,
)
from .quota import LocalStore, QuotaStore

log = logging.getLogger("providers.http")

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class CallPolicy:
    """Limits for every upstream call. Defaults are what a production deployment should use."""

    timeout_seconds: float = 10.0  # whole call, per attempt
    connect_timeout_seconds: float = 3.0
    max_attempts: int = 4  # first try plus three retries
    backoff_base_seconds: float = 0.25  # 0.25, 0.5, 1, 2 ... before jitter
    backoff_max_seconds: float = 8.0
    max_retry_after_seconds: float = 30.0  # a longer Retry-After is not waited for: the error surfaces
    max_response_bytes: int = 16 * 1024 * 1024
    max_quota_wait_seconds: float = 2.0  # longest wait for a client-side quota slot (never past the deadline)
    throttle_pause_seconds: float = 1.0  # account pause after a 429 that gave no Retry-After


@dataclass(frozen=True, slots=True)
class HttpRequest:
    method: str
    url: str
    headers: Mapping[str, str]
    body: bytes = b""


@dataclass(frozen=True, slots=True)
class HttpResponse:
    status: int
    headers: Mapping[str, str]
    body: bytes


@dataclass(frozen=True, slots=True)
class CallOutcome:
    """What one attempt did, for metrics: never carries a URL, header or body."""

    provider: str
    action: str
    location: str | None
    outcome: str  # "ok", or the error class name
    status: int | None
    seconds: float
    attempt: int


class RateLimiter(Protocol):
    """Client-side quota of one account (`providers.quota.AccountQuota`): asked before every attempt."""

    async def acquire(self, action: str, max_wait: float) -> None:
        """Return when a slot is reserved; raise QuotaWaitError when none is free within `max_wait`."""
        ...

    async def throttled(self, action: str, retry_after: float) -> None:
        """The provider answered 429: slow the account down (on every replica sharing the quota)."""
        ...


def header_value(headers: Mapping[str, str], name: str) -> str | None:
    """A header by case-insensitive name (responses keep whatever case the server sent)."""
    wanted = name.lower()
    return next((v for k, v in headers.items() if k.lower() == wanted), None)


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After as seconds: delta-seconds or an HTTP date. None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


@dataclass
class Transport:
    """Sends requests for one process. Holds no credentials; shared by every client, with the process's
    circuit breakers and the store the clients' quotas live in (Redis: shared by every replica)."""

    session: aiohttp.ClientSession
    policy: CallPolicy = field(default_factory=CallPolicy)
    observe: Callable[[CallOutcome], None] | None = None
    # Adds trace-context headers (W3C traceparent) to each request after signing; providers sign
    # only the headers they name, so these never change a signature.
    propagate: Callable[[dict[str, str]], None] | None = None
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    jitter: Callable[[], float] = random.random
    breakers: Breakers | None = None
    quota_store: QuotaStore = field(default_factory=LocalStore)

    def backoff(self, attempt: int, error: ProviderError) -> float | None:
        """Seconds to wait before attempt `attempt + 1`, or None to give up now."""
        if not error.retryable or attempt >= self.policy.max_attempts:
            return None
        if isinstance(error, ThrottledError) and error.retry_after is not None:
            if error.retry_after > self.policy.max_retry_after_seconds:
                return None
            return float(error.retry_after)
        ceiling = min(self.policy.backoff_max_seconds, self.policy.backoff_base_seconds * 2.0 ** (attempt - 1))
        return ceiling / 2 + self.jitter() * ceiling / 2  # "equal jitter": never zero, never above ceiling

    async def call(
        self,
        *,
        provider: str,
        action: str,
        location: str | None,
        build: Callable[[], HttpRequest],
        parse: Callable[[HttpResponse], T],
        limiter: RateLimiter | None = None,
    ) -> T:
        """One provider call: attempts, backoff and quota waits all within the operation's deadline.

        The circuit of (provider, location) is asked first: open, the call is refused at once. The
        outcome after the retries tells the circuit whether the provider can answer.
        """
        breakers = self.breakers
        probe = False
        if breakers is not None:
            admission = breakers.admit(provider, location)
            if not admission.allowed:
                raise CircuitOpenError(
                    provider=provider, action=action, location=location, code="CIRCUIT_OPEN",
                    message="skipped after repeated failures", retry_at=admission.retry_at,
                )
            probe = admission.probe
        verdict: bool | None = None  # True: the provider answered; False: it could not
        try:
            result = await self._attempts(provider, action, location, build, parse, limiter, probe)
            verdict = True
            return result
        except UnavailableError:
            verdict = False
            raise
        except ThrottledError:
            raise  # the quota's business, not the circuit's
        except ProviderError:
            verdict = True  # a definite answer (not found, refused): the provider works
            raise
        finally:
            if breakers is not None:
                if verdict is True:
                    breakers.succeeded(provider, location)
                elif verdict is False:
                    breakers.failed(provider, location)
                elif probe:
                    breakers.released(provider, location)

    async def _attempts(
        self, provider: str, action: str, location: str | None, build: Callable[[], HttpRequest],
        parse: Callable[[HttpResponse], T], limiter: RateLimiter | None, probe: bool,
    ) -> T:
        attempt = 0
        while True:
            attempt += 1
            if limiter is not None:
                left = operation.remaining()
                longest = self.policy.max_quota_wait_seconds
                await limiter.acquire(action, longest if left is None else min(left, longest))
            started = time.perf_counter()
            status: int | None = None
            try:
                response = await self._send(build(), provider=provider, action=action, location=location)
                status = response.status
                result = parse(response)
            except ProviderError as error:
                error.location = error.location or location
                self._record(provider, action, location, type(error).__name__, error.status, started, attempt)
                if isinstance(error, ThrottledError) and limiter is not None:
                    pause = error.retry_after if error.retry_after is not None else self.policy.throttle_pause_seconds
                    await limiter.throttled(action, pause)
                delay = self.backoff(attempt, error)
                if delay is not None and not probe and self.breakers is not None and self.breakers.is_open(
                    provider, location
                ):
                    delay = None  # concurrent calls opened the circuit meanwhile: stop retrying
                left = operation.remaining()
                if delay is not None and left is not None and delay >= left:
                    delay = None  # the retry would start after the deadline: answer with this error now
                log.info(
                    "upstream %s %s location=%s attempt=%d failed: %s code=%s requestId=%s%s",
                    provider, action, location, attempt, type(error).__name__, error.code, error.request_id,
                    "" if delay is None else f" retrying in {delay:.2f}s",
                )
                if delay is None:
                    raise
                await self.sleep(delay)
                continue
            self._record(provider, action, location, "ok", status, started, attempt)
            return result

    def _record(
        self, provider: str, action: str, location: str | None, outcome: str, status: int | None,
        started: float, attempt: int,
    ) -> None:
        if self.observe is not None:
            elapsed = time.perf_counter() - started
            self.observe(CallOutcome(provider, action, location, outcome, status, elapsed, attempt))

    async def _send(self, request: HttpRequest, *, provider: str, action: str, location: str | None) -> HttpResponse:
        left = operation.remaining()
        if left is not None and left <= 0:
            raise DeadlineExceededError(
                provider=provider, action=action, location=location, code="DEADLINE_EXCEEDED",
                message="the operation deadline passed before this attempt",
            )
        # The attempt ends at the operation's deadline when that comes first.
        cut = left is not None and left < self.policy.timeout_seconds
        seconds = left if cut and left is not None else self.policy.timeout_seconds
        timeout = aiohttp.ClientTimeout(total=seconds, sock_connect=self.policy.connect_timeout_seconds)

        def unavailable(code: str, message: str, status: int | None = None) -> UnavailableError:
            return UnavailableError(
                provider=provider, action=action, location=location, status=status, code=code, message=message
            )

        headers = dict(request.headers)
        if self.propagate is not None:
            self.propagate(headers)
        try:
            async with self.session.request(
                request.method, request.url, headers=headers, data=request.body or None,
                timeout=timeout, allow_redirects=False,
            ) as response:
                body = await self._read_capped(response, unavailable)
                return HttpResponse(response.status, dict(response.headers), body)
        except TimeoutError as exc:
            if cut:
                raise DeadlineExceededError(
                    provider=provider, action=action, location=location, code="DEADLINE_EXCEEDED",
                    message=f"no answer before the operation deadline ({seconds:.2f}s left)",
                ) from exc
            raise unavailable("TIMEOUT", f"no answer within {self.policy.timeout_seconds:g}s") from exc
        except aiohttp.ClientError as exc:
            host = urlsplit(request.url).netloc.rpartition("@")[2]  # never user:password@
            raise unavailable("NETWORK_ERROR", f"{type(exc).__name__} talking to {host}") from exc

    async def _read_capped(
        self, response: aiohttp.ClientResponse, unavailable: Callable[[str, str, int | None], UnavailableError]
    ) -> bytes:
        cap = self.policy.max_response_bytes
        declared = response.content_length
        if declared is not None and declared > cap:
            raise unavailable("RESPONSE_TOO_LARGE", f"response of {declared} bytes exceeds the {cap}-byte cap",
                              response.status)
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.content.iter_chunked(64 * 1024):
            size += len(chunk)
            if size > cap:
                raise unavailable("RESPONSE_TOO_LARGE", f"response exceeds the {cap}-byte cap", response.status)
            chunks.append(chunk)
        return b"".join(chunks)


__all__ = [
    "CallOutcome", "CallPolicy", "HttpRequest", "HttpResponse", "RateLimiter", "Transport", "header_value",
    "parse_retry_after",
]
