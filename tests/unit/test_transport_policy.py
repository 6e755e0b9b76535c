"""The transport's decisions without I/O: when to retry, how long to wait, how fast to go."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import aiohttp
import pytest

from providers.errors import (
    AuthFailedError,
    BadRequestError,
    NotFoundError,
    ProviderError,
    ThrottledError,
    UnavailableError,
)
from providers.http import CallPolicy, Transport, parse_retry_after

POLICY = CallPolicy(max_attempts=6, backoff_base_seconds=0.25, backoff_max_seconds=2.0, max_retry_after_seconds=30.0)
WHO: dict[str, Any] = {"provider": "zenlayer", "action": "DescribeImages"}


@pytest.fixture
async def make_transport() -> AsyncIterator[Callable[..., Transport]]:
    """A Transport on a real (unused) session; `jitter` is injected where a test needs exact delays."""
    async with aiohttp.ClientSession() as session:
        def make(jitter: Callable[[], float] | None = None, policy: CallPolicy = POLICY) -> Transport:
            if jitter is None:
                return Transport(session=session, policy=policy)
            return Transport(session=session, policy=policy, jitter=jitter)
        yield make


# --- Transport.backoff --------------------------------------------------------------------------------


@pytest.mark.parametrize("error_type", [AuthFailedError, BadRequestError, NotFoundError, ProviderError])
async def test_errors_a_retry_cannot_fix_are_not_retried(
    make_transport: Callable[..., Transport], error_type: type[ProviderError]
) -> None:
    assert make_transport().backoff(1, error_type(**WHO)) is None


async def test_retries_stop_when_attempts_are_used_up(make_transport: Callable[..., Transport]) -> None:
    transport = make_transport()
    error = UnavailableError(**WHO)
    assert transport.backoff(POLICY.max_attempts - 1, error) is not None
    assert transport.backoff(POLICY.max_attempts, error) is None
    # A Retry-After hint does not buy an extra attempt either.
    assert transport.backoff(POLICY.max_attempts, ThrottledError(retry_after=0.1, **WHO)) is None


async def test_a_single_attempt_policy_never_retries(make_transport: Callable[..., Transport]) -> None:
    transport = make_transport(policy=CallPolicy(max_attempts=1))
    assert transport.backoff(1, UnavailableError(**WHO)) is None


async def test_retry_after_is_waited_exactly_up_to_the_cap(make_transport: Callable[..., Transport]) -> None:
    transport = make_transport(jitter=lambda: 0.0)
    assert transport.backoff(1, ThrottledError(retry_after=7.5, **WHO)) == 7.5
    assert transport.backoff(3, ThrottledError(retry_after=0, **WHO)) == 0.0
    assert transport.backoff(1, ThrottledError(retry_after=POLICY.max_retry_after_seconds, **WHO)) == 30.0
    # Longer than the policy allows: give up now and let the caller see the throttle.
    assert transport.backoff(1, ThrottledError(retry_after=POLICY.max_retry_after_seconds + 0.5, **WHO)) is None


async def test_a_throttle_without_retry_after_backs_off_like_any_retryable_error(
    make_transport: Callable[..., Transport],
) -> None:
    transport = make_transport(jitter=lambda: 1.0)
    assert transport.backoff(2, ThrottledError(**WHO)) == transport.backoff(2, UnavailableError(**WHO)) == 0.5


@pytest.mark.parametrize(("jitter", "expected"), [
    (0.0, [0.125, 0.25, 0.5, 1.0, 1.0]),  # half the ceiling at least
    (1.0, [0.25, 0.5, 1.0, 2.0, 2.0]),  # the ceiling at most: doubling, capped at backoff_max_seconds
    (0.5, [0.1875, 0.375, 0.75, 1.5, 1.5]),
])
async def test_backoff_doubles_per_attempt_and_is_capped(
    make_transport: Callable[..., Transport], jitter: float, expected: list[float]
) -> None:
    transport = make_transport(jitter=lambda: jitter)
    delays = [transport.backoff(attempt, UnavailableError(**WHO)) for attempt in range(1, POLICY.max_attempts)]
    assert delays == pytest.approx(expected)


async def test_random_jitter_stays_between_half_the_ceiling_and_the_ceiling(
    make_transport: Callable[..., Transport],
) -> None:
    transport = make_transport()  # the real random source
    for attempt in range(1, POLICY.max_attempts):
        ceiling = min(POLICY.backoff_max_seconds, POLICY.backoff_base_seconds * 2 ** (attempt - 1))
        delays = [transport.backoff(attempt, UnavailableError(**WHO)) for _ in range(200)]
        assert all(d is not None and ceiling / 2 <= d <= ceiling for d in delays), (attempt, delays)
        assert len(set(delays)) > 1  # jittered: concurrent clients do not retry in lockstep


# --- parse_retry_after --------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "seconds"), [
    ("3", 3.0), (" 120 ", 120.0), ("0", 0.0), ("1.5", 1.5), ("-4", 0.0),
])
def test_retry_after_in_seconds(value: str, seconds: float) -> None:
    assert parse_retry_after(value) == seconds


def test_retry_after_as_an_http_date_in_the_future() -> None:
    when = datetime.now(UTC) + timedelta(seconds=90)
    seconds = parse_retry_after(format_datetime(when, usegmt=True))  # "Sun, 22 Nov 2026 18:00:00 GMT"
    assert seconds is not None and 88 <= seconds <= 90  # HTTP dates have one-second resolution


def test_retry_after_as_an_http_date_in_the_past_means_now() -> None:
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0


@pytest.mark.parametrize("value", [None, "", "   ", "soon", "Someday, 99 Foo 20xx", "5 seconds"])
def test_unreadable_retry_after_is_none(value: str | None) -> None:
    assert parse_retry_after(value) is None
