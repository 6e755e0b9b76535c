"""`/graphql` per the GraphQL-over-HTTP specification, on top of `strawberry.asgi.GraphQL`.

- Media types: `application/graphql-response+json` (preferred) and `application/json`, negotiated
  from `Accept`; a request accepting neither gets 406. Without `Accept`, `application/json`.
- With `application/graphql-response+json`, a request error (unparseable JSON, no query, a document
  that does not parse or validate, bad variables) is answered 4xx without a `data` entry; a
  well-formed request that executed is 200, also when fields failed.
- With `application/json`, every well-formed request is 200; malformed HTTP requests are 4xx.
- A document naming no runnable operation (an unknown `operationName`, or several operations and no
  name) is a request error like a validation failure: 200 under `application/json`, 400 under
  `application/graphql-response+json`, without `data`, code GRAPHQL_VALIDATION_FAILED.
- POST bodies must be `application/json` (415 otherwise); GET carries the query in the URL and runs
  queries only: a mutation over GET is refused before execution with 405 and `Allow: POST`. Other
  methods get 405 with `Allow: GET, POST`.
- Every error body is JSON with `errors[].extensions.code`, never plain text; an unexpected exception
  in the endpoint is logged with its traceback and answered 500 `INTERNAL_SERVER_ERROR`.
- A browser asking for HTML gets GraphiQL (`graphql_api.graphiql`), offline when a local copy is installed.
- With the response cache (graphql_api.response_cache), a request the front could not answer is looked
  up once more by its canonical key after parsing; a miss executes and offers its answer to the cache.
  GET answers then carry `ETag` and `Cache-Control: max-age` (stored) or `no-store` (never stored), and
  a matching `If-None-Match` gets 304.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

import orjson
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData, process_result
from strawberry.schema import BaseSchema
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.unset import UNSET

from providers.cache import freshness
from resolvers.errors import INTERNAL_SERVER_ERROR
from resolvers.loaders import RequestScope

from .errors import GRAPHQL_VALIDATION_FAILED, classify, new_error_id, stamped
from .graphiql import Assets, render_page
from .limits import RequestLimits, RequestRefused, check_request, decode_json
from .request_context import with_request_id
from .response_cache import PENDING, Pending, ResponseCache, etag_matches
from .response_store import Entry

log = logging.getLogger("graphql_api.endpoint")

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
APPLICATION_JSON = "application/json"
MEDIA_CACHE_SIZE = 64  # distinct Accept headers whose negotiation is remembered (least recently used out)


@functools.lru_cache(maxsize=MEDIA_CACHE_SIZE)  # clients send a few Accept headers, again and again
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
    return orjson.dumps({"errors": [{"message": message, "extensions": with_request_id({"code": code})}]})


def _error_response(
    status: int, message: str, code: str, media: str, headers: dict[str, str] | None = None
) -> Response:
    return Response(_error_body(message, code), status_code=status, media_type=media, headers=headers)


NO_ASSETS = Assets(None, "no local copy configured")
HTTP_ERROR_CODES = {400: "BAD_REQUEST", 405: "METHOD_NOT_ALLOWED"}


class _CachedAnswer(Exception):
    """Not an error: carries a response cache hit out of Strawberry's request flow, past execution."""

    def __init__(self, entry: Entry) -> None:
        self.entry = entry


class GraphQLEndpoint(GraphQL[RequestScope, None]):
    def __init__(
        self,
        schema: BaseSchema,
        *,
        context_factory: Callable[[Request], RequestScope],
        graphiql: bool = True,
        graphiql_assets: Assets = NO_ASSETS,
        on_errors: Callable[[list[str]], None] | None = None,
        limits: RequestLimits | None = None,
        response_cache: ResponseCache | None = None,
    ) -> None:
        super().__init__(schema, graphql_ide="graphiql" if graphiql else None, allow_queries_via_get=True)
        self.context_factory = context_factory
        self.graphiql_html = render_page(self.graphql_ide_html, graphiql_assets) if graphiql else ""
        self.on_errors = on_errors
        self.limits = limits
        self.response_cache = response_cache

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, receive=receive)
        try:
            response = await self.handle(request)
        except Exception:
            # Nothing has been sent yet: answer in JSON like every other error, details in the log only.
            error_id = new_error_id()
            log.exception("unhandled error answering %s %s (errorId=%s)", request.method, request.url.path, error_id,
                          extra={"fields": {"errorId": error_id}})
            response = Response(orjson.dumps({"errors": [{
                "message": f"Internal server error (error id {error_id})",
                "extensions": with_request_id({"code": INTERNAL_SERVER_ERROR, "errorId": error_id}),
            }]}), status_code=500, media_type=APPLICATION_JSON)
        await response(scope, receive, send)

    async def handle(self, request: Request) -> Response:
        wants_html = request.method == "GET" and "text/html" in request.headers.get("accept", "")
        if wants_html and self.graphql_ide and "query" not in request.query_params:
            return await self.render_graphql_ide(request)
        media = negotiate(request.headers.get("accept"))
        if media is None:
            return _error_response(
                406, "Accept must allow application/graphql-response+json or application/json", "NOT_ACCEPTABLE",
                APPLICATION_JSON,
            )
        request.state.media_type = media
        if request.method == "POST":
            content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if content_type != APPLICATION_JSON:
                return _error_response(415, "POST bodies must be application/json", "UNSUPPORTED_MEDIA_TYPE", media)
        try:
            return await self.run(request)
        except HTTPException as exc:
            return self._http_error(request, exc, media)

    def _http_error(self, request: Request, exc: HTTPException, media: str) -> Response:
        """Strawberry's HTTPException as a JSON error; the cause tells request errors from HTTP ones."""
        if isinstance(exc, RequestRefused):
            return _error_response(exc.status_code, exc.reason, exc.code, media)
        cause = exc.__cause__
        if isinstance(cause, InvalidOperationTypeError) and request.method == "GET":
            # GraphQL-over-HTTP: a mutation (or subscription) over GET MUST be answered 405; POST runs it.
            return _error_response(405, exc.reason, "METHOD_NOT_ALLOWED", media, headers={"Allow": "POST"})
        if isinstance(cause, CannotGetOperationTypeError):
            # The document names no runnable operation: a GraphQL request error, not a malformed request.
            if self.on_errors:
                self.on_errors([GRAPHQL_VALIDATION_FAILED])
            status = 400 if media == GRAPHQL_RESPONSE_JSON else 200
            return _error_response(status, exc.reason, GRAPHQL_VALIDATION_FAILED, media)
        headers = {"Allow": "GET, POST"} if exc.status_code == 405 else None
        code = HTTP_ERROR_CODES.get(exc.status_code, "HTTP_ERROR")
        return _error_response(exc.status_code, exc.reason, code, media, headers=headers)

    async def get_context(self, request: Request | Any, response: Response | Any) -> RequestScope:
        return self.context_factory(request)

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        # Errors raised before execution (by an extension) skip the error policy: apply it here too.
        result.errors = [stamped(classify(e)) for e in result.errors] if result.errors else result.errors
        data = process_result(result)
        errors = result.errors or []
        request.state.had_errors = bool(errors)
        if self.on_errors and errors:
            self.on_errors([str((e.extensions or {}).get("code", "UNKNOWN")) for e in errors])
        if result.data is None and errors and all(_is_request_error(e) for e in errors):
            data.pop("data", None)  # a request error: the operation never executed
            request.state.request_error = True
        return data

    async def parse_http_body(self, request: AsyncHTTPRequestAdapter) -> GraphQLRequestData | list[GraphQLRequestData]:
        """Strawberry's parsing, plus the one parameter check it lacks: a non-string `operationName`
        makes the request malformed (400 under either media type), not an unknown operation."""
        data = await super().parse_http_body(request)
        if isinstance(data, GraphQLRequestData) and not isinstance(data.operation_name, str | None):
            raise HTTPException(400, "The GraphQL operation's `operationName` must be a string or null, if provided.")
        return data

    def parse_json(self, data: str | bytes) -> Any:
        """A POST body: decoded and checked like GET parameters (`graphql_api.limits`)."""
        return self._checked(decode_json(data))

    def parse_query_params(self, params: Any) -> dict[str, Any]:
        """GET parameters: `variables` and `extensions` decoded as JSON, then checked like a POST body."""
        found: dict[str, Any] = dict(params)
        for name in ("variables", "extensions"):
            if found.get(name):
                found[name] = decode_json(found[name], f"`{name}` parameter")
        checked: dict[str, Any] = self._checked(found)
        return checked

    def _checked(self, data: Any) -> Any:
        return check_request(data, self.limits) if self.limits is not None else data

    async def execute_operation(
        self, request: Request, request_adapter: AsyncHTTPRequestAdapter,
        request_data: GraphQLRequestData | list[GraphQLRequestData], context: RequestScope, root_value: Any,
        sub_response: Response,
    ) -> Any:
        """Strawberry's execution, unless the parsed request is found in the response cache."""
        pending = request.scope.get(PENDING)
        if pending is not None and self.response_cache is not None:
            if isinstance(request_data, list):
                self.response_cache.bypasses.inc()
            elif (entry := await self.response_cache.lookup(pending, request_data)) is not None:
                raise _CachedAnswer(entry)
        return await super().execute_operation(
            request=request, request_adapter=request_adapter, request_data=request_data, context=context,
            root_value=root_value, sub_response=sub_response,
        )

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    async def run(  # type: ignore[override]
        self, request: Request, context: Any = UNSET, root_value: Any = UNSET
    ) -> Response:
        pending: Pending | None = request.scope.get(PENDING)
        cache = self.response_cache
        # Every request observes, so the provider answers it fetches are stamped for later lookups too.
        observing = freshness.set(pending.observe if pending else _unobserved) if cache else None
        try:
            response: Response = await super().run(request, context, root_value)
        except _CachedAnswer as hit:
            return self._answer(pending, hit.entry)
        finally:
            if observing is not None:
                freshness.reset(observing)
        media = getattr(request.state, "media_type", APPLICATION_JSON)
        if response.media_type == APPLICATION_JSON or response.headers.get("content-type") == APPLICATION_JSON:
            response.headers["content-type"] = media
            if media == GRAPHQL_RESPONSE_JSON and getattr(request.state, "request_error", False):
                response.status_code = 400
        if pending is None or cache is None:
            return response
        if getattr(request.state, "unrepeatable", False):
            # A dry run's plan, or an answer reporting this request's own provider calls: never replayed.
            if pending.method == "GET":
                response.headers["cache-control"] = "no-store"
            return response
        body = getattr(response, "body", None)
        entry = await cache.offer(
            pending, body, status=response.status_code, errors=getattr(request.state, "had_errors", True)
        ) if isinstance(body, bytes) and not response.background else None
        if entry is not None:
            return self._answer(pending, entry)
        if pending.method == "GET":
            response.headers["cache-control"] = "no-store"
        return response

    def _answer(self, pending: Pending | None, entry: Entry) -> Response:
        """A stored answer as sent; for GET with its HTTP caching headers, or 304 when the client has it."""
        response = Response(entry.body, media_type=entry.media)
        if pending is None or pending.method != "GET" or self.response_cache is None:
            return response
        headers = self.response_cache.http_headers(entry, pending.client)
        if etag_matches(pending.if_none_match, entry.etag.encode()):
            response = Response(status_code=304)
        response.headers.update({name.decode(): value.decode() for name, value in headers})
        return response

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        return HTMLResponse(self.graphiql_html)


def _unobserved(until: float) -> None:
    """The freshness observer of a request whose answer will not be stored (e.g. `Cache-Control: no-cache`)."""


def _is_request_error(error: GraphQLError) -> bool:
    """Parse, validation and variable errors have no path: nothing was executed."""
    return error.path is None
