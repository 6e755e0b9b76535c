"""Where the response cache keeps answers: the final bytes, their media type, ETag and expiry.

    Entry          one answer as sent: body bytes, media type, ETag (a digest of the body), expiry
    MemoryStore    per process, LRU, bounded in bytes (answers, keys and bookkeeping) and in entries
    RedisStore     shared by every replica; a failing Redis is a miss (logged, counted), never an error
    AliasMap       request bytes -> canonical key, so a repeated request is found without parsing it

An entry's encoding (the Redis value) is `MAGIC | expiry (float64) | media (1 byte) | ETag digest (16) |
body`. A value that does not decode, or whose body does not match its digest, is corrupt: dropped and
counted, and the request is answered as a miss.
"""

from __future__ import annotations

import hashlib
import logging
import struct
import time
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

import redis.asyncio as redis
from prometheus_client import Counter

from .metrics import Metrics

log = logging.getLogger("graphql_api.response_cache")

MAGIC = b"CIGR1"  # bump with the encoding
_HEADER = struct.Struct(">d1s16s")
MEDIA_CODES = {"application/graphql-response+json": b"g", "application/json": b"j"}
MEDIA_OF_CODE = {code: media for media, code in MEDIA_CODES.items()}
REDIS_PREFIX = "cig:v1:response:"  # under the provider cache's `cig:v1:` namespace, apart from its keys
REDIS_TIMEOUT_SECONDS = 0.5  # a Redis slower than this is a miss
REDIS_RETRY_SECONDS = 1.0  # after a failure, Redis is skipped (misses) this long instead of asked per request
WARNING_INTERVAL_SECONDS = 10.0  # at most one warning per interval while a backend keeps failing
ENTRY_OVERHEAD_BYTES = 700  # an entry's object, header tuples, key and LRU slot beyond its body (measured)
ALIAS_BYTES = 250  # one AliasMap item: two digests, the LRU slot


class CorruptEntry(ValueError):
    """Stored bytes that are not an entry this service wrote."""


def body_digest(body: bytes) -> bytes:
    return hashlib.blake2b(body, digest_size=16).digest()


@dataclass(frozen=True, slots=True)
class Entry:
    body: bytes
    media: str
    digest: bytes  # of the body: the ETag, and the check against corrupt values
    expires_at: float  # epoch seconds
    headers: list[tuple[bytes, bytes]] = field(repr=False)  # content-type and content-length, ready to send

    @classmethod
    def of(cls, body: bytes, media: str, expires_at: float, digest: bytes | None = None) -> Entry:
        headers = [(b"content-type", media.encode()), (b"content-length", str(len(body)).encode())]
        return cls(body, media, digest or body_digest(body), expires_at, headers)

    @property
    def etag(self) -> str:
        return f'"{self.digest.hex()}"'

    @property
    def size(self) -> int:
        return len(self.body) + ENTRY_OVERHEAD_BYTES

    def encode(self) -> bytes:
        return MAGIC + _HEADER.pack(self.expires_at, MEDIA_CODES[self.media], self.digest) + self.body

    @classmethod
    def decode(cls, data: object) -> Entry:
        head = len(MAGIC) + _HEADER.size
        if not isinstance(data, bytes) or len(data) < head or not data.startswith(MAGIC):
            raise CorruptEntry("not a response cache entry")
        expires_at, code, digest = _HEADER.unpack_from(data, len(MAGIC))
        body = data[head:]
        if code not in MEDIA_OF_CODE or body_digest(body) != digest:
            raise CorruptEntry("entry does not match its digest")
        return cls.of(body, MEDIA_OF_CODE[code], expires_at, digest)


class AliasMap:
    """Request digest -> canonical key, LRU, at most `limit` items."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._items: OrderedDict[bytes, bytes] = OrderedDict()

    def __len__(self) -> int:
        return len(self._items)

    def get(self, raw: bytes) -> bytes | None:
        return self._items.get(raw)

    def set(self, raw: bytes, canonical: bytes) -> None:
        self._items[raw] = canonical
        self._items.move_to_end(raw)
        while len(self._items) > self.limit:
            self._items.popitem(last=False)

    def drop(self, raw: bytes) -> None:
        self._items.pop(raw, None)

    @property
    def size(self) -> int:
        return len(self._items) * ALIAS_BYTES


class Store(Protocol):
    aliases: AliasMap

    def alias(self, raw: bytes, canonical: bytes) -> None: ...

    async def get(self, key: bytes) -> Entry | None: ...

    async def set(self, key: bytes, entry: Entry) -> None: ...

    async def close(self) -> None: ...


class MemoryStore:
    """Answers in this process, least recently used dropped first; memory stays flat under any load."""

    def __init__(self, metrics: Metrics, *, max_bytes: int, max_entries: int) -> None:
        self.max_bytes = max_bytes
        self.max_entries = max_entries
        # Aliases take at most a quarter of the bytes, so answers always keep most of them.
        self.aliases = AliasMap(max(1, min(max_entries, max_bytes // 4 // ALIAS_BYTES)))
        self._entries: OrderedDict[bytes, Entry] = OrderedDict()
        self._entry_bytes = 0
        self._gauge = metrics.response_cache_bytes
        self._capacity = metrics.response_cache_evictions.labels("capacity")
        self._expired = metrics.response_cache_evictions.labels("expired")
        self._stored = metrics.response_cache_stored_bytes

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def size(self) -> int:
        """Bytes held: bodies, per-entry overhead and the request aliases."""
        return self._entry_bytes + self.aliases.size

    async def get(self, key: bytes) -> Entry | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry.expires_at <= time.time():
            self._remove(key)
            self._expired.inc()
            return None
        self._entries.move_to_end(key)
        return entry

    async def set(self, key: bytes, entry: Entry) -> None:
        if key in self._entries:
            self._remove(key)
        self._entries[key] = entry
        self._entry_bytes += entry.size
        self._stored.inc(len(entry.body))
        self._fit()

    def alias(self, raw: bytes, canonical: bytes) -> None:
        self.aliases.set(raw, canonical)
        self._fit()

    def _fit(self) -> None:
        while self._entries and (len(self._entries) > self.max_entries or self.size > self.max_bytes):
            self._remove(next(iter(self._entries)))
            self._capacity.inc()
        self._gauge.set(self.size)

    def _remove(self, key: bytes) -> None:
        self._entry_bytes -= self._entries.pop(key).size
        self._gauge.set(self.size)

    async def close(self) -> None:
        self._entries.clear()
        self._entry_bytes = 0


class _Warnings:
    """One warning per interval while a backend keeps failing; every failure is still counted."""

    def __init__(self) -> None:
        self._last = 0.0

    def __call__(self, message: str, *args: object) -> None:
        now = time.monotonic()
        if now - self._last >= WARNING_INTERVAL_SECONDS:
            self._last = now
            log.warning(message, *args)


class RedisStore:
    """Answers in Redis under `cig:v1:response:<key>`, with Redis expiring them at their own expiry."""

    def __init__(self, url: str, metrics: Metrics, *, max_entries: int) -> None:
        self.client = redis.Redis.from_url(
            url, socket_timeout=REDIS_TIMEOUT_SECONDS, socket_connect_timeout=REDIS_TIMEOUT_SECONDS
        )
        self.aliases = AliasMap(max_entries)
        self._skip_until = 0.0
        self._warn = _Warnings()
        self._read_failed = metrics.response_cache_failures.labels("read")
        self._write_failed = metrics.response_cache_failures.labels("write")
        self._corrupt = metrics.response_cache_evictions.labels("corrupt")
        self._stored = metrics.response_cache_stored_bytes

    def alias(self, raw: bytes, canonical: bytes) -> None:
        self.aliases.set(raw, canonical)

    @staticmethod
    def name(key: bytes) -> str:
        return REDIS_PREFIX + key.hex()

    async def get(self, key: bytes) -> Entry | None:
        if time.monotonic() < self._skip_until:
            return None
        try:
            data = await self.client.get(self.name(key))
        except Exception as exc:  # any backend failure is a miss
            self._failed(self._read_failed, "read", exc)
            return None
        if data is None:
            return None
        try:
            entry = Entry.decode(data)
        except (CorruptEntry, struct.error):
            self._corrupt.inc()
            self._warn("response cache: dropped a corrupt entry")
            await self._delete(key)
            return None
        return entry if entry.expires_at > time.time() else None

    async def set(self, key: bytes, entry: Entry) -> None:
        if time.monotonic() < self._skip_until:
            return
        ttl_ms = int((entry.expires_at - time.time()) * 1000)
        if ttl_ms <= 0:
            return
        try:
            await self.client.set(self.name(key), entry.encode(), px=ttl_ms)
        except Exception as exc:
            self._failed(self._write_failed, "write", exc)
            return
        self._stored.inc(len(entry.body))

    async def _delete(self, key: bytes) -> None:
        try:
            await self.client.delete(self.name(key))
        except Exception as exc:
            self._failed(self._write_failed, "write", exc)

    def _failed(self, counter: Counter, operation: str, exc: Exception) -> None:
        counter.inc()
        self._skip_until = time.monotonic() + REDIS_RETRY_SECONDS
        # The exception's class only: its text can carry the URL, password included.
        self._warn("response cache %s failed (%s); answering without it", operation, type(exc).__name__)

    async def close(self) -> None:
        await self.client.aclose()


async def purge_redis(url: str, prefixes: Iterable[str], *, exclude: str | None = None) -> int:
    """Delete every key under `prefixes` (never anything else in the database); returns how many."""
    client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
    deleted = 0
    try:
        for prefix in prefixes:
            batch: list[bytes] = []
            async for key in client.scan_iter(match=prefix + "*", count=1000):
                if exclude is not None and key.startswith(exclude.encode()):
                    continue
                batch.append(key)
                if len(batch) >= 1000:
                    deleted += await client.unlink(*batch)
                    batch = []
            if batch:
                deleted += await client.unlink(*batch)
    finally:
        await client.aclose()
    return deleted
