"""The front of `/graphql`: what is refused before routing, parsing or reading the body whole.

In order, each answered in JSON with a stable `extensions.code` and the request id (the
request-context middleware runs outside this one):

    414 URI_TOO_LONG       path and query string over CIG_MAX_URL_BYTES
    401 UNAUTHENTICATED    with CIG_API_KEYS, no `Authorization: Bearer <key>` naming a configured key
                           (keys are held as SHA-256 digests, `graphql_api.api_keys`)
    429 RATE_LIMITED       more than CIG_RATE_LIMIT requests per second from one API key (or one client
                           address without keys), bursts of CIG_RATE_BURST; `Retry-After` in seconds
    413 PAYLOAD_TOO_LARGE  a body over CIG_MAX_BODY_BYTES: from Content-Length at once, or while it
                           streams (reading stops there); the body read is replayed to the endpoint

The rate limit is a GCRA bucket per client in this process (`providers.quota.LocalStore`): a refused
request takes no slot, so the next one is at most one interval away, which is the Retry-After sent.
"""

from __future__ import annotations

import math

import orjson
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from providers.quota import Bucket, LocalStore, Rule

from .api_keys import ApiKeys
from .request_context import with_request_id
from .response_cache import replaying

GRAPHQL_PATH = "/graphql"


async def _refuse(send: Send, status: int, message: str, code: str, headers: dict[str, str] | None = None) -> None:
    body = orjson.dumps({"errors": [{"message": message, "extensions": with_request_id({"code": code})}]})
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


class RateLimit:
    """CIG_RATE_LIMIT: a GCRA bucket per API key (or per client address without keys) in this process."""

    def __init__(self, api_keys: ApiKeys, rate_limit: float = 0.0, rate_burst: int = 0) -> None:
        self.api_keys = api_keys
        self.rule = Rule(rate_limit, rate_burst or max(1, int(rate_limit * 2))) if rate_limit > 0 else None
        self.buckets = LocalStore()

    async def admit(self, scope: Scope, client: str) -> bool:
        """Take this request's slot; False when the client is over its rate (nothing is taken then)."""
        if self.rule is None:
            return True
        if not self.api_keys.required:
            peer = scope.get("client")
            client = f"address:{peer[0] if peer else '-'}"
        return await self.buckets.reserve([Bucket(f"rate:{client}", self.rule)], "rate:-", 0.0) is not None


def url_bytes(scope: Scope) -> int:
    """The request target's length as CIG_MAX_URL_BYTES counts it: path and query string."""
    return len(scope.get("raw_path") or scope["path"].encode()) + len(scope.get("query_string", b""))


class Front:
    def __init__(self, app: ASGIApp, *, api_keys: ApiKeys, rate: RateLimit, max_url_bytes: int,
                 max_body_bytes: int) -> None:
        self.app = app
        self.api_keys = api_keys
        self.rate = rate
        self.max_url_bytes = max_url_bytes
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") != GRAPHQL_PATH:
            await self.app(scope, receive, send)
            return
        if url_bytes(scope) > self.max_url_bytes:
            await _refuse(send, 414, f"the URL is longer than {self.max_url_bytes} bytes; send the query in a "
                          "POST body", "URI_TOO_LONG")
            return
        headers = Headers(scope=scope)
        client = self.api_keys.scope(headers.get("authorization"))
        if client is None:
            await _refuse(send, 401, "missing or unknown API key: send `Authorization: Bearer <key>`",
                          "UNAUTHENTICATED", {"WWW-Authenticate": 'Bearer realm="graphql"'})
            return
        rule = self.rate.rule
        if rule is not None and not await self.rate.admit(scope, client):
            retry = max(1, math.ceil(rule.interval))
            await _refuse(send, 429, f"more than {rule.rate:g} requests per second; retry in {retry} s",
                          "RATE_LIMITED", {"Retry-After": str(retry)})
            return
        if scope["method"] == "POST":
            replay = await self._read_body(scope, receive, send, headers)
            if replay is None:
                return
            receive = replay
        await self.app(scope, receive, send)

    async def _read_body(
        self, scope: Scope, receive: Receive, send: Send, headers: Headers
    ) -> Receive | None:
        """The body read up to the limit, as a `receive` replaying it; None when refused (413 sent)."""
        declared = headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            await self._too_large(send)
            return None
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break  # the client went away: the endpoint sees the disconnect
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                await self._too_large(send)
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return replaying({"type": "http.request", "body": b"".join(chunks), "more_body": False}, receive)

    async def _too_large(self, send: Send) -> None:
        await _refuse(send, 413, f"the request body is larger than {self.max_body_bytes} bytes", "PAYLOAD_TOO_LARGE")
