"""The one way providers talk HTTP: timeouts, bounded retries with backoff, rate limits, size caps.

Clients describe a call as a `build` function (a fresh, signed `HttpRequest` per attempt, so
timestamps stay current) and a `parse` function (response -> result, or a `ProviderError`). The
transport owns everything in between. It never logs headers or query strings, so signatures and
filter values stay out of logs.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import TypeVar
from urllib.parse import urlsplit

import aiohttp

from .errors import ProviderError, ThrottledError, UnavailableError

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


class RateLimiter:
    """Token bucket: `rate` calls per second on average, bursts of up to `burst`."""

    def __init__(self, rate: float, burst: int | None = None, *, clock: Callable[[], float] = time.monotonic):
        if rate <= 0:
            raise ValueError("rate must be positive")
        if burst is not None and burst < 1:
            raise ValueError("burst must be at least 1: a smaller bucket never holds a token")
        self.rate = rate
        self.capacity = float(burst if burst is not None else max(1, int(rate)))
        self._tokens = self.capacity
        self._clock = clock
        self._updated = clock()
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        async with self._lock:
            while True:
                now = self._clock()
                self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.rate)
                self._updated = now
                if self._tokens >= 1:
                    self._tokens -= 1
                    return
                await asyncio.sleep((1 - self._tokens) / self.rate)


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
    """Sends requests for one process. Holds no credentials; shared by every client."""

    session: aiohttp.ClientSession
    policy: CallPolicy = field(default_factory=CallPolicy)
    observe: Callable[[CallOutcome], None] | None = None
    # Adds trace-context headers (W3C traceparent) to each request after signing; providers sign
    # only the headers they name, so these never change a signature.
    propagate: Callable[[dict[str, str]], None] | None = None
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    jitter: Callable[[], float] = random.random

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
        attempt = 0
        while True:
            attempt += 1
            if limiter is not None:
                await limiter.acquire()
            started = time.perf_counter()
            status: int | None = None
            try:
                response = await self._send(build(), provider=provider, action=action, location=location)
                status = response.status
                result = parse(response)
            except ProviderError as error:
                error.location = error.location or location
                self._record(provider, action, location, type(error).__name__, error.status, started, attempt)
                delay = self.backoff(attempt, error)
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
        timeout = aiohttp.ClientTimeout(
            total=self.policy.timeout_seconds, sock_connect=self.policy.connect_timeout_seconds
        )
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
