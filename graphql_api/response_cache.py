"""The response cache: whole answers of repeated query operations, served before anything is parsed.

1. `ResponseCacheFront`, the innermost middleware (inside the request context, metrics and CORS layers,
   so a hit still gets its request id, log line, count and CORS headers), digests the raw request
   (method, media type, client scope, body or query string) and looks it up among the store's aliases.
   A hit is sent as stored: no routing, no JSON or GraphQL parsing, no validation, no execution, no
   provider.
2. Otherwise the endpoint parses the request as usual and looks up the canonical key: document,
   `operationName`, variables and extensions as canonical JSON (so JSON key order and whitespace do
   not matter), media type, client scope and the deployment's fingerprint (schema, limits, provider
   accounts and locations, so replicas of another version never share entries). A hit there is served
   and the raw digest becomes its alias; nothing is executed either.
3. A miss executes. The answer is stored when it has no error (partial answers included), the
   operation is a query, it selects no time-dependent field (`oldestDataAgeSeconds`, a node's
   `freshness`: a stored copy would state a wrong age or call cached data LIVE) and it stays fresh at
   least MIN_LIFETIME_SECONDS. Its lifetime is the
   shortest remaining freshness of the provider answers it was built from, as the provider cache
   reports them (`providers.cache.freshness`); CIG_CACHE_TTL when it used none (schema, configuration).
"""

from __future__ import annotations

import enum
import hashlib
import math
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
from graphql import FieldNode, GraphQLError, OperationDefinitionNode, OperationType, parse, visit
from graphql.language import Visitor
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.http import GraphQLRequestData

from .api_keys import ANONYMOUS, ApiKeys
from .metrics import Metrics
from .response_store import Entry, MemoryStore, RedisStore, Store
from .settings import ResponseCacheSettings

PENDING = "cig.response_cache"  # the ASGI scope key carrying a request's Pending from the front to the endpoint
GRAPHQL_PATH = "/graphql"
MIN_LIFETIME_SECONDS = 1.0  # an answer fresh for less is served, not stored
TIME_DEPENDENT_FIELDS = frozenset({"oldestDataAgeSeconds", "freshness"})
DOCUMENT_ANALYSES = 256  # documents whose cacheability is remembered (by digest)


@dataclass(slots=True)
class Pending:
    """One request the front could not answer, on its way through the endpoint."""

    raw: bytes  # digest of the request as received
    media: str
    client: str
    method: str
    if_none_match: bytes | None
    canonical: bytes | None = None  # set once the endpoint has parsed the request
    document: tuple[str, str | None] | None = None  # (query, operationName)
    fresh_until: float = math.inf  # the earliest time a provider answer it used stops being fresh

    def observe(self, until: float) -> None:
        self.fresh_until = min(self.fresh_until, until)


def etag_matches(if_none_match: bytes | None, etag: bytes) -> bool:
    if not if_none_match:
        return False
    tags = [tag.strip().removeprefix(b"W/") for tag in if_none_match.split(b",")]
    return b"*" in tags or etag in tags


class _FieldNames(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def enter_field(self, node: FieldNode, *_: Any) -> None:
        self.names.add(node.name.value)


def uncacheable_document(query: str, operation_name: str | None) -> str | None:
    """Why answers to this document are never stored (`not-a-query`, `time-dependent`), or None."""
    try:
        document = parse(query, no_location=True)
    except GraphQLError:
        return "not-a-query"
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [o for o in operations if operation_name is None or (o.name and o.name.value == operation_name)]
    if len(chosen) != 1 or chosen[0].operation != OperationType.QUERY:
        return "not-a-query"
    names = _FieldNames()
    visit(document, names)
    return "time-dependent" if names.names & TIME_DEPENDENT_FIELDS else None


def fingerprint(parts: Iterable[object]) -> bytes:
    return hashlib.blake2b(orjson.dumps([str(p) for p in parts]), digest_size=16).digest()


@dataclass
class ResponseCache:
    """Policy and keys; the store is opened in the app's lifespan (`open`) and closed there."""

    settings: ResponseCacheSettings
    default_ttl: float  # CIG_CACHE_TTL: the lifetime of answers that used no provider data
    api_keys: ApiKeys
    metrics: Metrics
    store: Store | None = None
    _fingerprint: bytes = b""
    _raw_base: hashlib.blake2b = field(default_factory=hashlib.blake2b)
    _analyses: OrderedDict[bytes, str | None] = field(default_factory=OrderedDict)

    def __post_init__(self) -> None:
        lookups, uncacheable = self.metrics.response_cache_lookups, self.metrics.response_cache_uncacheable
        self.hits, self.misses, self.bypasses = (lookups.labels(r) for r in ("hit", "miss", "bypass"))
        self.uncacheable = {
            reason: uncacheable.labels(reason)
            for reason in ("errors", "not-a-query", "time-dependent", "too-large", "expiring")
        }
        self.vary = b"Accept, Authorization" if self.api_keys.required else b"Accept"

    def open(self, url: str, deployment: Iterable[object]) -> None:
        s = self.settings
        if url.startswith("redis://"):
            self.store = RedisStore(url, self.metrics, max_entries=s.max_entries)
        else:
            self.store = MemoryStore(self.metrics, max_bytes=s.max_bytes, max_entries=s.max_entries)
        self._fingerprint = fingerprint(deployment)
        self._raw_base = hashlib.blake2b(self._fingerprint, digest_size=20)

    async def close(self) -> None:
        store, self.store = self.store, None
        if store is not None:
            await store.close()

    def raw_key(self, method: str, media: str, client: str, payload: bytes) -> bytes:
        digest = self._raw_base.copy()  # the fingerprint, hashed once
        digest.update(f"{method}\x00{media}\x00{client}\x00".encode())
        digest.update(payload)
        return digest.digest()

    def canonical_key(self, pending: Pending, data: GraphQLRequestData) -> bytes:
        material = orjson.dumps(
            [pending.media, pending.client, data.query, data.operation_name, data.variables or None,
             data.extensions or None],
            option=orjson.OPT_SORT_KEYS,
        )
        return hashlib.blake2b(self._fingerprint + material, digest_size=20).digest()

    async def lookup(self, pending: Pending, data: GraphQLRequestData) -> Entry | None:
        """The endpoint's lookup by canonical key, once the request is parsed; a hit becomes an alias."""
        store = self.store
        if store is None or data.protocol != "http" or not isinstance(data.query, str):
            self.bypasses.inc()
            return None
        try:
            key = self.canonical_key(pending, data)
        except TypeError:  # variables orjson cannot write canonically (e.g. integers beyond 64 bits)
            self.bypasses.inc()
            return None
        entry = await store.get(key)
        if entry is None:
            self.misses.inc()
            pending.canonical, pending.document = key, (data.query, data.operation_name)
            return None
        self.hits.inc()
        store.alias(pending.raw, key)
        return entry

    def _uncacheable(self, query: str, operation_name: str | None) -> str | None:
        digest = hashlib.blake2b(f"{operation_name}\x00{query}".encode(), digest_size=20).digest()
        if digest in self._analyses:
            self._analyses.move_to_end(digest)
            return self._analyses[digest]
        reason = self._analyses[digest] = uncacheable_document(query, operation_name)
        while len(self._analyses) > DOCUMENT_ANALYSES:
            self._analyses.popitem(last=False)
        return reason

    async def offer(self, pending: Pending, body: bytes, *, status: int, errors: bool) -> Entry | None:
        """Store an answer the endpoint built, when it may be reused; the entry, or None."""
        store = self.store
        if store is None or pending.canonical is None or pending.document is None:
            return None
        expires_at = min(pending.fresh_until, time.time() + self.default_ttl)
        if errors or status != 200:
            reason: str | None = "errors"
        elif len(body) > self.settings.max_entry_bytes:
            reason = "too-large"
        elif expires_at - time.time() < MIN_LIFETIME_SECONDS:
            reason = "expiring"
        else:
            reason = self._uncacheable(*pending.document)
        if reason is not None:
            self.uncacheable[reason].inc()
            return None
        entry = Entry.of(body, pending.media, expires_at)
        await store.set(pending.canonical, entry)
        store.alias(pending.raw, pending.canonical)
        return entry

    def http_headers(self, entry: Entry, client: str) -> list[tuple[bytes, bytes]]:
        """GET answers: ETag, and how long HTTP caches may keep it (private when an API key is in use)."""
        max_age = max(0, int(entry.expires_at - time.time()))
        control = f"max-age={max_age}" if client == ANONYMOUS else f"private, max-age={max_age}"
        return [(b"etag", entry.etag.encode()), (b"cache-control", control.encode()), (b"vary", self.vary)]


class Skip(enum.Enum):
    """Why a front does not look a request up."""

    PASS = "pass"  # not one the cache answers: HTML for browsers, refused or malformed requests
    BYPASS = "bypass"  # one it must not answer: a dry run, `Cache-Control: no-cache` (counted)


@dataclass(frozen=True, slots=True)
class Probe:
    """What a request is looked up by, read from its method and headers before its body."""

    method: str
    media: str
    client: str
    if_none_match: bytes | None


def first_headers(scope: Scope) -> dict[bytes, bytes]:
    """The request's headers by name; of a repeated header the first, as Starlette's `Headers.get` reads it."""
    return dict(reversed(scope["headers"]))


class ResponseCacheFront:
    """Answers repeated requests from the response cache before routing or parsing.

    Everything it cannot answer passes to `app` unchanged (a POST body already read is replayed), with a
    `Pending` in the scope for the endpoint. Browsers asking for HTML, refused or malformed requests and
    `Cache-Control: no-cache` requests (unless CIG_RESPONSE_CACHE_HONOR_NO_CACHE is off) pass without one.
    """

    def __init__(self, app: ASGIApp, lookup: RequestLookup) -> None:
        self.app = app
        self.lookup = lookup
        self.cache = lookup.cache

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        cache, lookup = self.cache, self.lookup
        if cache.store is None or scope["type"] != "http" or scope["path"] != GRAPHQL_PATH:
            await self.app(scope, receive, send)
            return
        probe = lookup.probe(scope, first_headers(scope))
        if not isinstance(probe, Probe):
            if probe is Skip.BYPASS:
                cache.bypasses.inc()
            await self.app(scope, receive, send)
            return
        payload, first = await request_payload(scope, receive)
        raw, entry = await lookup.find(probe, payload)
        if entry is None:
            scope[PENDING] = Pending(raw, probe.media, probe.client, probe.method, probe.if_none_match)
            await self.app(scope, receive if first is None else replaying(first, receive), send)
            return
        cache.hits.inc()
        start, body = lookup.answer(probe, entry)
        await send(start)
        await send(body)


class RequestLookup:
    """Finding a request's stored answer from its raw bytes: what the fronts share."""

    def __init__(self, cache: ResponseCache, negotiate: Callable[[str | None], str | None]) -> None:
        self.cache = cache
        self.negotiate = negotiate  # remembers what it answered (graphql_api.endpoint.negotiate)

    def probe(self, scope: Scope, headers: Mapping[bytes, bytes]) -> Probe | Skip:
        """What to look a `/graphql` request up by, or why not to."""
        cache = self.cache
        method = scope["method"]
        if method not in ("GET", "POST"):
            return Skip.PASS
        if DRY_RUN in headers:  # a plan, not an answer: never looked up, never stored (graphql_api.budget)
            return Skip.BYPASS
        accept = headers.get(b"accept")
        media = self.negotiate(accept.decode("latin-1") if accept is not None else None)
        client = cache.api_keys.scope(headers.get(b"authorization"))
        if method == "GET":
            usable = bool(scope["query_string"]) and b"text/html" not in (accept or b"")
        else:
            content_type = headers.get(b"content-type")
            usable = content_type is not None and content_type.split(b";")[0].strip().lower() == b"application/json"
        if media is None or client is None or not usable:
            return Skip.PASS
        cache_control = headers.get(b"cache-control")
        if cache_control is not None and cache.settings.honor_no_cache and _no_cache(cache_control):
            return Skip.BYPASS
        return Probe(method, media, client, headers.get(b"if-none-match"))

    async def find(self, probe: Probe, payload: bytes) -> tuple[bytes, Entry | None]:
        """The request's digest, and the entry stored under it (None: a miss)."""
        cache = self.cache
        store = cache.store
        raw = cache.raw_key(probe.method, probe.media, probe.client, payload)
        if store is None:
            return raw, None
        canonical = store.aliases.get(raw)
        entry = await store.get(canonical) if canonical is not None else None
        if entry is None and canonical is not None:
            store.aliases.drop(raw)
        return raw, entry

    def answer(self, probe: Probe, entry: Entry) -> tuple[Message, Message]:
        """A hit's `http.response.start` and body: for GET with its HTTP caching headers, 304 when the
        client holds it already."""
        if probe.method == "POST":
            return _start(200, list(entry.headers)), {"type": "http.response.body", "body": entry.body}
        extra = self.cache.http_headers(entry, probe.client)
        if etag_matches(probe.if_none_match, entry.etag.encode()):
            return _start(304, extra), {"type": "http.response.body", "body": b""}
        return _start(200, entry.headers + extra), {"type": "http.response.body", "body": entry.body}


def _start(status: int, headers: list[tuple[bytes, bytes]]) -> Message:
    return {"type": "http.response.start", "status": status, "headers": headers}


async def request_payload(scope: Scope, receive: Receive) -> tuple[bytes, Message | None]:
    """What the raw key digests: a GET's query string, a POST's whole body (and the message replaying it)."""
    if scope["method"] == "POST":
        return await _read_body(receive)
    return scope["query_string"], None


DRY_RUN = b"x-dry-run"


def _no_cache(cache_control: bytes) -> bool:
    """`no-cache`, `no-store`, or a `max-age` bound: the provider layer applies that bound per answer,
    which a stored whole answer cannot."""
    directives = {d.strip().split(b"=")[0].lower() for d in cache_control.split(b",")}
    return not directives.isdisjoint((b"no-cache", b"no-store", b"max-age"))


async def _read_body(receive: Receive) -> tuple[bytes, Message]:
    """The whole request body, and the one message that hands it to the app again."""
    message = await receive()
    if message["type"] != "http.request" or not message.get("more_body", False):
        return message.get("body", b""), message
    chunks = [message.get("body", b"")]
    while message["type"] == "http.request" and message.get("more_body", False):
        message = await receive()
        chunks.append(message.get("body", b""))
    body = b"".join(chunks)
    if message["type"] != "http.request":
        return body, message  # the client went away: the app sees that
    return body, {"type": "http.request", "body": body, "more_body": False}


def replaying(first: Message, receive: Receive) -> Receive:
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if replayed:
            return await receive()
        replayed = True
        return first

    return replay
