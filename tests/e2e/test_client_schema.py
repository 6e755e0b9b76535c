"""The client schema file (`schema.client.graphql`) in the tools frontends use, and the Relay pattern
that needs images and volumes to share their fields' types: graphql-core `build_schema`, graphql-js
`buildSchema`, the Relay compiler (pinned in tests/node/package.json) over tests/node/relay, and the
same `nodes` document answered by the service.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import build_schema, parse, validate

from tests.node_tools import NODE_DIR, run_node_json

from .harness import Stack

ROOT = Path(__file__).resolve().parents[2]
CLIENT_SCHEMA = ROOT / "schema.client.graphql"
SUBGRAPH_SCHEMA = ROOT / "schema.graphql"
RELAY_DOCUMENTS = NODE_DIR / "relay"

NODES = """
query NodesQuery($ids: [ID!]!) {
  nodes(ids: $ids) {
    __typename
    id
    ... on Image { provider location name sizeGiB createdAt statusRaw imageStatus: status }
    ... on Volume { provider location name sizeGiB createdAt statusRaw volumeStatus: status volumeId }
  }
}
"""
BOTH_NAMES = "query Names($ids: [ID!]!) { nodes(ids: $ids) { ... on Image { name } ... on Volume { name } } }"


def test_graphql_core_builds_the_client_schema_and_validates_the_nodes_pattern() -> None:
    client = build_schema(CLIENT_SCHEMA.read_text())
    assert validate(client, parse(BOTH_NAMES)) == []
    assert validate(client, parse(NODES)) == []
    assert client.get_type("_Service") is None and "_entities" not in client.query_type.fields  # type: ignore[union-attr]
    # Two enums under one response name are the conflict the alias avoids; the check is live.
    conflict = "query S($ids: [ID!]!) { nodes(ids: $ids) { ... on Image { status } ... on Volume { status } } }"
    assert "conflict" in validate(client, parse(conflict))[0].message


@pytest.mark.node
async def test_graphql_js_builds_the_client_schema_but_not_the_subgraph_sdl(tmp_path: Path) -> None:
    document = tmp_path / "nodes.graphql"
    document.write_text(NODES + BOTH_NAMES)
    client = await run_node_json("build-schema.mjs", str(CLIENT_SCHEMA), str(document))
    assert client.output["ok"] is True and client.output["errors"] == []
    assert {"Image", "Volume", "VolumeStatus", "Node"} <= set(client.output["types"])
    subgraph = await run_node_json("build-schema.mjs", str(SUBGRAPH_SCHEMA))
    assert subgraph.output["ok"] is False and "Unknown directive" in subgraph.output["error"]  # why both files exist


@pytest.mark.node
@pytest.mark.timeout(240)
async def test_the_relay_compiler_accepts_the_relay_documents(tmp_path: Path) -> None:
    run = await run_node_json("relay-compile.mjs", str(RELAY_DOCUMENTS), str(CLIENT_SCHEMA), str(tmp_path / "out"))
    assert run.output["ok"], run.output["output"]
    assert {p.name for p in (tmp_path / "out").iterdir()} >= {
        "NodesQuery.graphql.ts", "ImagesListPaginationQuery.graphql.ts", "VolumeCardRefetchQuery.graphql.ts",
    }
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "Bad.ts").write_text('import { graphql } from "react-relay";\nexport const q = graphql`\n  query BadQuery('
                                '$ids: [ID!]!) { nodes(ids: $ids) { ... on Image { id sizeGiB: minDiskSizeGiB } '
                                '... on Volume { id sizeGiB: name } } }\n`;\n')
    refused = await run_node_json("relay-compile.mjs", str(bad), str(CLIENT_SCHEMA), str(tmp_path / "bad-out"))
    assert not refused.output["ok"] and "sizeGiB" in refused.output["output"]


async def test_nodes_with_inline_fragments_on_both_types_answers(stack: Stack) -> None:
    listed = await stack.graphql("query L { images(first: 1, filter: { providers: [JDCLOUD] }) { nodes { id name } }"
                                 " volumes(first: 1) { nodes { id name volumeId diskId } } }")
    image, volume = listed["data"]["images"]["nodes"][0], listed["data"]["volumes"]["nodes"][0]
    assert volume["diskId"] == volume["volumeId"]  # the deprecated name still answers
    body = await stack.graphql(NODES, {"ids": [image["id"], volume["id"]]})
    assert "errors" not in body, body["errors"]
    got_image, got_volume = body["data"]["nodes"]
    assert got_image["__typename"] == "Image" and got_image["name"] == image["name"]
    assert got_volume["__typename"] == "Volume" and got_volume["name"] == volume["name"]
    assert isinstance(got_volume["sizeGiB"], float) and got_volume["volumeStatus"] in {"AVAILABLE", "IN_USE"}
    assert got_image["imageStatus"] == "AVAILABLE" and got_image["createdAt"].endswith("+08:00")
    names = await stack.graphql(BOTH_NAMES, {"ids": [image["id"], volume["id"]]})
    assert names["data"]["nodes"] == [{"name": image["name"]}, {"name": volume["name"]}]
