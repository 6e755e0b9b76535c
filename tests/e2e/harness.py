"""The whole product on loopback: every registered provider's emulator and the service, over real HTTP.

`running_stack()` starts each provider's emulator (its fault and call-counter objects in hand), points
the service's settings at them the way demo mode does (each spec's `emulated_settings`), and serves
the real ASGI app with uvicorn on a free port. Tests then send GraphQL over HTTP and read the
emulators' counters.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Any

import aiohttp
import uvicorn
from prometheus_client.parser import text_string_to_metric_families

from graphql_api.app import create_app
from graphql_api.demo import Embedded
from graphql_api.settings import Settings, execution_mode
from providers.registry import PROVIDERS
from tests.support import Emulated, emulated


@dataclass
class Stack:
    url: str  # the service's base URL
    emulators: dict[str, Emulated]  # provider value -> its emulator
    session: aiohttp.ClientSession

    @property
    def zenlayer(self) -> Emulated:
        return self.emulators["zenlayer"]

    @property
    def jdcloud(self) -> Emulated:
        return self.emulators["jdcloud"]

    @property
    def calls(self) -> int:
        return sum(e.counter.total for e in self.emulators.values())

    def reset_calls(self) -> None:
        for emulator in self.emulators.values():
            emulator.counter.reset()

    async def metric(self, name: str, **labels: str) -> float:
        """A sample of /metrics (0 when the series does not exist yet)."""
        async with self.session.get(self.url + "/metrics") as response:
            text = await response.text()
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                    return float(sample.value)
        return 0.0

    async def graphql(self, query: str, variables: dict[str, Any] | None = None, **headers: str) -> dict[str, Any]:
        """POST a query; returns the JSON body (asserting the HTTP exchange itself succeeded)."""
        async with self.session.post(
            self.url + "/graphql", json={"query": query, "variables": variables or {}},
            headers={"Accept": "application/graphql-response+json", **headers},
        ) as response:
            body = await response.json(content_type=None)
            assert response.status in (200, 400), (response.status, body)
            return body  # type: ignore[no-any-return]


def stack_settings(urls: dict[str, str], **overrides: Any) -> Settings:
    """Settings pointing every provider at its emulator (demo credentials), with test-speed upstream policy."""
    settings = Embedded(urls).settings(Settings(
        upstream_timeout=2.0, upstream_max_attempts=2,
        # The suite runs as configured by default, and again with CIG_COMPILED_EXECUTION=false.
        compiled_execution=execution_mode(os.environ.get("CIG_COMPILED_EXECUTION")),
    ))
    return dataclasses.replace(settings, **overrides)


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
async def running_stack(
    adjust: Callable[[Settings], Settings] | None = None,
    apps: Mapping[str, Callable[..., Any]] | None = None,
    emulator_options: Mapping[str, Mapping[str, Any]] | None = None,
    **overrides: Any,
) -> AsyncIterator[Stack]:
    """`overrides` replace Settings fields; `adjust` may rewrite the finished settings (e.g. credentials);
    `apps` replaces a provider's emulator factory (provider value -> `create_app`, e.g. over a test catalog);
    `emulator_options` are extra `create_app` arguments by provider (e.g. `{"jdcloud": {"deviations": ...}}`)."""
    options = emulator_options or {}
    async with AsyncExitStack() as stack:
        emulators = {
            spec.name.value: await stack.enter_async_context(
                emulated((apps or {}).get(spec.name.value, spec.create_emulator), **options.get(spec.name.value, {}))
            )
            for spec in PROVIDERS
        }
        settings = stack_settings({name: e.url for name, e in emulators.items()}, **overrides)
        if adjust is not None:
            settings = adjust(settings)
        url = await stack.enter_async_context(serve_asgi(create_app(settings)))
        session = await stack.enter_async_context(aiohttp.ClientSession())
        yield Stack(url, emulators, session)
