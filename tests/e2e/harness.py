"""The whole product on loopback: both emulators and the service, talking over real HTTP.

`running_stack()` starts the Zenlayer and JD Cloud emulators (their fault and call-counter objects in
hand), points the service's settings at them with the demo credentials, and serves the real ASGI app
with uvicorn on a free port. Tests then send GraphQL over HTTP and read the emulators' counters.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import uvicorn

from graphql_api.app import create_app
from graphql_api.settings import JdcloudSettings, Secret, Settings, ZenlayerSettings, execution_mode
from providers.catalog.jdcloud import default_catalog as jdcloud_catalog
from providers.jdcloud import emulator as jd_emulator
from providers.jdcloud.signing import DEMO_CREDENTIALS as JD_DEMO
from providers.zenlayer import emulator as zen_emulator
from providers.zenlayer.signing import DEMO_CREDENTIALS as ZEN_DEMO
from tests.support import Emulated, emulated


@dataclass
class Stack:
    url: str  # the service's base URL
    zenlayer: Emulated
    jdcloud: Emulated
    session: aiohttp.ClientSession

    @property
    def calls(self) -> int:
        return self.zenlayer.counter.total + self.jdcloud.counter.total

    def reset_calls(self) -> None:
        self.zenlayer.counter.reset()
        self.jdcloud.counter.reset()

    async def graphql(self, query: str, variables: dict[str, Any] | None = None, **headers: str) -> dict[str, Any]:
        """POST a query; returns the JSON body (asserting the HTTP exchange itself succeeded)."""
        async with self.session.post(
            self.url + "/graphql", json={"query": query, "variables": variables or {}},
            headers={"Accept": "application/graphql-response+json", **headers},
        ) as response:
            body = await response.json(content_type=None)
            assert response.status in (200, 400), (response.status, body)
            return body  # type: ignore[no-any-return]


def stack_settings(zen_url: str, jd_url: str, **overrides: Any) -> Settings:
    zen = urlsplit(zen_url)
    return dataclasses.replace(
        Settings(
            zenlayer=ZenlayerSettings(
                access_key_id=ZEN_DEMO.access_key_id, access_key_password=Secret(ZEN_DEMO.access_key_password),
                domain=zen.netloc, scheme="http",
            ),
            jdcloud=JdcloudSettings(
                access_key=JD_DEMO.access_key, secret_key=Secret(JD_DEMO.secret_key), vm_endpoint=jd_url,
                disk_endpoint=jd_url, regions=tuple(sorted(jdcloud_catalog().regions)),
            ),
            upstream_timeout=2.0,
            upstream_max_attempts=2,
            # The suite runs once as configured by default and once with CIG_COMPILED_EXECUTION=false.
            compiled_execution=execution_mode(os.environ.get("CIG_COMPILED_EXECUTION")),
        ),
        **overrides,
    )


@asynccontextmanager
async def serve_asgi(app: Any) -> AsyncIterator[str]:
    """Serve an ASGI app with uvicorn on 127.0.0.1 and a free port, lifespan included."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on", access_log=False)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()  # startup failed: raise its error
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@asynccontextmanager
async def running_stack(adjust: Callable[[Settings], Settings] | None = None, **overrides: Any) -> AsyncIterator[Stack]:
    """`overrides` replace Settings fields; `adjust` may rewrite the finished settings (e.g. credentials)."""
    async with AsyncExitStack() as stack:
        zenlayer = await stack.enter_async_context(emulated(zen_emulator.create_app))
        jdcloud = await stack.enter_async_context(emulated(jd_emulator.create_app))
        settings = stack_settings(zenlayer.url, jdcloud.url, **overrides)
        if adjust is not None:
            settings = adjust(settings)
        url = await stack.enter_async_context(serve_asgi(create_app(settings)))
        session = await stack.enter_async_context(aiohttp.ClientSession())
        yield Stack(url, zenlayer, jdcloud, session)
