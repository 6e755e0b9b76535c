"""The ASGI app: Starlette routes around the GraphQL endpoint; services live in the lifespan."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from providers.base import ImageCatalog
from providers.errors import ProviderError

from . import settings as settings_module
from .context import Context, build_context
from .endpoint import GraphQLEndpoint
from .graphiql import ASSETS_PATH
from .metrics import Metrics
from .schema import build_schema
from .services import Services, running
from .settings import Settings

log = logging.getLogger("graphql_api")

READY_TIMEOUT_SECONDS = 5.0


class _RequestMetrics:
    """Counts HTTP requests by route and status."""

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
            path = scope.get("path", "")
            route = path if path in ("/graphql", "/healthz", "/readyz", "/metrics") else "other"
            self.metrics.http_requests.labels(route, str(status["code"])).inc()


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or settings_module.load()
    metrics = Metrics()
    state: dict[str, Services] = {}
    schema = build_schema(max_depth=settings.max_query_depth, max_aliases=settings.max_aliases)

    def context_for(request: Request) -> Context:
        services = state["services"]
        return build_context(services.catalogs, services.limits, request)

    def count_errors(codes: list[str]) -> None:
        for code in codes:
            metrics.graphql_errors.labels(code).inc()

    assets = settings.graphiql_assets_dir
    endpoint = GraphQLEndpoint(
        schema, context_factory=context_for, api_keys=settings.api_keys, graphiql=settings.graphiql,
        assets_available=assets is not None, on_errors=count_errors,
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
        status = "ok" if healthy == len(results) else "degraded" if healthy else "unavailable"
        body = {"status": status, "demo": services.demo, "providers": providers}
        return JSONResponse(body, status_code=200 if healthy else 503)

    async def metrics_route(request: Request) -> Response:
        return Response(metrics.render(), media_type="text/plain; version=0.0.4; charset=utf-8")

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with running(settings, metrics) as services:
            state["services"] = services
            app.state.services = services
            yield

    routes: list[BaseRoute] = [
        Route("/graphql", endpoint),  # every method reaches the endpoint: it answers 405 in JSON
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", metrics_route, methods=["GET"]),
    ]
    if assets is not None:
        routes.append(Mount(ASSETS_PATH.rstrip("/"), StaticFiles(directory=assets), name="graphiql-assets"))
    app = Starlette(routes=routes, lifespan=lifespan)
    app.add_middleware(_RequestMetrics, metrics=metrics)
    return app
