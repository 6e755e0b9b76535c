"""The ASGI app: Starlette routes around the GraphQL endpoint; services live in the lifespan."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from functools import partial
from importlib import metadata

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send
from strawberry.http.ides import get_graphql_ide_html

from providers.base import ImageCatalog
from providers.breaker import CircuitState
from providers.errors import ProviderError
from providers.http import CallOutcome

from . import request_context
from . import settings as settings_module
from .api_keys import ApiKeys
from .context import Context, build_context
from .cors import CORSMiddleware, CorsPolicy
from .endpoint import GraphQLEndpoint, negotiate
from .execution import ExecutionMode
from .front import Front, RateLimit
from .graphiql import ASSETS_PATH, find_assets
from .hit_path import HitPath
from .limits import RequestLimits
from .metrics import Metrics
from .request_context import RequestContextMiddleware
from .response_cache import RequestLookup, ResponseCache, ResponseCacheFront
from .schema import build_schema
from .services import Services, running
from .settings import Settings
from .tracing import from_environment

log = logging.getLogger("graphql_api")

READY_TIMEOUT_SECONDS = 5.0


class _RequestMetrics:
    """The request counter around every request (500 when the app sent no response)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = {"code": 500}

        async def send_wrapper(message: dict) -> None:  # type: ignore[type-arg]
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)  # type: ignore[arg-type]
        finally:
            self.metrics.count_request(scope.get("path", ""), status["code"])


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or settings_module.load()
    metrics = Metrics()
    state: dict[str, Services] = {}
    schema = build_schema(
        max_depth=settings.max_query_depth, max_aliases=settings.max_aliases, max_tokens=settings.max_tokens,
        max_fragments=settings.max_fragments, max_directives=settings.max_directives,
        introspection=settings.introspection, field_suggestions=settings.field_suggestions,
        max_upstream_calls=settings.max_upstream_calls, report_upstream_calls=settings.report_upstream_calls,
        plan_operations=True, execution=ExecutionMode(settings.compiled_execution), observer=metrics,
    )

    def context_for(request: Request) -> Context:
        services = state["services"]
        return build_context(services.catalogs, services.limits, request, services.trust)

    def count_errors(codes: list[str]) -> None:
        request_context.note_errors(codes)
        for code in codes:
            metrics.graphql_errors.labels(code).inc()

    tracing = from_environment(os.environ, service_version=_version())

    def observe_upstream(outcome: CallOutcome) -> None:
        metrics.observe_upstream(outcome)
        request_context.note_upstream(outcome)
        if tracing is not None:
            tracing.record_attempt(outcome)

    def observe_cache(provider: str, action: str, hit: bool) -> None:
        metrics.observe_cache(provider, action, hit)
        request_context.note_cache(provider, action, hit)
        if tracing is not None:
            tracing.record_cache(provider, action, hit)

    assets = find_assets(settings.graphiql_assets_dir, get_graphql_ide_html(graphql_ide="graphiql"))
    if settings.graphiql:
        if assets.directory is not None:
            log.info("GraphiQL: serving its JavaScript from %s (works offline)", assets.directory)
        else:
            log.warning("GraphiQL: no local copy of its JavaScript (%s); the page loads it from unpkg.com, "
                        "which needs internet access. Install it with `npm ci` in graphiql/ "
                        "(python3 dev.py serve does this when npm is available)", assets.problem)
    api_keys = ApiKeys(settings.api_keys)
    # Entries never outlive the provider answers they were built from: no provider cache, no response cache.
    response_cache = ResponseCache(
        settings.response_cache, default_ttl=settings.cache_ttl, api_keys=api_keys, metrics=metrics
    ) if settings.response_cache.enabled and settings.cache_ttl > 0 else None
    endpoint = GraphQLEndpoint(
        schema, context_factory=context_for, graphiql=settings.graphiql,
        graphiql_assets=assets, on_errors=count_errors, limits=request_limits(settings),
        response_cache=response_cache,
    )

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> Response:
        services = state["services"]

        async def probe(catalog: ImageCatalog) -> str:
            """The provider's own cheapest signed call; it bypasses the cache, so an outage shows at once."""
            try:
                await asyncio.wait_for(catalog.probe(), READY_TIMEOUT_SECONDS)
            except (ProviderError, TimeoutError) as exc:
                return f"unavailable ({type(exc).__name__})"
            return "ok"

        names = [p.name for p in services.catalogs]
        results = await asyncio.gather(*(probe(c) for c in services.catalogs.values()))
        providers = dict(zip(names, results, strict=True))
        healthy = sum(r == "ok" for r in results)
        # Circuits that are not closed: those locations are skipped (or probed) instead of called.
        circuits = {
            f"{provider.upper()}/{location or '-'}": state.value
            for (provider, location), state in sorted(services.breakers.states().items(), key=str)
            if state is not CircuitState.CLOSED
        }
        status = "ok" if healthy == len(results) and not circuits else "degraded" if healthy else "unavailable"
        body: dict[str, object] = {"status": status, "demo": services.demo, "providers": providers}
        if circuits:
            body["circuits"] = circuits
        return JSONResponse(body, status_code=200 if healthy else 503)

    async def metrics_route(request: Request) -> Response:
        metrics.observe_circuits(state["services"].breakers.states())
        return Response(metrics.render(), media_type="text/plain; version=0.0.4; charset=utf-8")

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            async with running(
                settings, metrics, observe=observe_upstream, on_lookup=observe_cache,
                propagate=tracing.inject if tracing is not None else None,
            ) as services:
                state["services"] = services
                app.state.services = services
                if response_cache is None:
                    yield
                    return
                used = services.settings
                response_cache.open(used.response_cache.url or used.cache_url, (  # what changes the answers
                    schema.as_str(), services.limits, used.max_query_depth, used.max_aliases,
                    used.introspection, used.field_suggestions, used.max_upstream_calls, used.max_tokens,
                    used.max_fragments, used.max_directives,
                    sorted((p.value, repr(section)) for p, section in used.providers.items()),  # secrets masked
                    sorted((p.value, c.account_key) for p, c in services.catalogs.items()),
                ))
                try:
                    yield
                finally:
                    await response_cache.close()
        finally:
            if tracing is not None:
                tracing.shutdown()  # flushes the spans still queued

    routes: list[BaseRoute] = [
        Route("/graphql", endpoint),  # every method reaches the endpoint: it answers 405 in JSON
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", metrics_route, methods=["GET"]),
    ]
    if settings.graphiql and assets.directory is not None:
        routes.append(Mount(ASSETS_PATH.rstrip("/"), StaticFiles(directory=assets.directory), name="graphiql-assets"))
    api_rate = RateLimit(api_keys, settings.rate_limit, settings.rate_burst)
    cors = CorsPolicy(settings.cors_origins) if settings.cors_origins else None
    lookup = RequestLookup(response_cache, negotiate) if response_cache is not None else None
    app = ServiceApp(routes=routes, lifespan=lifespan)
    if lookup is not None and tracing is None and settings.response_cache.hit_path:
        app.hit_path = partial(
            HitPath, lookup=lookup, rate=api_rate, cors=cors, metrics=metrics,
            max_url_bytes=settings.max_url_bytes, max_body_bytes=settings.max_body_bytes,
        )
    # Outermost last: the request id, log line and span cover everything, answers from caches included.
    # The response cache's front is innermost: a hit skips routing, the endpoint and Strawberry, and still
    # gets CORS headers, its count in /metrics, a request id and a log line (the hit path, ahead of all
    # of them, does that work itself).
    if lookup is not None:
        app.add_middleware(ResponseCacheFront, lookup=lookup)
    # Outside the response cache (no hit without a key, within the rate, under the size limits), inside
    # CORS (its refusals carry CORS headers, preflights are answered before it).
    app.add_middleware(
        Front, api_keys=api_keys, rate=api_rate, max_url_bytes=settings.max_url_bytes,
        max_body_bytes=settings.max_body_bytes,
    )
    if cors is not None:
        app.add_middleware(CORSMiddleware, policy=cors)
    app.add_middleware(_RequestMetrics, metrics=metrics)
    app.add_middleware(RequestContextMiddleware, tracing=tracing)
    return app


class ServiceApp(Starlette):
    """Starlette, with the response cache's hit path (graphql_api.hit_path) ahead of its whole stack."""

    hit_path: Callable[[ASGIApp], ASGIApp] | None = None

    def build_middleware_stack(self) -> ASGIApp:
        stack = super().build_middleware_stack()
        return stack if self.hit_path is None else self.hit_path(stack)


def request_limits(settings: Settings) -> RequestLimits:
    return RequestLimits(
        max_body_bytes=settings.max_body_bytes, max_url_bytes=settings.max_url_bytes,
        max_document_bytes=settings.max_document_bytes, max_variables_bytes=settings.max_variables_bytes,
        max_json_depth=settings.max_json_depth, max_list_items=settings.max_list_items,
    )


def _version() -> str:
    try:
        return metadata.version("cloud-images-graphql")
    except metadata.PackageNotFoundError:
        return "unknown"
