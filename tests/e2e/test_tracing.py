"""OpenTelemetry tracing end to end: the service's OTLP/HTTP exporter talks to a real receiver.

The receiver (tests/otlp_receiver.py) is an aiohttp app on loopback that decodes the protobuf
export requests, as a collector would. Tracing is configured only by the standard OTEL_* variables. The spans are read
after the stack stops (its lifespan flushes the batch processor).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from opentelemetry.proto.trace.v1.trace_pb2 import Span

from graphql_api.app import create_app
from graphql_api.tracing import exporter_names
from providers.emulation import CallCounter, Faults
from providers.jdcloud import emulator as jd_emulator
from providers.zenlayer import emulator as zen_emulator
from tests.otlp_receiver import otlp_receiver
from tests.support import emulated, serve

from .harness import Stack, running_stack, serve_asgi, stack_settings

ENTITIES = """query ImagesForDeployments($representations: [_Any!]!) {
  _entities(representations: $representations) { ... on Image { id name } }
}"""
IDS = "{ zen: images(first: 2, filter: { providers: [ZENLAYER] }) { edges { node { id } } } " \
      "jd: images(first: 2, filter: { providers: [JDCLOUD] }) { edges { node { id } } } }"


def attributes(span: Span) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for kv in span.attributes:
        kind = kv.value.WhichOneof("value")
        value = getattr(kv.value, kind)
        values[kv.key] = list(v.string_value for v in value.values) if kind == "array_value" else value
    return values


@pytest.fixture
def traced(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("OTEL_SDK_DISABLED", "OTEL_TRACES_EXPORTER", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_TRACES_SAMPLER"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OTEL_BSP_SCHEDULE_DELAY", "50")
    monkeypatch.setenv("OTEL_SERVICE_NAME", "images-subgraph")
    yield


def traceparent() -> tuple[str, str, str]:
    trace_id, span_id = secrets.token_hex(16), secrets.token_hex(8)
    return f"00-{trace_id}-{span_id}-01", trace_id, span_id


async def representations(stack: Stack) -> list[dict[str, str]]:
    body = await stack.graphql(IDS)
    ids = [edge["node"]["id"] for alias in ("zen", "jd") for edge in body["data"][alias]["edges"]]
    return [{"__typename": "Image", "id": image_id} for image_id in ids]


async def test_a_router_request_is_one_trace_with_a_child_per_provider_call(
    traced: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with otlp_receiver() as (receiver_url, received):
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", receiver_url)
        header, trace_id, caller_span = traceparent()
        async with running_stack(cache_ttl=0) as stack:
            refs = await representations(stack)
            stack.reset_calls()
            body = await stack.graphql(ENTITIES, {"representations": refs}, traceparent=header)
            calls = stack.calls
        assert "errors" not in body and len(body["data"]["_entities"]) == 4, body

    spans = received.of_trace(trace_id)
    servers = [s for s in spans if s.kind == Span.SPAN_KIND_SERVER]
    assert len(servers) == 1, [s.name for s in spans]
    operation = servers[0]
    assert operation.parent_span_id.hex() == caller_span  # the router's span is the parent
    assert operation.name == "query ImagesForDeployments"
    assert attributes(operation)["graphql.operation.name"] == "ImagesForDeployments"
    assert attributes(operation)["http.response.status_code"] == 200
    assert attributes(operation)["cig.upstream.calls"] == calls

    children = [s for s in spans if s is not operation]
    assert calls == 2  # one describe per provider and location: the batch is one call each
    assert len(children) == calls  # one child per provider call, nothing per field or entity
    assert all(s.parent_span_id == operation.span_id and s.kind == Span.SPAN_KIND_CLIENT for s in children)
    seen = {(attributes(s)["cig.provider"], attributes(s)["cig.action"]) for s in children}
    assert seen == {("zenlayer", "DescribeImages"), ("jdcloud", "describeImages")}
    for child in children:
        facts = attributes(child)
        assert facts["cig.attempt"] == 1 and facts["cig.outcome"] == "ok" and facts["cig.cache.hit"] is False
        assert facts["cig.location"] and facts["http.response.status_code"] == 200
        assert operation.start_time_unix_nano <= child.start_time_unix_nano <= child.end_time_unix_nano
        assert child.end_time_unix_nano <= operation.end_time_unix_nano

    # The id-gathering query without a traceparent started a trace of its own.
    others = [s for s in received.spans if s.kind == Span.SPAN_KIND_SERVER and s.trace_id.hex() != trace_id]
    assert len(others) == 1 and not others[0].parent_span_id


async def test_retries_and_cache_hits_are_spans_with_their_outcome(
    traced: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    query = "query OneZone { images(first: 3, filter: { locations: [\"asia-east-1a\"] }) { totalCount } }"
    async with otlp_receiver() as (receiver_url, received):
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", receiver_url)
        first, first_trace, _ = traceparent()
        second, second_trace, _ = traceparent()
        async with running_stack() as stack:
            stack.zenlayer.faults.queue("error")  # the first attempt fails, the retry answers
            assert "errors" not in await stack.graphql(query, traceparent=first)
            # no-cache: past the response cache, so the provider cache's hits show as spans
            assert "errors" not in await stack.graphql(query, traceparent=second, **{"Cache-Control": "no-cache"})

    spans = sorted(received.of_trace(first_trace), key=lambda s: s.start_time_unix_nano)
    attempts = [attributes(s) for s in spans if s.kind == Span.SPAN_KIND_CLIENT]
    assert [(a["cig.action"], a["cig.attempt"], a["cig.outcome"]) for a in attempts] == [
        ("DescribeZones", 1, "UnavailableError"), ("DescribeZones", 2, "ok"), ("DescribeImages", 1, "ok"),
    ]
    failed = next(s for s in spans if attributes(s).get("cig.outcome") == "UnavailableError")
    assert failed.status.code == failed.status.STATUS_CODE_ERROR
    # Served from the cache: no attempt, a span per call the cache saved.
    hits = [attributes(s) for s in received.of_trace(second_trace) if s.kind == Span.SPAN_KIND_CLIENT]
    assert all(h["cig.cache.hit"] is True and "cig.attempt" not in h for h in hits), hits
    assert {(h["cig.provider"], h["cig.action"]) for h in hits} == {
        ("zenlayer", "images"), ("zenlayer", "locations"), ("jdcloud", "locations"),
    }


async def test_a_malformed_traceparent_starts_a_new_trace(traced: None, monkeypatch: pytest.MonkeyPatch) -> None:
    async with otlp_receiver() as (receiver_url, received):
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", receiver_url)
        async with running_stack() as stack:
            body = await stack.graphql("{ locations { id } }", traceparent="00-not-a-trace-id-01")
        assert "errors" not in body
    (server,) = [s for s in received.spans if s.kind == Span.SPAN_KIND_SERVER]
    assert not server.parent_span_id and len(server.trace_id) == 16


async def test_provider_requests_carry_the_trace_on(traced: None, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str | None] = []

    @web.middleware
    async def record(request: web.Request, handler: Any) -> web.StreamResponse:
        seen.append(request.headers.get("traceparent"))
        return await handler(request)

    zenlayer = zen_emulator.create_app(faults=Faults(), counter=CallCounter())
    zenlayer.middlewares.append(record)  # what the provider receives, signature checks included
    async with (
        otlp_receiver() as (receiver_url, received),
        serve(zenlayer) as zen_url,
        emulated(jd_emulator.create_app) as jdcloud,
    ):
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", receiver_url)
        header, trace_id, _ = traceparent()
        settings = stack_settings({"zenlayer": zen_url, "jdcloud": jdcloud.url}, cache_ttl=0)
        async with serve_asgi(create_app(settings)) as url, aiohttp.ClientSession() as session:
            query = {"query": '{ images(first: 1, filter: { locations: ["asia-east-1a"] }) { totalCount } }'}
            async with session.post(url + "/graphql", json=query, headers={"traceparent": header}) as response:
                assert "errors" not in await response.json()
    (operation,) = [s for s in received.of_trace(trace_id) if s.kind == Span.SPAN_KIND_SERVER]
    assert len(seen) == 2  # DescribeZones, DescribeImages: each signed call still accepted
    assert seen == [f"00-{trace_id}-{operation.span_id.hex()}-01"] * 2


def test_tracing_is_off_unless_the_otel_variables_ask_for_it() -> None:
    assert exporter_names({}) == ()
    assert exporter_names({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}) == ("otlp",)
    assert exporter_names({"OTEL_TRACES_EXPORTER": "otlp,console"}) == ("otlp", "console")
    assert exporter_names({"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"}) == ()
    assert exporter_names({"OTEL_SDK_DISABLED": "true", "OTEL_TRACES_EXPORTER": "otlp"}) == ()
