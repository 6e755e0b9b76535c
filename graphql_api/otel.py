"""The OpenTelemetry SDK behind `graphql_api.tracing` (imported only when tracing is on).

Spans:

- `query <operationName>` (SERVER), one per HTTP request: the caller's W3C `traceparent` (and
  `tracestate`) is its parent, a malformed one is ignored and the span starts a new trace.
  Attributes: `http.request.method`, `http.route`, `http.response.status_code`,
  `graphql.operation.name`, `graphql.operation.type`, `cig.request_id`, `cig.upstream.calls`,
  `cig.cache.hits`, `cig.cache.misses`, `cig.graphql.error_codes`.
- `<provider> <action>` (CLIENT), a child per provider attempt: `cig.provider`, `cig.action`,
  `cig.location`, `cig.attempt`, `cig.outcome` (`ok` or the error class), `cig.cache.hit` false,
  `http.response.status_code`; status ERROR when the attempt failed. The transport reports an
  attempt when it ends, with its duration, so the span is written then with its real start time:
  the transport needs no tracing code of its own.
- `<provider> <action>` (CLIENT), a child per cross-request cache hit, `cig.cache.hit` true: the
  provider call the cache saved.

Every provider request carries the trace context on (`traceparent`, parent: the operation's span,
since the attempt's own span is written when the attempt ends).

Spans leave through a `BatchSpanProcessor` (its `OTEL_BSP_*` variables apply) to the OTLP/HTTP
exporter (`OTEL_EXPORTER_OTLP_*`) or the console. `service.name` defaults to `cloud-images-graphql`
unless `OTEL_SERVICE_NAME` or `OTEL_RESOURCE_ATTRIBUTES` names it.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import SERVICE_NAME, SERVICE_VERSION, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter
from opentelemetry.trace import Span, SpanKind, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from providers.http import CallOutcome

from .request_context import RequestInfo

SERVICE = "cloud-images-graphql"
ROUTES = frozenset({"/graphql", "/readyz"})  # the rest share the name of their method alone
INSTRUMENTATION = "graphql_api"


@dataclass(slots=True)
class OtelRequestSpan:
    span: Span
    token: object
    trace_id: str

    def finish(self, status: int, info: RequestInfo) -> None:
        span = self.span
        if info.operation_type:
            span.update_name(f"{info.operation_type} {info.operation_name}" if info.operation_name
                             else info.operation_type)
            span.set_attribute("graphql.operation.type", info.operation_type)
        if info.operation_name:
            span.set_attribute("graphql.operation.name", info.operation_name)
        span.set_attributes({
            "http.response.status_code": status, "cig.request_id": info.request_id,
            "cig.upstream.calls": info.upstream_calls, "cig.cache.hits": info.cache_hits,
            "cig.cache.misses": info.cache_misses,
        })
        if info.error_codes:
            span.set_attribute("cig.graphql.error_codes", sorted(set(info.error_codes)))
        if status >= 500:
            span.set_status(Status(StatusCode.ERROR))
        span.end()
        otel_context.detach(self.token)  # type: ignore[arg-type]


class OtelTracing:
    def __init__(self, provider: TracerProvider) -> None:
        self.provider = provider
        self.tracer = provider.get_tracer(INSTRUMENTATION)
        self.propagator = TraceContextTextMapPropagator()

    @classmethod
    def create(cls, exporters: Sequence[str], *, service_version: str) -> OtelTracing:
        resource = Resource.create()
        if str(resource.attributes.get(SERVICE_NAME, "")).startswith("unknown_service"):
            resource = resource.merge(Resource({SERVICE_NAME: SERVICE}))
        resource = resource.merge(Resource({SERVICE_VERSION: service_version}))
        provider = TracerProvider(resource=resource)  # the sampler comes from OTEL_TRACES_SAMPLER
        for name in exporters:
            exporter: SpanExporter = OTLPSpanExporter() if name == "otlp" else ConsoleSpanExporter()
            provider.add_span_processor(BatchSpanProcessor(exporter))
        return cls(provider)

    def start_request(self, method: str, path: str, headers: Mapping[str, str]) -> OtelRequestSpan:
        parent = self.propagator.extract(headers)
        attributes: dict[str, str] = {"http.request.method": method}
        name = method
        if path in ROUTES:
            attributes["http.route"] = path
            name = f"{method} {path}"
        span = self.tracer.start_span(name, context=parent, kind=SpanKind.SERVER, attributes=attributes)
        token = otel_context.attach(trace.set_span_in_context(span, parent))
        return OtelRequestSpan(span, token, trace.format_trace_id(span.get_span_context().trace_id))

    def record_attempt(self, outcome: CallOutcome) -> None:
        ended = time.time_ns()
        attributes: dict[str, str | int | bool] = {
            "cig.provider": outcome.provider, "cig.action": outcome.action, "cig.attempt": outcome.attempt,
            "cig.outcome": outcome.outcome, "cig.cache.hit": False,
        }
        if outcome.location:
            attributes["cig.location"] = outcome.location
        if outcome.status is not None:
            attributes["http.response.status_code"] = outcome.status
        span = self.tracer.start_span(
            f"{outcome.provider} {outcome.action}", kind=SpanKind.CLIENT, attributes=attributes,
            start_time=ended - int(outcome.seconds * 1e9),
        )
        if outcome.outcome != "ok":
            span.set_status(Status(StatusCode.ERROR, outcome.outcome))
        span.end(end_time=ended)

    def record_cache(self, provider: str, action: str, hit: bool) -> None:
        if hit:
            self.tracer.start_span(
                f"{provider} {action}", kind=SpanKind.CLIENT,
                attributes={"cig.provider": provider, "cig.action": action, "cig.cache.hit": True},
            ).end()

    def inject(self, headers: dict[str, str]) -> None:
        """The current trace context (the operation's span) as `traceparent`/`tracestate`."""
        self.propagator.inject(headers)

    def shutdown(self) -> None:
        self.provider.shutdown()  # exports what is still queued
