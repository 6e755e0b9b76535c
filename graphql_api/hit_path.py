"""The response cache's hit path: repeated requests answered ahead of Starlette and every middleware.

Each middleware layer costs a hit more than the lookup itself (measured under `wrk`, a hit through
the whole stack took about twice as long as one answered before it), so `HitPath`, the outermost
layer, answers hits alone and does for them, in one pass over the headers, what those layers do for
every request:

    front            the URL and body size limits (a POST needs its Content-Length within
                     CIG_MAX_BODY_BYTES), the API key (the entry's scope), one slot of CIG_RATE_LIMIT
    CORS             `Vary: Origin` and, for allowed origins, the allow-origin and expose headers
    request context  the X-Request-Id header (the caller's when well-formed, else a new one) and the
                     request's log line
    metrics          the request in `cig_http_requests_total`, the hit in the response cache's counters

Everything else goes to the stack unchanged (a body read is replayed), which then decides as it
always does: misses, refusals (401, 413, 414, 429), dry runs, `no-cache`, a malformed request id
(logged there), HTML for browsers. With tracing on there is no hit path: every request gets its span.
CIG_RESPONSE_CACHE_HIT_PATH=false turns it off; hits are then answered by the response cache's front
inside the stack, and the answers are the same (tests/e2e/test_hit_path.py compares them).
"""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Receive, Scope, Send

from .cors import CorsPolicy
from .front import RateLimit, url_bytes
from .metrics import Metrics
from .request_context import RequestInfo, accepted_request_id, log_request, new_request_id
from .response_cache import GRAPHQL_PATH, Probe, RequestLookup, first_headers, replaying, request_payload

REQUEST_ID = b"x-request-id"


class HitPath:
    def __init__(
        self, app: ASGIApp, *, lookup: RequestLookup, rate: RateLimit, cors: CorsPolicy | None,
        metrics: Metrics, max_url_bytes: int, max_body_bytes: int,
    ) -> None:
        self.app = app
        self.lookup = lookup
        self.cache = lookup.cache
        self.rate = rate
        self.cors = cors
        self.metrics = metrics
        self.max_url_bytes = max_url_bytes
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != GRAPHQL_PATH or self.cache.store is None:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        headers = first_headers(scope)
        supplied = headers.get(REQUEST_ID)
        request_id = None if supplied is None else accepted_request_id(supplied.decode("latin-1"))
        probe = self.lookup.probe(scope, headers)
        if (not isinstance(probe, Probe) or (supplied is not None and request_id is None)
                or url_bytes(scope) > self.max_url_bytes or not self._body_within_limit(probe, headers)):
            await self.app(scope, receive, send)
            return
        payload, first = await request_payload(scope, receive)
        if first is not None and first["type"] != "http.request":  # the client went away while sending
            await self.app(scope, replaying(first, receive), send)
            return
        _, entry = await self.lookup.find(probe, payload)
        if entry is None or not await self.rate.admit(scope, probe.client):
            await self.app(scope, receive if first is None else replaying(first, receive), send)
            return
        self.cache.hits.inc()
        start, body = self.lookup.answer(probe, entry)
        origin = headers.get(b"origin")
        if origin is not None and self.cors is not None:
            self.cors.add_headers(start, origin.decode("latin-1"))
        request_id = request_id or new_request_id()
        start["headers"].append((REQUEST_ID, request_id.encode("latin-1")))
        await send(start)
        await send(body)
        status: int = start["status"]
        self.metrics.count_request(GRAPHQL_PATH, status)
        log_request(probe.method, GRAPHQL_PATH, status, started, RequestInfo(request_id))

    def _body_within_limit(self, probe: Probe, headers: dict[bytes, bytes]) -> bool:
        """A POST declares its length (so reading it cannot run past the limit); a GET has no body."""
        if probe.method != "POST":
            return True
        declared = headers.get(b"content-length")
        return declared is not None and declared.isdigit() and int(declared) <= self.max_body_bytes
