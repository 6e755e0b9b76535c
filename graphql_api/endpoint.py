"""`/graphql` per the GraphQL-over-HTTP specification, on top of `strawberry.asgi.GraphQL`.

- Media types: `application/graphql-response+json` (preferred) and `application/json`, negotiated
  from `Accept`; a request accepting neither gets 406. Without `Accept`, `application/json`.
- With `application/graphql-response+json`, a request error (unparseable JSON, no query, a document
  that does not parse or validate, bad variables) is answered 4xx without a `data` entry; a
  well-formed request that executed is 200, also when fields failed.
- With `application/json`, every well-formed request is 200; malformed HTTP requests are 4xx.
- POST bodies must be `application/json` (415 otherwise); GET carries the query in the URL and runs
  queries only (405 for other operations, with `Allow: POST`).
- Every error body is JSON with `errors[].extensions.code`, never plain text.
- A browser asking for HTML gets GraphiQL, its assets optionally served from a local directory.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Callable, Sequence
from typing import Any

import orjson
from cross_web import HTTPException
from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse, process_result
from strawberry.schema import BaseSchema
from strawberry.types import ExecutionResult
from strawberry.types.unset import UNSET

from resolvers.loaders import RequestScope

from .settings import Secret

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
APPLICATION_JSON = "application/json"
# Strawberry's GraphiQL page loads pinned packages from unpkg (https://unpkg.com/<package>@<version>/<file>).
# With CIG_GRAPHIQL_ASSETS_DIR set (e.g. a node_modules directory holding those packages) they are
# served from here instead, so the page works without internet access.
UNPKG_ASSET = re.compile(r"https://unpkg\.com/((?:@[^/@\"]+/)?[^/@\"]+)@[^/\"]+/")
ASSETS_PATH = "/graphiql-assets/"


def negotiate(accept: str | None) -> str | None:
    """The response media type for an Accept header, or None when nothing acceptable is offered.

    Highest quality wins; on a tie graphql-response+json, then the earlier entry. Wildcards
    (`*/*`, `application/*`) get application/json, which every client understands.
    """
    if not accept or not accept.strip():
        return APPLICATION_JSON
    candidates: list[tuple[float, bool, int, str]] = []
    for position, item in enumerate(accept.split(",")):
        media, *params = (part.strip() for part in item.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        media = media.lower()
        if quality <= 0:
            continue
        if media == GRAPHQL_RESPONSE_JSON:
            candidates.append((quality, True, -position, GRAPHQL_RESPONSE_JSON))
        elif media in (APPLICATION_JSON, "application/*", "*/*"):
            candidates.append((quality, False, -position, APPLICATION_JSON))
    return max(candidates)[3] if candidates else None


def _error_body(message: str, code: str) -> bytes:
    return orjson.dumps({"errors": [{"message": message, "extensions": {"code": code}}]})


class GraphQLEndpoint(GraphQL):  # type: ignore[type-arg]
    def __init__(
        self,
        schema: BaseSchema,
        *,
        context_factory: Callable[[Request], RequestScope],
        api_keys: Sequence[Secret] = (),
        graphiql: bool = True,
        assets_available: bool = False,
        on_errors: Callable[[list[str]], None] | None = None,
    ) -> None:
        super().__init__(schema, graphql_ide="graphiql" if graphiql else None, allow_queries_via_get=True)
        self.context_factory = context_factory
        self.api_keys = [k.value.encode() for k in api_keys]
        self.assets_available = assets_available
        self.on_errors = on_errors

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, receive=receive)
        response = await self.handle(request)
        await response(scope, receive, send)

    async def handle(self, request: Request) -> Response:
        wants_html = request.method == "GET" and "text/html" in request.headers.get("accept", "")
        if wants_html and self.graphql_ide and "query" not in request.query_params:
            return await self.render_graphql_ide(request)
        media = negotiate(request.headers.get("accept"))
        if media is None:
            return Response(
                _error_body("Accept must allow application/graphql-response+json or application/json",
                            "NOT_ACCEPTABLE"),
                status_code=406, media_type=APPLICATION_JSON,
            )
        request.state.media_type = media
        if self.api_keys and not self._authorized(request):
            return Response(
                _error_body("missing or unknown API key: send `Authorization: Bearer <key>`", "UNAUTHENTICATED"),
                status_code=401, media_type=media, headers={"WWW-Authenticate": 'Bearer realm="graphql"'},
            )
        if request.method == "POST":
            content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if content_type != APPLICATION_JSON:
                return Response(
                    _error_body("POST bodies must be application/json", "UNSUPPORTED_MEDIA_TYPE"),
                    status_code=415, media_type=media,
                )
        try:
            return await self.run(request)
        except HTTPException as exc:
            status = exc.status_code
            headers = {}
            if status == 400 and request.method == "GET" and "operation" in exc.reason.lower():
                status, headers = 405, {"Allow": "POST"}  # mutations and subscriptions are POST-only
            elif status == 405:
                headers = {"Allow": "GET, POST"}
            return Response(
                _error_body(exc.reason, "BAD_REQUEST" if status == 400 else "METHOD_NOT_ALLOWED" if status == 405
                            else "HTTP_ERROR"),
                status_code=status, media_type=media, headers=headers,
            )

    def _authorized(self, request: Request) -> bool:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            return False
        supplied = token.strip().encode()
        return any(hmac.compare_digest(supplied, key) for key in self.api_keys)

    async def get_context(self, request: Request | Any, response: Response | Any) -> RequestScope:
        return self.context_factory(request)

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        data = process_result(result)
        errors = result.errors or []
        if self.on_errors and errors:
            self.on_errors([str((e.extensions or {}).get("code", "UNKNOWN")) for e in errors])
        if result.data is None and errors and all(_is_request_error(e) for e in errors):
            data.pop("data", None)  # a request error: the operation never executed
            request.state.request_error = True
        return data

    def encode_json(self, data: object) -> bytes:  # type: ignore[override]
        return orjson.dumps(data)

    async def run(  # type: ignore[override]
        self, request: Request, context: Any = UNSET, root_value: Any = UNSET
    ) -> Response:
        response: Response = await super().run(request, context, root_value)
        media = getattr(request.state, "media_type", APPLICATION_JSON)
        if response.media_type == APPLICATION_JSON or response.headers.get("content-type") == APPLICATION_JSON:
            response.headers["content-type"] = media
            if media == GRAPHQL_RESPONSE_JSON and getattr(request.state, "request_error", False):
                response.status_code = 400
        return response

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        html = self.graphql_ide_html
        if self.assets_available:
            html = UNPKG_ASSET.sub(lambda m: f"{ASSETS_PATH}{m.group(1)}/", html)
        return HTMLResponse(html)


def _is_request_error(error: GraphQLError) -> bool:
    """Parse, validation and variable errors have no path: nothing was executed."""
    return error.path is None
