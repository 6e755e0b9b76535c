"""`/graphql` over real HTTP: the official GraphQL-over-HTTP audit, and what clients notice directly.

The audit is graphql-http's `auditServer` (tests/node/audit.mjs); every MUST and every SHOULD must be
`ok`. The direct tests send requests with aiohttp and check status, media type and JSON bodies.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import aiohttp
import pytest

from graphql_api.app import create_app
from graphql_api.settings import Secret, Settings
from providers.base import ImageCatalog
from tests.node_tools import run_node_json

from . import harness
from .harness import Stack, running_stack
from .queries import codes

pytestmark = pytest.mark.timeout(180)

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
APPLICATION_JSON = "application/json"
IMAGES = "{ images(first: 3) { totalCount edges { node { name provider } } } }"


async def audit(url: str, *headers: str) -> dict[str, Any]:
    args = [arg for header in headers for arg in ("--header", header)]
    run = await run_node_json("audit.mjs", url, *args, timeout_seconds=120)
    assert run.returncode == 0, run.stderr
    return run.output


def not_ok(report: dict[str, Any]) -> list[str]:
    return [
        f"{r['status']} {r['id']} {r['name']}: {r.get('reason')} -> {json.dumps(r.get('response'))[:400]}"
        for r in report["results"]
        if r["requirement"] in ("MUST", "SHOULD") and r["status"] != "ok"
    ]


async def test_the_graphql_over_http_audit_passes_every_must_and_should() -> None:
    async with running_stack() as stack:
        report = await audit(stack.url + "/graphql")
    requirements = {r["requirement"] for r in report["results"]}
    assert {"MUST", "SHOULD"} <= requirements, report["counts"]
    assert sum(r["requirement"] == "MUST" for r in report["results"]) >= 10, report["counts"]
    failures = not_ok(report)
    assert not failures, f"{len(failures)} MUST/SHOULD audits not ok:\n" + "\n".join(failures)


async def test_the_audit_passes_with_api_keys_when_the_client_sends_one() -> None:
    async with running_stack(api_keys=(Secret("k1"),)) as stack:
        report = await audit(stack.url + "/graphql", "Authorization: Bearer k1")
    failures = not_ok(report)
    assert not failures, f"{len(failures)} MUST/SHOULD audits not ok:\n" + "\n".join(failures)


async def send(
    stack: Stack, method: str, *, accept: str | None = GRAPHQL_RESPONSE_JSON, params: dict[str, str] | None = None,
    body: Any = None, content_type: str | None = APPLICATION_JSON, headers: dict[str, str] | None = None,
) -> tuple[aiohttp.ClientResponse, Any]:
    """One request to /graphql; returns the response and its body parsed as JSON."""
    all_headers = dict(headers or {})
    if accept is not None:
        all_headers["Accept"] = accept
    data: bytes | None = None
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        if content_type is not None:
            all_headers["Content-Type"] = content_type
    async with stack.session.request(
        method, stack.url + "/graphql", params=params, data=data, headers=all_headers,
        timeout=aiohttp.ClientTimeout(total=30),
    ) as response:
        text = await response.text()
    try:
        parsed = json.loads(text) if text else None
    except json.JSONDecodeError:
        pytest.fail(f"{method} answered {response.status} with a body that is not JSON: {text[:500]}")
    return response, parsed


def media_type(response: aiohttp.ClientResponse) -> str:
    return response.headers.get("Content-Type", "").split(";")[0].strip()


async def test_a_query_over_get_works(stack: Stack) -> None:
    response, body = await send(stack, "GET", params={"query": IMAGES})
    assert response.status == 200, body
    assert media_type(response) == GRAPHQL_RESPONSE_JSON
    assert "errors" not in body, body
    images = body["data"]["images"]
    assert images["totalCount"] > 3
    assert len(images["edges"]) == 3 and all(edge["node"]["name"] for edge in images["edges"])


async def test_a_post_without_accept_gets_application_json(stack: Stack) -> None:
    response, body = await send(stack, "POST", accept=None, body={"query": "{ __typename }"})
    assert (response.status, media_type(response)) == (200, APPLICATION_JSON)
    assert body == {"data": {"__typename": "Query"}}


async def test_a_text_plain_post_is_415_in_json(stack: Stack) -> None:
    response, body = await send(stack, "POST", body=IMAGES.encode(), content_type="text/plain")
    assert response.status == 415
    assert codes(body) == ["UNSUPPORTED_MEDIA_TYPE"]


async def test_an_unacceptable_accept_is_406_in_json(stack: Stack) -> None:
    response, body = await send(stack, "GET", accept="text/csv", params={"query": "{ __typename }"})
    assert (response.status, media_type(response)) == (406, APPLICATION_JSON)
    assert codes(body) == ["NOT_ACCEPTABLE"]


REQUEST_ERRORS = [
    pytest.param("{ images(first: 3) { totalCount ", "GRAPHQL_PARSE_FAILED", id="syntax"),
    pytest.param('{ images(first: "three") { totalCount } }', "GRAPHQL_VALIDATION_FAILED", id="argument-type"),
    pytest.param("{ images { noSuchField } }", "GRAPHQL_VALIDATION_FAILED", id="unknown-field"),
    pytest.param("query A { locations { id } } query B { __typename }", "GRAPHQL_VALIDATION_FAILED",
                 id="several-operations-without-operationName"),
]


@pytest.mark.parametrize(("query", "code"), REQUEST_ERRORS)
@pytest.mark.parametrize(("accept", "status"), [(GRAPHQL_RESPONSE_JSON, 400), (APPLICATION_JSON, 200)])
async def test_request_errors_have_no_data_and_the_status_the_media_type_asks_for(
    stack: Stack, query: str, code: str, accept: str, status: int
) -> None:
    response, body = await send(stack, "POST", accept=accept, body={"query": query})
    assert (response.status, media_type(response)) == (status, accept), body
    assert "data" not in body, body
    assert codes(body) == [code], body
    assert stack.calls == 0  # nothing was executed


@pytest.mark.parametrize(("accept", "status"), [(GRAPHQL_RESPONSE_JSON, 400), (APPLICATION_JSON, 200)])
async def test_an_unknown_operation_name_is_a_request_error(stack: Stack, accept: str, status: int) -> None:
    response, body = await send(
        stack, "POST", accept=accept, body={"query": "query A { __typename }", "operationName": "B"}
    )
    assert (response.status, media_type(response)) == (status, accept), body
    assert "data" not in body and codes(body) == ["GRAPHQL_VALIDATION_FAILED"], body


async def test_a_field_error_is_still_200_with_data_under_graphql_response_json(stack: Stack) -> None:
    stack.zenlayer.faults.error_rate = 1.0
    response, body = await send(stack, "POST", body={"query": "{ locations { id } }"})
    assert response.status == 200, body
    assert "data" in body and body["errors"], body


async def test_a_mutation_over_get_is_405_and_points_at_post(stack: Stack) -> None:
    response, body = await send(stack, "GET", params={"query": "mutation { __typename }"})
    assert response.status == 405, body
    assert response.headers["Allow"] == "POST"
    assert codes(body) == ["METHOD_NOT_ALLOWED"]


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
async def test_other_methods_are_405_with_allow(stack: Stack, method: str) -> None:
    response, body = await send(stack, method, body={"query": "{ __typename }"})
    assert response.status == 405, body
    assert {m.strip() for m in response.headers["Allow"].split(",")} == {"GET", "POST"}
    assert codes(body) == ["METHOD_NOT_ALLOWED"]


SECRET_DETAIL = "password=hunter2 in /srv/cig/secret_module.py"


class Exploding:
    """A catalog whose every call fails in a way nobody planned for."""

    def __init__(self, real: ImageCatalog) -> None:
        self.provider = real.provider

    def __getattr__(self, name: str) -> Any:
        async def fail(*args: Any, **kwargs: Any) -> Any:
            raise RuntimeError(SECRET_DETAIL)

        return fail


@pytest.fixture
def captured_apps(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """The ASGI apps running_stack builds, so a test can reach the services inside."""
    apps: list[Any] = []

    def capture(settings: Settings) -> Any:
        app = create_app(settings)
        apps.append(app)
        return app

    monkeypatch.setattr(harness, "create_app", capture)
    yield apps


async def test_an_internal_error_is_masked_and_never_leaks_a_traceback(
    captured_apps: list[Any], caplog: pytest.LogCaptureFixture
) -> None:
    async with running_stack() as stack:
        catalogs = captured_apps[0].state.services.catalogs
        for provider, catalog in list(catalogs.items()):
            catalogs[provider] = Exploding(catalog)
        for accept in (GRAPHQL_RESPONSE_JSON, APPLICATION_JSON):
            response, body = await send(stack, "POST", accept=accept, body={"query": IMAGES})
            text = json.dumps(body)
            assert response.status in (200, 500), body
            assert "INTERNAL_SERVER_ERROR" in codes(body), body
            for leak in ("hunter2", "secret_module", "Traceback", "RuntimeError", 'File "'):
                assert leak not in text, body
    assert "hunter2" in caplog.text  # the details went to the log instead


async def test_without_the_api_key_401_and_with_it_200() -> None:
    async with running_stack(api_keys=(Secret("k1"),)) as stack:
        query = {"query": "{ __typename }"}
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic k1"}):
            response, body = await send(stack, "POST", body=query, headers=headers)
            assert response.status == 401, (headers, body)
            assert codes(body) == ["UNAUTHENTICATED"]
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
        response, body = await send(stack, "POST", body=query, headers={"Authorization": "Bearer k1"})
        assert response.status == 200, body
        assert body == {"data": {"__typename": "Query"}}


async def get_json(stack: Stack, path: str) -> tuple[int, Any]:
    async with stack.session.get(stack.url + path, timeout=aiohttp.ClientTimeout(total=30)) as response:
        body = await response.json()
    if isinstance(body.get("providers"), dict):
        body["providers"] = {name.lower(): state for name, state in body["providers"].items()}
    return response.status, body


async def test_healthz(stack: Stack) -> None:
    assert await get_json(stack, "/healthz") == (200, {"status": "ok"})


async def test_readyz_ok_then_degraded_then_unavailable(stack: Stack) -> None:
    status, body = await get_json(stack, "/readyz")
    assert (status, body["status"]) == (200, "ok"), body
    assert set(body["providers"].values()) == {"ok"} and len(body["providers"]) == 2, body

    stack.jdcloud.faults.error_rate = 1.0
    status, body = await get_json(stack, "/readyz")
    assert (status, body["status"]) == (200, "degraded"), body
    assert body["providers"]["zenlayer"] == "ok" and body["providers"]["jdcloud"] != "ok", body

    stack.zenlayer.faults.error_rate = 1.0
    status, body = await get_json(stack, "/readyz")
    assert (status, body["status"]) == (503, "unavailable"), body

    stack.zenlayer.faults.reset()
    stack.jdcloud.faults.reset()
    status, body = await get_json(stack, "/readyz")
    assert (status, body["status"]) == (200, "ok"), body  # recovers: readiness is not cached


async def test_metrics_count_http_requests_and_upstream_calls(stack: Stack) -> None:
    response, body = await send(stack, "POST", body={"query": IMAGES})
    assert response.status == 200 and "errors" not in body, body
    await asyncio.sleep(0)  # the request counter is incremented after the response is sent
    async with stack.session.get(stack.url + "/metrics", timeout=aiohttp.ClientTimeout(total=30)) as metrics:
        assert metrics.status == 200
        text = await metrics.text()
    samples = {
        line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1])
        for line in text.splitlines() if line and not line.startswith("#")
    }
    assert samples.get('cig_http_requests_total{route="/graphql",status="200"}', 0) >= 1, text
    upstream = {k: v for k, v in samples.items() if k.startswith("cig_upstream_requests_total{")}
    assert upstream and sum(upstream.values()) >= 1, text
    assert any('provider="zenlayer"' in k for k in upstream) and any('provider="jdcloud"' in k for k in upstream), text
