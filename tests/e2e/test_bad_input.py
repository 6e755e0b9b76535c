"""Bad input gets a clear error with a stable code, and the service keeps serving."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from .harness import Stack
from .queries import PAGE, codes, page


@pytest.mark.parametrize(
    ("variables", "argument"),
    [
        ({"first": -1}, "first"),
        ({"first": 1001}, "first"),
        ({"last": 10**6}, "last"),
        ({"first": 5, "last": 5}, "first"),
        ({"after": "garbage"}, "after"),
        ({"before": base64.urlsafe_b64encode(b"cig:v1:0000:12").decode()}, "before"),
        ({"filter": {"locations": ["atlantis-1a"]}}, "locations"),
        ({"filter": {"name": ""}}, "name"),
        ({"filter": {"imageIds": []}}, "imageIds"),
        ({"filter": {"tagKeys": [f"k{i}" for i in range(21)]}}, "tagKeys"),
        ({"filter": {"tags": [{"key": f"k{i}", "value": "v"} for i in range(21)]}}, "tags"),
        ({"filter": {"zenlayer": {"category": ""}}}, "zenlayer.category"),
    ],
)
async def test_bad_arguments_are_bad_user_input(stack: Stack, variables: dict[str, Any], argument: str) -> None:
    body = await stack.graphql(PAGE, variables)
    assert codes(body) == ["BAD_USER_INPUT"], body
    assert body["errors"][0]["extensions"]["argument"] == argument
    assert body["data"] is None  # images is non-null: the error nulls the whole answer
    assert (await page(stack, first=1))["totalCount"] > 0  # and the service keeps serving


async def test_a_cursor_from_another_filter_is_refused(stack: Stack) -> None:
    linux = await page(stack, filter={"osType": "LINUX"}, first=2)
    body = await stack.graphql(PAGE, {"filter": {"osType": "WINDOWS"}, "after": linux["pageInfo"]["endCursor"]})
    assert codes(body) == ["BAD_USER_INPUT"]
    assert "different filter" in body["errors"][0]["message"]


@pytest.mark.parametrize(
    "image_id",
    ["", "not base64 at all", base64.b64encode(b"Image:").decode(), base64.b64encode(b"Disk:x:y:z").decode(),
     base64.b64encode(b"Image:aws:us-east-1:ami-1").decode(), base64.b64encode(b"Image:zenlayer:only-zone").decode()],
)
async def test_malformed_ids_are_bad_user_input(stack: Stack, image_id: str) -> None:
    body = await stack.graphql("query($id: ID!) { image(id: $id) { name } }", {"id": image_id})
    assert codes(body) == ["BAD_USER_INPUT"], body
    assert body["data"] == {"image": None}


async def test_unknown_but_well_formed_ids_are_null_without_error(stack: Stack) -> None:
    missing = base64.b64encode(b"Image:zenlayer:asia-east-1a:no-such-image").decode()
    unknown_zone = base64.b64encode(b"Image:zenlayer:atlantis-1a:img").decode()
    body = await stack.graphql(
        "query($a: ID!, $b: ID!) { a: image(id: $a) { name } b: node(id: $b) { id } }",
        {"a": missing, "b": unknown_zone},
    )
    assert body == {"data": {"a": None, "b": None}}


async def test_nodes_fails_only_the_bad_entries(stack: Stack) -> None:
    good = (await page(stack, first=2))["edges"]
    body = await stack.graphql(
        "query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Image { name } } }",
        {"ids": [good[0]["node"]["id"], "broken", good[1]["node"]["id"]]},
    )
    assert [n and n["id"] for n in body["data"]["nodes"]] == [good[0]["node"]["id"], None, good[1]["node"]["id"]]
    assert codes(body) == ["BAD_USER_INPUT"] and body["errors"][0]["path"] == ["nodes", 1]
    too_many = await stack.graphql("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": ["x"] * 101})
    assert codes(too_many) == ["BAD_USER_INPUT"]


async def test_depth_and_alias_limits(stack: Stack) -> None:
    aliases = " ".join(f"a{i}: locations {{ id }}" for i in range(31))
    assert codes(await stack.graphql("{ " + aliases + " }")) == ["GRAPHQL_VALIDATION_FAILED"]
    assert codes(await stack.graphql("{ images { edges { node { nme } } } }")) == ["GRAPHQL_VALIDATION_FAILED"]
    assert codes(await stack.graphql("{ images { ")) == ["GRAPHQL_PARSE_FAILED"]


@pytest.mark.parametrize("document", ["{}", "{ images { } }", "query Q { ...F } fragment F on Query { }",
                                      "{ images { edges { node { ... on Image { } } } } }"])
async def test_an_empty_selection_set_is_a_syntax_error(stack: Stack, document: str) -> None:
    answer = await stack.graphql(document)
    assert codes(answer) == ["GRAPHQL_PARSE_FAILED"] and "data" not in answer
