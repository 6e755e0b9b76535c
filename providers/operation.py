"""What one GraphQL operation asks of the provider layer: a deadline, a freshness bound, a stale ledger.

The resolvers create an `Operation` per request and run it with `running(operation)`; everything
below (the cross-request cache, the quota, the transport) reads it with `current()`, so a deadline set
once bounds every retry, backoff and quota wait of every call the operation makes, however deep. A
context variable, not a parameter, because asyncio tasks inherit it: the DataLoader batches and the
`gather`ed page fetches of one operation all see the operation that started them, and nothing else.

Outside an operation (`check`, `/readyz`, tests of the clients) `current()` is None: no deadline,
no freshness bound, nothing recorded.

After execution the operation says how fresh its response is, for whoever caches responses: `stale`
is non-empty when any part was served past its TTL (such a response must not be stored as fresh), and
`oldest_cached` is the time of the oldest cache entry served (None when everything was live).

Freshness of served data, per record:
    LIVE     the provider answered during this operation
    CACHED   answered before it, within the cache TTL (and the operation's `max_age`)
    STALE    past that, served because the provider failed (stale-if-error) or while one background
             refresh runs (stale-while-revalidate); the source is listed in `stale`
"""

from __future__ import annotations

import contextvars
import enum
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


class Freshness(enum.Enum):
    LIVE = "LIVE"
    CACHED = "CACHED"
    STALE = "STALE"


@dataclass(frozen=True, slots=True)
class StaleSource:
    """One provider answer served past its TTL: which, from when, and why the fresh one is missing."""

    provider: str
    action: str
    location: str | None
    fetched_at: float  # epoch seconds
    reason: str  # the failure's class name (UnavailableError, CircuitOpenError, ...) or "revalidating"


@dataclass
class Operation:
    """One operation's budget. `deadline` is on the monotonic clock; `started_at` on the wall clock,
    because records carry the wall-clock time the provider answered (they travel through Redis)."""

    deadline: float | None = None
    max_age: float | None = None  # the client wants nothing older than this many seconds
    started_at: float = field(default_factory=time.time)
    stale: list[StaleSource] = field(default_factory=list)
    oldest_cached: float | None = None  # epoch seconds of the oldest cache entry served, None if none was
    _stale_ids: set[int] = field(default_factory=set, repr=False)

    @classmethod
    def within(cls, timeout: float | None, *, max_age: float | None = None) -> Operation:
        return cls(deadline=None if timeout is None else time.monotonic() + timeout, max_age=max_age)

    def remaining(self) -> float | None:
        """Seconds left before the deadline (never negative), None without one."""
        return None if self.deadline is None else max(0.0, self.deadline - time.monotonic())

    def saw(self, fetched_at: float) -> None:
        """A cached answer from this time was served: the response is at least this old."""
        if self.oldest_cached is None or fetched_at < self.oldest_cached:
            self.oldest_cached = fetched_at

    def served_stale(self, source: StaleSource, records: Iterable[object]) -> None:
        """Note that these records were served past their TTL, so each node can say so.

        One entry per provider, action, location and reason, with the oldest answer's time: the pages
        of one location were fetched moments apart and fail for the same reason."""
        for index, seen in enumerate(self.stale):
            if (seen.provider, seen.action, seen.location, seen.reason) == (
                source.provider, source.action, source.location, source.reason
            ):
                if source.fetched_at < seen.fetched_at:
                    self.stale[index] = source
                break
        else:
            self.stale.append(source)
        self._stale_ids.update(id(record) for record in records)

    def freshness_of(self, record: object, fetched_at: float) -> Freshness:
        # Identity is safe here: a served record stays referenced by the operation's loaders while
        # the response is built, so its id cannot be reused by another object in the meantime.
        if id(record) in self._stale_ids:
            return Freshness.STALE
        return Freshness.LIVE if fetched_at >= self.started_at else Freshness.CACHED


_current: contextvars.ContextVar[Operation | None] = contextvars.ContextVar("cig_operation", default=None)


def current() -> Operation | None:
    return _current.get()


@contextmanager
def running(operation: Operation) -> Iterator[Operation]:
    token = _current.set(operation)
    try:
        yield operation
    finally:
        _current.reset(token)


def remaining() -> float | None:
    """Seconds left for the current operation, None when there is no deadline."""
    operation = _current.get()
    return None if operation is None else operation.remaining()


def freshness_of(record: object, fetched_at: float) -> Freshness:
    """The record's freshness as served to the current operation (LIVE outside any operation)."""
    operation = _current.get()
    return Freshness.LIVE if operation is None else operation.freshness_of(record, fetched_at)


__all__ = ["Freshness", "Operation", "StaleSource", "current", "freshness_of", "remaining", "running"]
