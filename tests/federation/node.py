"""Apollo's own tools for the federation tests: composition, a second subgraph and the gateway.

`compose()` runs tests/node/compose.mjs (@apollo/composition's composeServices) over SDL strings.
`node_server()` starts a long-running Node server from tests/node (deployments-subgraph.mjs,
gateway.mjs) on 127.0.0.1, waits for the `{"url": ...}` line it prints when ready, and kills it on
exit. Both install tests/node/node_modules first when it is missing or stale (tests.node_tools).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.node_tools import NODE_DIR, ensure_node_modules, run_node_json

DEPLOYMENTS_SDL = (NODE_DIR / "deployments.graphql").read_text()
READY_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 5.0


@dataclass(frozen=True)
class Composition:
    ok: bool
    supergraph_sdl: str
    errors: list[dict[str, Any]]
    hints: list[dict[str, Any]]

    @property
    def error_codes(self) -> list[str]:
        return [str(e["code"]) for e in self.errors]


async def compose(workdir: Path, subgraphs: dict[str, str]) -> Composition:
    """Compose subgraphs given as name -> SDL; each gets the URL http://<name>.invalid/graphql."""
    args = []
    for name, sdl in subgraphs.items():
        path = workdir / f"{name}.graphql"
        path.write_text(sdl)
        args.append(f"{name}=http://{name}.invalid/graphql={path}")
    run = await run_node_json("compose.mjs", *args, timeout_seconds=60.0)
    assert run.returncode == 0, run.stderr[-4000:]
    report = run.output
    return Composition(
        ok=bool(report["ok"]), supergraph_sdl=str(report.get("supergraphSdl", "")),
        errors=list(report.get("errors", [])), hints=list(report.get("hints", [])),
    )


@dataclass
class NodeServer:
    url: str
    process: asyncio.subprocess.Process
    stderr: list[str] = field(default_factory=list)

    def log(self) -> str:
        return "".join(self.stderr)[-4000:]


async def _drain(stream: asyncio.StreamReader, sink: list[str]) -> None:
    while line := await stream.readline():
        sink.append(line.decode(errors="replace"))


async def _ready_url(stream: asyncio.StreamReader, sink: list[str]) -> str | None:
    """The URL of the first `{"url": ...}` line; None when the process closed its output first."""
    while line := await stream.readline():
        text = line.decode(errors="replace")
        sink.append(text)
        try:
            report = json.loads(text)
        except ValueError:
            continue  # a library's log line
        if isinstance(report, dict) and isinstance(report.get("url"), str):
            return str(report["url"])
    return None


async def _stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is not None:
        return
    process.terminate()
    try:
        await asyncio.wait_for(process.wait(), STOP_TIMEOUT_SECONDS)
    except TimeoutError:
        process.kill()
        await process.wait()


@contextlib.asynccontextmanager
async def node_server(script: str, *args: str, env: dict[str, str] | None = None) -> AsyncIterator[NodeServer]:
    """`node tests/node/<script> args...`, running until the block ends; yields once it printed its URL."""
    ensure_node_modules()
    process = await asyncio.create_subprocess_exec(
        "node", str(NODE_DIR / script), *args, cwd=NODE_DIR, env={**os.environ, **(env or {})},
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    stderr: list[str] = []
    stdout: list[str] = []
    drains = [asyncio.create_task(_drain(process.stderr, stderr))]
    try:
        try:
            url = await asyncio.wait_for(_ready_url(process.stdout, stdout), READY_TIMEOUT_SECONDS)
        except TimeoutError:
            raise AssertionError(f"node {script} was not ready within {READY_TIMEOUT_SECONDS} s:\n"
                                 f"{''.join(stdout)[-2000:]}{''.join(stderr)[-4000:]}") from None
        if url is None:
            await asyncio.wait_for(process.wait(), STOP_TIMEOUT_SECONDS)
            await asyncio.sleep(0.1)  # let the error output arrive
            raise AssertionError(f"node {script} exited {process.returncode} before it was ready:\n"
                                 f"{''.join(stdout)[-2000:]}{''.join(stderr)[-4000:]}")
        assert url.startswith("http://127.0.0.1:"), f"node {script} must listen on loopback only, got {url}"
        drains.append(asyncio.create_task(_drain(process.stdout, stdout)))
        yield NodeServer(url, process, stderr)
    finally:
        await _stop(process)
        for task in drains:
            task.cancel()
        await asyncio.gather(*drains, return_exceptions=True)
