"""Client-side rate limits per provider, account and action, shared by every process through Redis.

Each limit is a GCRA bucket (generic cell rate algorithm: one "theoretical arrival time" per bucket,
`rate` calls per second, bursts of `burst`). A call reserves a slot in every bucket that applies to
it (the account's, the action's) and in the account's *pause*, all at once, then sleeps until the
slot; when the slot is further away than the caller may wait, nothing is reserved and the caller
gets `QuotaWaitError`. A 429 pauses the account for its Retry-After in the shared store, so every
replica slows down, not only the one that was throttled.

    QuotaStore     reserve(buckets, pause, max_wait) -> seconds to wait, or None; pause(key, seconds)
     ├── LocalStore   in-process (no Redis configured, or Redis failing)
     └── RedisStore   one Lua script per reservation on the Redis server's clock; a Redis error
                      falls back to a LocalStore, logs one warning and counts a metric, and Redis is
                      tried again after `retry_seconds`

Keys are `cig:quota:v1:<provider>:<account_key>:<action or *>`; `account_key` is the client's
non-secret account digest, so no credential reaches Redis.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from .errors import QuotaWaitError

log = logging.getLogger("providers.quota")

KEY_PREFIX = "cig:quota:v1"


@dataclass(frozen=True, slots=True)
class Rule:
    rate: float  # calls per second
    burst: int = 1

    def __post_init__(self) -> None:
        if self.rate <= 0:
            raise ValueError("rate must be positive")
        if self.burst < 1:
            raise ValueError("burst must be at least 1: a smaller bucket never holds a token")

    @property
    def interval(self) -> float:
        return 1.0 / self.rate

    @property
    def tolerance(self) -> float:
        return (self.burst - 1) * self.interval


@dataclass(frozen=True, slots=True)
class Bucket:
    key: str
    rule: Rule


class QuotaStore(Protocol):
    async def reserve(self, buckets: Sequence[Bucket], pause_key: str, max_wait: float) -> float | None:
        """Seconds until the reserved slot (0: go now), or None when it is more than `max_wait` away."""
        ...

    async def pause(self, pause_key: str, seconds: float) -> None:
        """No call on this account before `seconds` from now (a provider's Retry-After)."""
        ...


class LocalStore:
    """GCRA in this process, on the monotonic clock."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._tat: dict[str, float] = {}

    async def reserve(self, buckets: Sequence[Bucket], pause_key: str, max_wait: float) -> float | None:
        now = self._clock()
        start = max(now, self._tat.get(pause_key, now))
        for bucket in buckets:
            start = max(start, max(self._tat.get(bucket.key, now), now) - bucket.rule.tolerance)
        wait = start - now
        if wait > max_wait:
            return None
        for bucket in buckets:
            self._tat[bucket.key] = max(self._tat.get(bucket.key, now), start) + bucket.rule.interval
        return wait

    async def pause(self, pause_key: str, seconds: float) -> None:
        until = self._clock() + seconds
        self._tat[pause_key] = max(self._tat.get(pause_key, 0.0), until)


# KEYS[1] is the pause key, KEYS[2..] the buckets; ARGV[1] the longest wait (ms), then per bucket
# its interval and tolerance (ms). Returns {reserved 0/1, wait ms as text} (Lua numbers would be
# truncated to integers on the way out).
_RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local start = math.max(now, tonumber(redis.call('GET', KEYS[1]) or '0'))
local tats = {}
for i = 2, #KEYS do
  local tat = math.max(now, tonumber(redis.call('GET', KEYS[i]) or '0'))
  tats[i] = tat
  start = math.max(start, tat - tonumber(ARGV[2 * i - 1]))
end
local wait = start - now
if wait > tonumber(ARGV[1]) then return {0, tostring(wait)} end
for i = 2, #KEYS do
  local next_tat = math.max(tats[i], start) + tonumber(ARGV[2 * i - 2])
  redis.call('SET', KEYS[i], tostring(next_tat), 'PX', math.ceil(next_tat - now) + 1000)
end
return {1, tostring(wait)}
"""

_PAUSE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local until_ms = now + tonumber(ARGV[1])
if until_ms > tonumber(redis.call('GET', KEYS[1]) or '0') then
  redis.call('SET', KEYS[1], tostring(until_ms), 'PX', math.ceil(tonumber(ARGV[1])) + 1000)
end
return 1
"""


class RedisClient(Protocol):
    """The part of redis.asyncio.Redis used here."""

    def eval(self, script: str, numkeys: int, *keys_and_args: Any) -> Awaitable[Any]: ...


@dataclass
class RedisStore:
    client: RedisClient
    fallback: LocalStore = field(default_factory=LocalStore)
    retry_seconds: float = 5.0
    on_failure: Callable[[str], None] | None = None  # (component) for metrics
    clock: Callable[[], float] = time.monotonic
    _down_until: float = 0.0

    async def reserve(self, buckets: Sequence[Bucket], pause_key: str, max_wait: float) -> float | None:
        if self._down():
            return await self.fallback.reserve(buckets, pause_key, max_wait)
        args: list[Any] = [max_wait * 1000]
        for bucket in buckets:
            args += [bucket.rule.interval * 1000, bucket.rule.tolerance * 1000]
        try:
            reserved, wait_ms = await self.client.eval(
                _RESERVE, 1 + len(buckets), pause_key, *(b.key for b in buckets), *args
            )
        except Exception as exc:  # Redis down or failing: limit per process instead of not at all
            self._failed(exc)
            return await self.fallback.reserve(buckets, pause_key, max_wait)
        return float(wait_ms) / 1000 if int(reserved) else None

    async def pause(self, pause_key: str, seconds: float) -> None:
        await self.fallback.pause(pause_key, seconds)  # kept locally too, for when Redis fails later
        if self._down():
            return
        try:
            await self.client.eval(_PAUSE, 1, pause_key, seconds * 1000)
        except Exception as exc:
            self._failed(exc)

    def _down(self) -> bool:
        if not self._down_until:
            return False
        if self.clock() < self._down_until:
            return True
        self._down_until = 0.0
        log.warning("quota store reachable again: rate limits are shared by every replica")
        return False

    def _failed(self, exc: Exception) -> None:
        self._down_until = self.clock() + self.retry_seconds
        log.warning(
            "quota store failed (%s): rate limits are per process until it answers again (retry in %gs)",
            type(exc).__name__, self.retry_seconds,
        )
        if self.on_failure is not None:
            self.on_failure("quota")


@dataclass
class AccountQuota:
    """The limits of one provider account: an account-wide rule and per-action rules, both optional."""

    store: QuotaStore
    provider: str
    account_key: str
    account_rule: Rule | None = None
    action_rules: Mapping[str, Rule] = field(default_factory=dict)
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep

    def key(self, action: str | None) -> str:
        return ":".join((KEY_PREFIX, self.provider, self.account_key, action or "*"))

    @property
    def pause_key(self) -> str:
        return self.key("pause")

    async def acquire(self, action: str, max_wait: float) -> None:
        """Wait for a slot in every bucket of this call; QuotaWaitError when none is free within `max_wait`."""
        buckets = []
        if self.account_rule is not None:
            buckets.append(Bucket(self.key(None), self.account_rule))
        if (rule := self.action_rules.get(action)) is not None:
            buckets.append(Bucket(self.key(action), rule))
        wait = await self.store.reserve(buckets, self.pause_key, max(0.0, max_wait))
        if wait is None:
            raise QuotaWaitError(
                provider=self.provider, action=action, code="QUOTA_WAIT_EXCEEDED",
                message=f"client-side quota had no slot within {max_wait:.2f}s", retry_after=math.ceil(max_wait),
            )
        if wait > 0:
            await self.sleep(wait)

    async def throttled(self, action: str, retry_after: float) -> None:
        """The provider said 429: pause the whole account, on every replica, for `retry_after` seconds."""
        await self.store.pause(self.pause_key, retry_after)


__all__ = ["AccountQuota", "Bucket", "LocalStore", "QuotaStore", "RedisStore", "Rule"]
