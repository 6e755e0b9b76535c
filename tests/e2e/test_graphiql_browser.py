"""GraphiQL in a real headless Chromium, its assets served by the service itself (no CDN).

tests/node/graphiql-check.mjs opens /graphql, runs a query with the run button and opens the docs
explorer; this test checks what it saw against the API's own answer and that the page loaded nothing
from another host. The screenshot is kept under the pytest temporary directory.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from providers.zenlayer.catalog import default_catalog as zenlayer_catalog
from tests.node_tools import NODE_MODULES, ensure_node_modules, require_node, run_node_json
from tests.support import require_or_skip

from .harness import running_stack

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

QUERY = "{ images(first: 3) { totalCount edges { node { name provider } } } }"


def chromium_path() -> str | None:
    configured = os.environ.get("CIG_CHROMIUM")
    if configured:
        return configured if os.access(configured, os.X_OK) else None
    return shutil.which("chromium") or ("/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None)


async def test_graphiql_runs_a_query_from_local_assets(tmp_path: Path) -> None:
    require_node()
    chromium = chromium_path()
    require_or_skip(chromium is not None, "Chromium needed (apt-get install chromium, or set CIG_CHROMIUM)")
    assert chromium is not None
    ensure_node_modules()
    screenshot = tmp_path / "graphiql.png"

    async with running_stack(graphiql_assets_dir=NODE_MODULES) as stack:
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

    assert report["externalRequests"] == []
    assert not any("unpkg.com" in request for request in report["requests"])
    assets = [r for r in report["requests"] if "/graphiql-assets/" in r]
    assert any("graphiql/graphiql.min.js" in r for r in assets), report["requests"]
    assert any("react-dom" in r for r in assets), report["requests"]
    assert report["consoleErrors"] == []

    assert "images" in report["docsText"] and "ImageConnection" in report["docsText"], report["docsText"]
    assert screenshot.stat().st_size > 10_000  # a real rendering, not a blank page
