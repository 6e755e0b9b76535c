"""CORS as a browser enforces it: pages on two other loopback origins call the API from Chromium.

Both pages POST JSON with an `X-Request-Id` (so Chromium sends a preflight first). The service
lists one page's origin in CIG_CORS_ORIGINS: that page gets the data and can read the exposed
request id; the other page's preflight is refused, so Chromium never sends its query. The HTTP
details (no allow header for a refused preflight) are checked without a browser too.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
import pytest
from aiohttp import web

from tests.node_tools import require_node, run_node_json
from tests.support import serve

from .harness import Stack, running_stack
from .test_graphiql_browser import require_chromium

PAGE = """<!doctype html><html><head><title>calling</title></head><body><script>
(async () => {
  const result = {};
  try {
    const response = await fetch(%(service)s + '/graphql', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Request-Id': 'from-the-browser-1' },
      body: JSON.stringify({ query: '{ locations { id } }' }),
    });
    result.status = response.status;
    result.requestId = response.headers.get('X-Request-Id');
    result.body = await response.json();
  } catch (error) {
    result.error = String(error);
  }
  window.cigResult = result;
  document.title = 'done';
})();
</script></body></html>"""


@asynccontextmanager
async def stack_with_pages() -> AsyncIterator[tuple[Stack, str, str]]:
    """The service, plus an allowed and a refused page origin (both 127.0.0.1, other ports)."""
    service = {"url": ""}  # known once the service runs, and it starts after the pages (it names one)

    async def index(request: web.Request) -> web.Response:
        return web.Response(text=PAGE % {"service": json.dumps(service["url"])}, content_type="text/html")

    def page_app() -> web.Application:
        app = web.Application()
        app.router.add_get("/", index)
        return app

    async with (
        serve(page_app()) as allowed,
        serve(page_app()) as refused,
        running_stack(cors_origins=(allowed,), cache_ttl=0) as stack,
    ):
        service["url"] = stack.url
        yield stack, allowed, refused


@pytest.mark.browser
@pytest.mark.timeout(180)
async def test_chromium_calls_from_the_allowed_origin_only() -> None:
    require_node()
    chromium = require_chromium()
    env = {**os.environ, "CIG_CHROMIUM": chromium}
    async with stack_with_pages() as (stack, allowed, refused):
        stack.reset_calls()
        blocked = await run_node_json("browse.mjs", refused + "/", "done", env=env)
        calls_after_refused = stack.calls
        served = await run_node_json("browse.mjs", allowed + "/", "done", env=env)

    assert blocked.output["ok"], blocked.output
    assert "Failed to fetch" in blocked.output["result"]["error"], blocked.output  # the browser refused
    assert calls_after_refused == 0  # the query itself was never sent

    assert served.output["ok"], served.output
    result = served.output["result"]
    assert result["status"] == 200 and "errors" not in result["body"], result
    assert len(result["body"]["data"]["locations"]) == 8  # 5 Zenlayer zones, 3 JD Cloud regions
    assert result["requestId"] == "from-the-browser-1"  # exposed to the page


async def test_preflights_and_simple_requests_over_http() -> None:
    async with stack_with_pages() as (stack, allowed, refused), aiohttp.ClientSession() as session:
        preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
        async with session.options(stack.url + "/graphql", headers={"Origin": refused, **preflight}) as response:
            assert response.status == 403
            assert not [h for h in response.headers if h.lower().startswith("access-control-")]
            assert (await response.json())["errors"][0]["extensions"]["code"] == "CORS_ORIGIN_NOT_ALLOWED"
        async with session.options(stack.url + "/graphql", headers={"Origin": allowed, **preflight}) as response:
            assert response.status == 204
            assert response.headers["Access-Control-Allow-Origin"] == allowed
            assert "POST" in response.headers["Access-Control-Allow-Methods"]
            assert "content-type" in response.headers["Access-Control-Allow-Headers"]
        put = {"Access-Control-Request-Method": "PUT"}
        async with session.options(stack.url + "/graphql", headers={"Origin": allowed, **put}) as response:
            assert response.status == 403 and "Access-Control-Allow-Origin" not in response.headers
        query = {"query": "{ locations { id } }"}
        async with session.post(stack.url + "/graphql", json=query, headers={"Origin": refused}) as response:
            assert response.status == 200 and "Access-Control-Allow-Origin" not in response.headers
            assert response.headers["Vary"] == "Origin"
        async with session.post(stack.url + "/graphql", json=query, headers={"Origin": allowed}) as response:
            assert response.headers["Access-Control-Allow-Origin"] == allowed
            assert response.headers["Access-Control-Expose-Headers"] == "X-Request-Id"


async def test_cors_is_off_by_default() -> None:
    async with running_stack() as stack:
        async with stack.session.post(
            stack.url + "/graphql", json={"query": "{ locations { id } }"}, headers={"Origin": "http://127.0.0.1:1"}
        ) as response:
            assert response.status == 200 and "Access-Control-Allow-Origin" not in response.headers
        async with stack.session.options(
            stack.url + "/graphql", headers={"Origin": "http://127.0.0.1:1", "Access-Control-Request-Method": "POST"}
        ) as response:
            assert response.status == 405 and "Access-Control-Allow-Origin" not in response.headers
