"""The endpoint's own pieces, without providers: Accept negotiation, its last-resort 500, GraphiQL's page."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, MutableMapping
from pathlib import Path
from typing import Any

import pytest
from starlette.requests import Request

from graphql_api.context import build_context
from graphql_api.endpoint import APPLICATION_JSON, GRAPHQL_RESPONSE_JSON, GraphQLEndpoint, negotiate
from graphql_api.execution import ExecutionMode
from graphql_api.graphiql import Assets
from graphql_api.schema import build_schema
from graphql_api.settings import DEFAULTS, execution_mode
from resolvers.loaders import RequestScope


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, APPLICATION_JSON),
        ("", APPLICATION_JSON),
        ("application/json", APPLICATION_JSON),
        ("application/graphql-response+json", GRAPHQL_RESPONSE_JSON),
        ("application/json, application/graphql-response+json", GRAPHQL_RESPONSE_JSON),  # tie: the newer type
        ("application/graphql-response+json;q=0.5, application/json", APPLICATION_JSON),  # quality wins
        ("Application/GraphQL-Response+JSON; charset=utf-8", GRAPHQL_RESPONSE_JSON),
        ("*/*", APPLICATION_JSON),
        ("application/*", APPLICATION_JSON),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", APPLICATION_JSON),  # a browser
        ("text/csv", None),
        ("application/json;q=0", None),
        ("application/json;q=oops", None),
    ],
)
def test_negotiate(accept: str | None, expected: str | None) -> None:
    assert negotiate(accept) == expected


def endpoint(context_factory: Callable[[Request], RequestScope] | None = None, **options: Any) -> GraphQLEndpoint:
    factory = context_factory or (lambda request: build_context({}, DEFAULTS.limits, request))
    mode = ExecutionMode(execution_mode(os.environ.get("CIG_COMPILED_EXECUTION")))
    return GraphQLEndpoint(build_schema(execution=mode), context_factory=factory, **options)


async def call(
    app: GraphQLEndpoint, method: str, *, headers: dict[str, str] | None = None, body: bytes = b"", query: str = ""
) -> tuple[int, dict[str, str], bytes]:
    """One HTTP exchange with the ASGI app, in process."""
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
        "path": "/graphql", "raw_path": b"/graphql", "root_path": "", "query_string": query.encode(),
        "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
        "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 80),
    }
    incoming = [{"type": "http.request", "body": body, "more_body": False}]
    sent: list[MutableMapping[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return incoming.pop(0) if incoming else {"type": "http.disconnect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    start = sent[0]
    response_headers = {k.decode(): v.decode() for k, v in start["headers"]}
    return start["status"], response_headers, b"".join(m.get("body", b"") for m in sent[1:])


async def test_an_exception_outside_graphql_execution_is_a_json_500_without_details(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(request: Request) -> RequestScope:
        raise RuntimeError("password=hunter2")

    with caplog.at_level(logging.ERROR, logger="graphql_api.endpoint"):
        status, headers, body = await call(
            endpoint(broken), "POST", body=b'{"query": "{ __typename }"}',
            headers={"Content-Type": "application/json", "Accept": GRAPHQL_RESPONSE_JSON},
        )
    assert status == 500
    assert headers["content-type"].startswith(APPLICATION_JSON)
    assert json.loads(body) == {
        "errors": [{"message": "Internal server error", "extensions": {"code": "INTERNAL_SERVER_ERROR"}}]
    }
    assert "hunter2" in caplog.text and "Traceback" in caplog.text  # the log has what the client must not see


async def test_a_non_string_operation_name_is_a_malformed_request() -> None:
    for accept in (GRAPHQL_RESPONSE_JSON, APPLICATION_JSON):
        status, _, body = await call(
            endpoint(), "POST", body=b'{"query": "{ __typename }", "operationName": 7}',
            headers={"Content-Type": "application/json", "Accept": accept},
        )
        assert status == 400
        assert json.loads(body)["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_graphiql_loads_from_unpkg_unless_local_assets_are_served() -> None:
    browser = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    _, _, cdn_page = await call(endpoint(), "GET", headers=browser)
    local = Assets(Path("/srv/graphiql-assets"))
    status, headers, local_page = await call(endpoint(graphiql_assets=local), "GET", headers=browser)
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert b"https://unpkg.com/graphiql@" in cdn_page
    assert b"unpkg.com" not in local_page
    for asset in (b"/graphiql-assets/graphiql/graphiql.min.js", b"/graphiql-assets/react-dom/umd/",
                  b"/graphiql-assets/@graphiql/plugin-explorer/dist/index.umd.js"):
        assert asset in local_page


async def test_a_browser_url_with_a_query_runs_it_instead_of_showing_graphiql() -> None:
    status, headers, body = await call(
        endpoint(), "GET", headers={"Accept": "text/html,*/*;q=0.8"}, query="query=%7B__typename%7D"
    )
    assert (status, headers["content-type"]) == (200, APPLICATION_JSON)
    assert json.loads(body) == {"data": {"__typename": "Query"}}
