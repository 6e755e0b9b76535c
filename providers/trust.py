"""What the service learns at run time about providers' pushed-down parameters, and remembers.

Two kinds of lesson, both by provider:

- **drift**: a record a provider answered for a pushed-down condition does not satisfy it (the API
  ignores or reads the parameter differently from what its documentation suggests). The parameter
  becomes untrusted: planners apply its condition in the service instead of sending it.
- **refusal**: the provider refuses, as invalid, a parameter the service chose to send (a normalized
  filter's translation: it becomes untrusted too) or a value the service enumerates itself (a JD image
  source such as `community`: it is skipped from then on).

Each lesson is logged once (a warning naming provider, parameter and listing, never filter values),
counted (`on_drift` / `on_refusal`, for metrics) and kept for the process lifetime. With a Redis client
(the service passes one when `CIG_CACHE_URL` is `redis://`), lessons are also written to a set per
provider and account (`cig:v1:trust:<provider>:<account>`, kept `FLEET_TTL_SECONDS` after the last
lesson) and every process reads that set at most every `SYNC_SECONDS`, so the fleet learns together.
A Redis failure is logged and ignored: lessons then stay in the process.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

from .base import ProviderName
from .errors import BadRequestError, ProviderError
from .query import Origin, Pushed, Trust

log = logging.getLogger("providers.trust")

SYNC_SECONDS = 5.0  # how often a process reads the fleet's lessons (Redis) at most
FLEET_TTL_SECONDS = 7 * 24 * 3600  # a fleet lesson is dropped a week after the last one is written, so a fixed API is
# trusted again (each process keeps its own lessons for its lifetime)
KEY_VERSION = "v1"

Observer = Callable[[str, str], None]  # (provider, parameter) -> None


class FleetStore(Protocol):
    """The part of redis.asyncio.Redis used here (each call returns an awaitable)."""

    def smembers(self, name: str) -> Any: ...

    def sadd(self, name: str, *values: str) -> Any: ...

    def expire(self, name: str, time: int) -> Any: ...


Lesson = tuple[str, str | None]  # (parameter, None): untrusted; (parameter, value): that value is refused


def _encode(lesson: Lesson) -> str:
    param, value = lesson
    return f"untrusted:{param}" if value is None else f"refused:{param}={value}"


def _decode(member: str) -> Lesson | None:
    kind, _, rest = member.partition(":")
    if kind == "untrusted" and rest:
        return rest, None
    param, sep, value = rest.partition("=")
    return (param, value) if kind == "refused" and sep and param else None  # another version's member: ignored


def _named(message: str, param: str) -> bool:
    """Whether a provider's error text names the parameter (any case: JD writes `Parameter ImageSource missing`)."""
    return re.search(rf"(?<![A-Za-z0-9_.]){re.escape(param)}(?![A-Za-z0-9_])", message, re.IGNORECASE) is not None


def refused_parameter(error: ProviderError, pushed: Iterable[Pushed]) -> Pushed | None:
    """The one parameter the service chose (not the user's raw value) that a refusal names; None when the
    refusal is not one (not a 400) or names none, several, or a raw value (the user's to fix)."""
    if not isinstance(error, BadRequestError):
        return None
    named = [p for p in pushed if _named(error.message, p.param)]
    if len(named) != 1 or named[0].origin is Origin.RAW:
        return None
    return named[0]


class TrustRegistry:
    def __init__(
        self,
        *,
        fleet: FleetStore | None = None,
        accounts: Mapping[ProviderName, str] | None = None,
        on_drift: Observer | None = None,
        on_refusal: Observer | None = None,
        sync_seconds: float = SYNC_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.fleet = fleet
        self.accounts = dict(accounts or {})
        self.on_drift = on_drift
        self.on_refusal = on_refusal
        self.sync_seconds = sync_seconds
        self.clock = clock
        self._lessons: dict[ProviderName, set[Lesson]] = {}
        self._synced_at: float | None = None

    def trust(self, provider: ProviderName) -> Trust:
        lessons = self._lessons.get(provider, set())
        return Trust(
            frozenset(param for param, value in lessons if value is None),
            frozenset((param, value) for param, value in lessons if value is not None),
        )

    def _key(self, provider: ProviderName) -> str:
        return ":".join(("cig", KEY_VERSION, "trust", provider.value, self.accounts.get(provider, "-")))

    async def sync(self) -> None:
        """Read the fleet's lessons, at most every `sync_seconds` (and always the first time)."""
        now = self.clock()
        if self.fleet is None or (self._synced_at is not None and now - self._synced_at < self.sync_seconds):
            return
        self._synced_at = now
        for provider in self.accounts:
            try:
                members = await self.fleet.smembers(self._key(provider))
            except Exception as exc:  # the fleet's memory helps; it never fails a query
                log.warning("reading the fleet's pushdown lessons failed (%s); using this process's",
                            type(exc).__name__)
                return
            for member in members:
                lesson = _decode(member.decode() if isinstance(member, bytes) else str(member))
                if lesson is not None:
                    self._lessons.setdefault(provider, set()).add(lesson)

    async def drift(self, provider: ProviderName, param: str, where: str) -> None:
        """A record answered for `param` contradicts it: apply it in the service from now on."""
        if await self._learn(provider, (param, None)):
            log.warning("%s answered records that contradict the pushed-down parameter %s (%s): it is applied by "
                        "this service from now on", provider.value, param, where)
            if self.on_drift is not None:
                self.on_drift(provider.value, param)

    async def refusal(self, provider: ProviderName, pushed: Pushed, where: str) -> None:
        """The provider refuses a parameter or value the service chose: stop sending it."""
        value = str(pushed.value) if pushed.origin is Origin.PARTITION else None
        if await self._learn(provider, (pushed.param, value)):
            what = f"{pushed.param}={value}" if value is not None else pushed.param
            log.warning("%s refuses %s as invalid (%s): %s from now on", provider.value, what, where,
                        "it is skipped" if value is not None else "it is applied by this service")
            if self.on_refusal is not None:
                self.on_refusal(provider.value, what)

    async def _learn(self, provider: ProviderName, lesson: Lesson) -> bool:
        """Remember a lesson; True when this process did not know it yet."""
        lessons = self._lessons.setdefault(provider, set())
        if lesson in lessons:
            return False
        lessons.add(lesson)
        if self.fleet is not None:
            key = self._key(provider)
            try:
                await self.fleet.sadd(key, _encode(lesson))
                await self.fleet.expire(key, FLEET_TTL_SECONDS)
            except Exception as exc:
                log.warning("writing a pushdown lesson for the fleet failed (%s); this process keeps it",
                            type(exc).__name__)
        return True


__all__ = ["FLEET_TTL_SECONDS", "SYNC_SECONDS", "TrustRegistry", "refused_parameter"]
