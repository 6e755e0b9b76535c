"""CORS for browser frontends on other origins: an allow-list (`CIG_CORS_ORIGINS`), off when empty.

- A request with an allowed `Origin` gets `Access-Control-Allow-Origin` (the origin itself, or `*`
  when the list is `*`), `Vary: Origin` and `Access-Control-Expose-Headers: X-Request-Id`.
- A preflight (`OPTIONS` with `Access-Control-Request-Method`) from an allowed origin asking for GET
  or POST is answered here, 204, with the allowed methods and headers and a max age; it never
  reaches the endpoint.
- A preflight from any other origin, or for another method, is refused: 403 with a JSON error
  (`CORS_ORIGIN_NOT_ALLOWED`) and no `Access-Control-Allow-*` header, so the browser blocks the
  request. Simple requests from other origins are served without CORS headers: the browser then
  withholds the answer from the page.

Starlette's CORSMiddleware answers a refused preflight with its allow-method and allow-header
lists still attached; this one sends none.
"""

from __future__ import annotations

from collections.abc import Sequence

import orjson
from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .request_context import with_request_id

CORS_ORIGIN_NOT_ALLOWED = "CORS_ORIGIN_NOT_ALLOWED"
ALLOWED_METHODS = ("GET", "POST")
# What GraphQL clients, routers and tracing libraries send; browsers add none of these on their own.
ALLOWED_HEADERS = ("accept", "authorization", "content-type", "x-request-id", "traceparent", "tracestate")
EXPOSED_HEADERS = "X-Request-Id"
PREFLIGHT_MAX_AGE_SECONDS = 600


class CorsPolicy:
    """The allow-list, and what answers and preflights carry under it."""

    def __init__(self, origins: Sequence[str]) -> None:
        self.any_origin = "*" in origins
        self.origins = frozenset(o.lower() for o in origins if o != "*")

    def allows(self, origin: str) -> bool:
        return self.any_origin or origin.lower() in self.origins

    def add_headers(self, start: Message, origin: str) -> None:
        """What an answer to a request from `origin` carries (`start` is its `http.response.start`)."""
        response_headers = MutableHeaders(scope=start)
        response_headers.add_vary_header("Origin")
        if self.allows(origin):
            response_headers["Access-Control-Allow-Origin"] = "*" if self.any_origin else origin
            response_headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS

    def preflight(self, origin: str, method: str) -> Response:
        if not self.allows(origin) or method.upper() not in ALLOWED_METHODS:
            body = {"errors": [{
                "message": "cross-origin requests from this origin are not allowed (CIG_CORS_ORIGINS lists "
                           "the allowed origins; GET and POST are the allowed methods)",
                "extensions": with_request_id({"code": CORS_ORIGIN_NOT_ALLOWED}),
            }]}
            return Response(orjson.dumps(body), status_code=403, media_type="application/json",
                            headers={"Vary": "Origin"})
        return Response(status_code=204, headers={
            "Access-Control-Allow-Origin": "*" if self.any_origin else origin,
            "Access-Control-Allow-Methods": ", ".join(ALLOWED_METHODS),
            "Access-Control-Allow-Headers": ", ".join(ALLOWED_HEADERS),
            "Access-Control-Max-Age": str(PREFLIGHT_MAX_AGE_SECONDS),
            "Vary": "Origin",
        })


class CORSMiddleware:
    def __init__(self, app: ASGIApp, policy: CorsPolicy) -> None:
        self.app = app
        self.policy = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        if origin is None:
            await self.app(scope, receive, send)
            return
        if scope["method"] == "OPTIONS" and "access-control-request-method" in headers:
            await self.policy.preflight(origin, headers["access-control-request-method"])(scope, receive, send)
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.policy.add_headers(message, origin)
            await send(message)

        await self.app(scope, receive, send_with_cors)
