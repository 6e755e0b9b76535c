"""The in-process cache backend (`CIG_CACHE_URL=memory://`): bounded in entries and in bytes.

Least recently used entries go first when either bound is reached, and expired ones whenever they
are met, so endless distinct queries keep memory flat. An entry's size is its pickled length (what it
would take on Redis), measured once when stored: stores follow provider calls, never cache hits.
Values are kept as objects, not pickles: pages are never mutated, and unpickling on every hit cost
more than building the answer. Keeping objects also keeps what the layers above derive from them in
their `memo` (`providers.base.Memo`: nodes, verifications), which the pickled size leaves out: held
memory is then more than `max_bytes` counts, by the records read since stored (a demo image record
pickles to about 0.9 KB; its node takes about 3.4 KB).
"""

from __future__ import annotations

import pickle
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any


class BoundedMemoryCache:
    def __init__(self, *, max_entries: int, max_bytes: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._clock = clock
        self._entries: OrderedDict[str, tuple[Any, float, int]] = OrderedDict()  # value, expiry, size
        self.bytes = 0
        self.generation = 0  # counts stores and drops: what was read is unchanged while it is the same

    def __len__(self) -> int:
        return len(self._entries)

    async def get(self, key: str, default: Any = None) -> Any:
        return self.get_now(key, default)

    def get_now(self, key: str, default: Any = None) -> Any:
        """`get` without a coroutine: an in-process read never waits."""
        found = self._entries.get(key)
        if found is None:
            return default
        if found[1] <= self._clock():
            self._drop(key)
            return default
        self._entries.move_to_end(key)
        return found[0]

    async def set(self, key: str, value: Any, ttl: float | None = None) -> bool:
        size = len(key) + len(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
        if key in self._entries:
            self._drop(key)
        if size > self.max_bytes:
            return False  # larger than the whole cache: served, never stored
        expiry = self._clock() + ttl if ttl is not None else float("inf")
        self._entries[key] = (value, expiry, size)
        self.bytes += size
        self.generation += 1
        while len(self._entries) > self.max_entries or self.bytes > self.max_bytes:
            self._drop(next(iter(self._entries)))
        return True

    async def close(self) -> None:
        self._entries.clear()
        self.bytes = 0
        self.generation += 1

    def _drop(self, key: str) -> None:
        _value, _expiry, size = self._entries.pop(key)
        self.bytes -= size
        self.generation += 1
