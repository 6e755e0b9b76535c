"""What one HTTP request did, gathered while it runs, for its log line, its trace and its errors.

`RequestContextMiddleware` (the outermost layer, so it also covers answers that never reach
GraphQL execution) opens a `RequestInfo` per request and makes it `current()` for everything that
runs on the request's behalf: the GraphQL extension notes the operation, the provider hooks count
upstream attempts and cache lookups, the error policy stamps the request id on every error. The
request id is the caller's `X-Request-Id` when it is well-formed (letters, digits and `._:/+=-`, at
most 128 characters), otherwise a new one: a malformed id is dropped, never logged or echoed. The id
goes back in the `X-Request-Id` response header.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.extensions import SchemaExtension

from providers.http import CallOutcome

from .tracing import RequestSpan, Tracing

log = logging.getLogger("graphql_api.access")

REQUEST_ID_HEADER = "X-Request-Id"
MAX_REQUEST_ID_LENGTH = 128
REQUEST_ID = re.compile(rf"[A-Za-z0-9][A-Za-z0-9._:/+=-]{{0,{MAX_REQUEST_ID_LENGTH - 1}}}")
ERROR_EXTENSION = "xRequestId"
MAX_LOGGED_PATH = 200  # characters of the request path in the log line
# Scrapes and liveness probes: counted in /metrics, neither logged nor traced (they would drown the rest).
QUIET_PATHS = frozenset({"/metrics", "/healthz"})


@dataclass(slots=True)
class RequestInfo:
    request_id: str
    operation_name: str | None = None
    operation_type: str | None = None
    trace_id: str | None = None
    upstream_calls: int = 0  # provider attempts, retries included
    upstream_failures: int = 0
    upstream_by_provider: dict[str, int] = field(default_factory=dict)
    upstream_by_action: dict[tuple[str, str], int] = field(default_factory=dict)  # (provider, action)
    cache_hits: int = 0
    cache_misses: int = 0
    error_codes: list[str] = field(default_factory=list)

    def upstream_actions(self) -> dict[str, dict[str, int]]:
        """Provider attempts by provider and the provider's action name, for `extensions.upstreamCalls`."""
        out: dict[str, dict[str, int]] = {}
        for (provider, action), count in sorted(self.upstream_by_action.items()):
            out.setdefault(provider.upper(), {})[action] = count
        return out

    def fields(self) -> dict[str, Any]:
        """The facts for the log line, without empty ones."""
        found: dict[str, Any] = {
            "operationName": self.operation_name, "operationType": self.operation_type, "traceId": self.trace_id,
            "upstreamCalls": self.upstream_calls, "upstreamFailures": self.upstream_failures,
            "upstreamCallsByProvider": self.upstream_by_provider or None,
            "cacheHits": self.cache_hits, "cacheMisses": self.cache_misses, "errorCodes": self.error_codes or None,
        }
        return {k: v for k, v in found.items() if v is not None}


_current: ContextVar[RequestInfo | None] = ContextVar("cig_request", default=None)


def current() -> RequestInfo | None:
    """The request being served by this task, if any (None at startup and in background work)."""
    return _current.get()


def accepted_request_id(value: str | None) -> str | None:
    """The caller's request id when it is safe to log and echo, else None."""
    return value if value is not None and REQUEST_ID.fullmatch(value) else None


def with_request_id(extensions: dict[str, Any]) -> dict[str, Any]:
    """Error extensions plus `xRequestId` (the X-Request-Id answered; `requestId` is the provider's)."""
    info = _current.get()
    return extensions if info is None else {**extensions, ERROR_EXTENSION: info.request_id}


def new_request_id() -> str:
    """32 random hex digits, like `uuid4().hex` without building a UUID on every request."""
    return os.urandom(16).hex()


def note_upstream(outcome: CallOutcome) -> None:
    info = _current.get()
    if info is not None:
        info.upstream_calls += 1
        info.upstream_failures += outcome.outcome != "ok"
        info.upstream_by_provider[outcome.provider] = info.upstream_by_provider.get(outcome.provider, 0) + 1
        key = (outcome.provider, outcome.action)
        info.upstream_by_action[key] = info.upstream_by_action.get(key, 0) + 1


def note_cache(provider: str, action: str, hit: bool) -> None:
    info = _current.get()
    if info is not None:
        if hit:
            info.cache_hits += 1
        else:
            info.cache_misses += 1


def note_errors(codes: list[str]) -> None:
    info = _current.get()
    if info is not None:
        info.error_codes.extend(codes)


class OperationInfo(SchemaExtension):
    """Names the operation for the log line and the trace (no per-field work: one hook per operation)."""

    def on_execute(self) -> Iterator[None]:
        info = _current.get()
        if info is not None:
            context = self.execution_context
            info.operation_name = context.operation_name
            info.operation_type = context.operation_type.value
        yield


class RequestContextMiddleware:
    """Request id, request log line and (when tracing is on) the server span around every request."""

    def __init__(self, app: ASGIApp, tracing: Tracing | None = None) -> None:
        self.app = app
        self.tracing = tracing

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        supplied = headers.get(REQUEST_ID_HEADER)
        request_id = accepted_request_id(supplied)
        info = RequestInfo(request_id or new_request_id())
        token = _current.set(info)
        path: str = scope.get("path", "")
        quiet = path in QUIET_PATHS
        if supplied is not None and request_id is None:
            log.info("ignored a malformed %s header (%d characters); generated one", REQUEST_ID_HEADER, len(supplied))
        span: RequestSpan | None = None
        if self.tracing is not None and not quiet:
            span = self.tracing.start_request(scope["method"], path, headers)
            info.trace_id = span.trace_id
        status = 500  # unless the app starts a response

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = info.request_id
            await send(message)

        started = time.perf_counter()
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            if span is not None:
                span.finish(status, info)
            if not quiet:
                log_request(scope["method"], path, status, started, info)
            _current.reset(token)


def log_request(method: str, path: str, status: int, started: float, info: RequestInfo) -> None:
    """The request's log line (INFO), with `info` current so the formatter stamps its request id."""
    if not log.isEnabledFor(logging.INFO):  # the line's fields cost time on every request
        return
    duration_ms = round((time.perf_counter() - started) * 1000, 3)
    # The path is the client's text: escaped, so it cannot forge lines in the text log.
    shown = path[:MAX_LOGGED_PATH].encode("unicode_escape").decode("ascii")
    token = _current.set(info)
    try:
        log.info(
            "%s %s %d %.1fms", method, shown, status, duration_ms,
            extra={"fields": {
                "method": method, "path": shown, "status": status, "durationMs": duration_ms, **info.fields(),
            }},
        )
    finally:
        _current.reset(token)
