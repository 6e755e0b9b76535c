"""A local OTLP/HTTP trace receiver: an aiohttp app on loopback decoding the protobuf exports, as a
collector would. Used by the tracing tests and the tracing benchmark."""

from __future__ import annotations

import gzip
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from aiohttp import web
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.trace.v1.trace_pb2 import Span

from tests.support import serve


@dataclass
class Received:
    spans: list[Span] = field(default_factory=list)

    def of_trace(self, trace_id: str) -> list[Span]:
        return [s for s in self.spans if s.trace_id.hex() == trace_id]


@asynccontextmanager
async def otlp_receiver() -> AsyncIterator[tuple[str, Received]]:
    """Yields the traces endpoint URL (`.../v1/traces`) and what it received so far."""
    received = Received()

    async def traces(request: web.Request) -> web.Response:
        body = await request.read()
        if request.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        export = ExportTraceServiceRequest.FromString(body)
        for resource_spans in export.resource_spans:
            for scope_spans in resource_spans.scope_spans:
                received.spans.extend(scope_spans.spans)
        answer = ExportTraceServiceResponse().SerializeToString()
        return web.Response(body=answer, content_type="application/x-protobuf")

    app = web.Application()
    app.router.add_post("/v1/traces", traces)
    async with serve(app) as url:
        yield url + "/v1/traces", received
