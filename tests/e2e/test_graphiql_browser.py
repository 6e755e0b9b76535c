"""GraphiQL in a real headless Chromium without internet, its assets served by the service itself.

tests/node/graphiql-check.mjs opens /graphql in a Chromium whose network reaches loopback only,
types a query and runs it with the run button, and follows the docs explorer; this test checks what
it saw against the API's own answer, that the page opened with the README's example and the docs,
and that it loaded nothing from another host. The service finds the assets `npm ci` put in
graphiql/node_modules with no setting. The screenshot is kept under the pytest temporary directory.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from graphql_api.graphiql import EXAMPLE_QUERY
from providers.zenlayer.catalog import default_catalog as zenlayer_catalog
from tests.node_tools import GRAPHIQL_DIR, ensure_node_modules, require_node, run_node_json
from tests.support import require_or_skip

from .harness import running_stack

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

ROOT = Path(__file__).resolve().parents[2]

QUERY = "{ images(first: 3) { totalCount edges { node { name provider } } } }"


def chromium_path() -> str | None:
    configured = os.environ.get("CIG_CHROMIUM")
    if configured:
        return configured if os.access(configured, os.X_OK) else None
    return shutil.which("chromium") or ("/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None)


def require_chromium() -> str:
    chromium = chromium_path()
    require_or_skip(chromium is not None, "Chromium needed (apt-get install chromium, or set CIG_CHROMIUM)")
    assert chromium is not None
    return chromium


def check_page_report(report: dict[str, Any]) -> None:
    """What every offline GraphiQL run must show, whoever started the service."""
    assert report["initialQuery"].rstrip().endswith(EXAMPLE_QUERY), report["initialQuery"]  # the README's
    assert report["docsOpenAtStart"] is True
    assert not any("unpkg.com" in request for request in report["requests"])
    assets = [r for r in report["requests"] if "/graphiql-assets/" in r]
    assert any("graphiql/graphiql.min.js" in r for r in assets), report["requests"]
    assert any("react-dom" in r for r in assets), report["requests"]
    assert report["externalRequests"] == []
    assert report["consoleErrors"] == []
    assert "images" in report["docsText"] and "ImageConnection" in report["docsText"], report["docsText"]


async def test_graphiql_runs_a_query_from_local_assets(tmp_path: Path) -> None:
    require_node()
    chromium = require_chromium()
    ensure_node_modules(GRAPHIQL_DIR)
    screenshot = tmp_path / "graphiql.png"

    async with running_stack() as stack:
        expected = await stack.graphql(QUERY)
        assert "errors" not in expected, expected
        run = await run_node_json(
            "graphiql-check.mjs", stack.url + "/graphql", str(screenshot), QUERY, timeout_seconds=150,
            env={**os.environ, "CIG_CHROMIUM": chromium},
        )
    report = run.output
    assert run.returncode == 0 and report["ok"], json.dumps(report, indent=2)[:6000] + run.stderr[-2000:]

    shown = json.loads(report["resultText"])  # the result pane holds the JSON the server answered
    assert shown == expected
    nodes = [edge["node"] for edge in shown["data"]["images"]["edges"]]
    assert [node["provider"] for node in nodes] == ["ZENLAYER"] * 3, shown  # Zenlayer's images come first
    emulated = {str(r["imageName"]) for images in zenlayer_catalog().images_by_zone.values() for r in images}
    assert {node["name"] for node in nodes} <= emulated, shown  # names the emulator really serves
    assert shown["data"]["images"]["totalCount"] > 3

    check_page_report(report)
    assert screenshot.stat().st_size > 10_000  # a real rendering, not a blank page


async def test_without_a_local_copy_the_page_says_so_in_words(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    require_node()
    chromium = require_chromium()
    empty = tmp_path / "no-assets"
    empty.mkdir()
    with caplog.at_level(logging.WARNING, logger="graphql_api"):
        async with running_stack(graphiql_assets_dir=empty) as stack:
            run = await run_node_json(
                "browse.mjs", stack.url + "/graphql", env={**os.environ, "CIG_CHROMIUM": chromium}
            )
    startup = caplog.text  # the startup log says so too
    assert "GraphiQL: no local copy of its JavaScript" in startup and "unpkg.com" in startup, startup
    assert str(empty) in startup and "npm ci" in startup
    report = run.output
    assert report["ok"] and report["status"] == 200, report
    # The offline browser could not fetch the CDN (so a CDN fallback can never pass the checks above)...
    assert any("unpkg.com" in failed for failed in report["failedRequests"]), report
    # ...and the page says why in words instead of "Loading..." forever.
    text = report["text"]
    assert "loading its JavaScript from unpkg.com" in text and "cannot reach unpkg.com" in text, text
    assert "npm ci" in text and "CIG_GRAPHIQL_ASSETS_DIR" in text and "graphiql@3.8.3" in text, text


README_SERVE = "python3 dev.py serve"
FRESH_SERVE_SECONDS = 600  # a new .venv from the lock, npm ci of GraphiQL's packages, startup


@pytest.mark.timeout(FRESH_SERVE_SECONDS + 200)
async def test_a_fresh_clone_serves_graphiql_offline_with_the_readme_command(tmp_path: Path) -> None:
    """The quick start as a new user follows it: clone, the README's serve command, open the printed URL."""
    require_node()
    chromium = require_chromium()
    require_or_skip((ROOT / ".git").exists() and shutil.which("git") is not None, "a git checkout needed")
    assert f"{README_SERVE}     # the service in demo mode" in (ROOT / "README.md").read_text()
    clone = tmp_path / "clone"
    await asyncio.to_thread(
        subprocess.run, ["git", "clone", "--quiet", "--no-hardlinks", str(ROOT), str(clone)], check=True, timeout=120,
    )
    assert not (clone / "graphiql" / "node_modules").exists() and not (clone / ".venv").exists()

    # `--port 0` (passed on by dev.py, README) picks a free port; the printed URL names it.
    command = [*README_SERVE.split(), "--port", "0"]
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("CIG_", "ZENLAYERCLOUD_", "JDCLOUD_"))}
    process = await asyncio.create_subprocess_exec(
        *command, cwd=clone, env=environment, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    assert process.stdout is not None
    output: list[str] = []
    try:
        url = await asyncio.wait_for(_printed_url(process.stdout, output), FRESH_SERVE_SECONDS)
        drain = asyncio.create_task(_collect(process.stdout, output))  # keep the pipe from filling up
        async with aiohttp.ClientSession() as session:
            await _until_ready(session, url)
        screenshot = tmp_path / "fresh-graphiql.png"
        run = await run_node_json(
            "graphiql-check.mjs", url, str(screenshot), QUERY, timeout_seconds=150,
            env={**os.environ, "CIG_CHROMIUM": chromium},
        )
    finally:
        process.terminate()
        await process.wait()
    await drain
    log = "".join(output)
    report = run.output
    assert run.returncode == 0 and report["ok"], json.dumps(report, indent=2)[:6000] + log[-3000:]
    check_page_report(report)
    shown = json.loads(report["resultText"])
    assert shown["data"]["images"]["totalCount"] > 3 and len(shown["data"]["images"]["edges"]) == 3, shown
    assert "npm ci" in log and "works offline" in log, log[-3000:]  # dev.py installed the assets; the log says so


async def _printed_url(stream: asyncio.StreamReader, output: list[str]) -> str:
    while line := (await stream.readline()).decode():
        output.append(line)
        found = re.search(r"GraphiQL: (http://127\.0\.0\.1:(\d+)/graphql)", line)
        if found and found.group(2) != "0":
            return found.group(1)
    raise AssertionError("serve exited without printing the GraphiQL URL:\n" + "".join(output)[-4000:])


async def _collect(stream: asyncio.StreamReader, output: list[str]) -> None:
    while line := (await stream.readline()).decode():
        output.append(line)


async def _until_ready(session: aiohttp.ClientSession, url: str) -> None:
    for _ in range(300):
        try:
            async with session.get(url.removesuffix("/graphql") + "/healthz") as response:
                if response.status == 200:
                    return
        except aiohttp.ClientConnectionError:
            pass
        await asyncio.sleep(0.1)
    raise AssertionError(f"{url} did not answer within 30 s")
