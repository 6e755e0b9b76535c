"""A real Apollo Gateway joins the service with a second subgraph, end to end over loopback.

The service runs in-process against both provider emulators (tests/e2e/harness.py). A Node subgraph
(tests/node/deployments-subgraph.mjs) serves deployments that reference real image ids, and
@apollo/gateway (tests/node/gateway.mjs) composes both subgraphs from their `_service { sdl }`.
A federated query must return the service's own data for each reference, and the references must be
batched: N images in one location cost one provider call. Malformed representations sent straight to
`_entities` fail one entity each, never the batch.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from strawberry.relay import to_base64

from tests.e2e.harness import Stack, running_stack

from .node import NodeServer, node_server

pytestmark = [pytest.mark.node, pytest.mark.timeout(180)]

ZONE = "asia-east-1a"
OTHER_ZONE = "eu-west-1a"
JD_REGION = "cn-north-1"
IMAGE_FIELDS = "id name provider location osType"
IMAGES = f"""
query($filter: ImageFilter) {{
  images(first: 5, filter: $filter) {{ edges {{ node {{ {IMAGE_FIELDS} }} }} }}
}}
"""
FEDERATED = f"{{ deployments {{ id name image {{ {IMAGE_FIELDS} }} }} }}"
ENTITIES = f"""
query($representations: [_Any!]!) {{
  _entities(representations: $representations) {{ __typename ... on Image {{ {IMAGE_FIELDS} }} }}
}}
"""
REQUEST_TIMEOUT = aiohttp.ClientTimeout(total=30)


@dataclass
class Federation:
    stack: Stack
    gateway: NodeServer
    subgraph: NodeServer

    async def query(self, document: str) -> dict[str, Any]:
        """POST through the gateway; the exchange itself must succeed."""
        async with self.stack.session.post(
            self.gateway.url, json={"query": document}, timeout=REQUEST_TIMEOUT,
        ) as response:
            body = await response.json(content_type=None)
            assert response.status == 200, (response.status, body, self.gateway.log())
            return body  # type: ignore[no-any-return]


async def zone_images(stack: Stack, zone: str = ZONE) -> list[dict[str, Any]]:
    """The first five images of one location (Zenlayer zone or JD Cloud region), as the service returns them."""
    body = await stack.graphql(IMAGES, {"filter": {"locations": [zone]}})
    assert "errors" not in body, body
    images = [edge["node"] for edge in body["data"]["images"]["edges"]]
    assert len(images) == 5 and {i["location"] for i in images} == {zone}, images
    return images


@asynccontextmanager
async def federation(stack: Stack, image_ids: Sequence[str]) -> AsyncIterator[Federation]:
    async with (
        node_server("deployments-subgraph.mjs", "0", *image_ids) as subgraph,
        node_server("gateway.mjs", "0", f"images={stack.url}/graphql", f"deployments={subgraph.url}") as gateway,
    ):
        yield Federation(stack, gateway, subgraph)


async def post_entities(stack: Stack, representations: list[Any]) -> tuple[int, dict[str, Any]]:
    """`_entities` sent straight to the service, as a gateway does."""
    async with stack.session.post(
        stack.url + "/graphql", json={"query": ENTITIES, "variables": {"representations": representations}},
        headers={"Accept": "application/graphql-response+json"}, timeout=REQUEST_TIMEOUT,
    ) as response:
        return response.status, await response.json(content_type=None)


def errors_by_index(body: dict[str, Any]) -> dict[int, dict[str, Any]]:
    found = {}
    for error in body.get("errors", []):
        assert error["path"][0] == "_entities", error
        found[int(error["path"][1])] = error
    return found


@pytest.mark.parametrize(("location", "provider", "action"), [
    (ZONE, "ZENLAYER", "DescribeImages"),
    (JD_REGION, "JDCLOUD", "describeImages"),
])
async def test_gateway_joins_deployments_with_images_in_one_provider_call(
    location: str, provider: str, action: str,
) -> None:
    async with running_stack() as stack:
        images = await zone_images(stack, location)
        async with federation(stack, [i["id"] for i in images]) as fed:
            stack.reset_calls()
            body = await fed.query(FEDERATED)
            calls = {"ZENLAYER": dict(stack.zenlayer.counter.by_action),
                     "JDCLOUD": dict(stack.jdcloud.counter.by_action)}

    assert "errors" not in body, body
    deployments = body["data"]["deployments"]
    assert [d["name"] for d in deployments] == [f"web-{n}" for n in range(1, 6)]
    assert [d["image"] for d in deployments] == images  # every field as the service itself answers it
    assert {i["provider"] for i in images} == {provider}
    # Five references in one location: the gateway sends one `_entities` batch, the service one provider call.
    other = "JDCLOUD" if provider == "ZENLAYER" else "ZENLAYER"
    assert calls == {provider: {action: 1}, other: {}}, calls


async def test_a_reference_to_a_missing_or_malformed_image_fails_only_that_image() -> None:
    async with running_stack() as stack:
        good = (await zone_images(stack))[0]
        gone = to_base64("Image", f"zenlayer:{ZONE}:img-does-not-exist")
        async with federation(stack, [good["id"], gone, "not-a-global-id"]) as fed:
            body = await fed.query(FEDERATED)

    deployments = body["data"]["deployments"]
    assert [d["name"] for d in deployments] == ["web-1", "web-2", "web-3"], body
    assert deployments[0]["image"] == good
    assert deployments[1]["image"] is None and deployments[2]["image"] is None, deployments
    errors = body.get("errors", [])
    assert len(errors) == 1, errors  # the missing image is null without error; the malformed id is an error
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT", errors
    assert errors[0]["path"][:3] == ["deployments", 2, "image"], errors


async def test_malformed_representations_fail_one_entity_each_and_never_the_batch() -> None:
    async with running_stack() as stack:
        images = await zone_images(stack)
        stack.reset_calls()
        status, body = await post_entities(stack, [
            {"__typename": "Image", "id": images[0]["id"]},
            {"__typename": "Deployment", "id": "deployment-1"},  # not an entity of this subgraph
            {"__typename": "Image", "id": "not-a-global-id"},
            {"__typename": "Image"},  # the key is missing
            {"id": images[1]["id"]},  # no __typename
            "Image",  # not an object
            {"__typename": "Image", "id": to_base64("Image", f"zenlayer:{ZONE}:img-does-not-exist")},
            {"__typename": "Image", "id": images[2]["id"]},
        ])
        calls = dict(stack.zenlayer.counter.by_action)

    assert status == 200, body
    entities = body["data"]["_entities"]
    assert len(entities) == 8, body
    assert entities[0] == {"__typename": "Image", **images[0]}
    assert entities[7] == {"__typename": "Image", **images[2]}
    assert entities[1:7] == [None] * 6, entities
    errors = errors_by_index(body)
    assert sorted(errors) == [1, 2, 3, 4, 5], body["errors"]  # an id that does not exist is null, no error
    assert {e["extensions"]["code"] for e in errors.values()} == {"BAD_USER_INPUT"}, body["errors"]
    assert "Deployment" in errors[1]["message"] and "`id`" in errors[3]["message"], body["errors"]
    assert calls == {"DescribeImages": 1}, calls  # the valid references and the unknown id: still one call


async def test_references_in_two_zones_cost_one_call_per_zone_and_keep_their_order() -> None:
    async with running_stack() as stack:
        east, west = await zone_images(stack, ZONE), await zone_images(stack, OTHER_ZONE)
        wanted = [east[0], west[0], east[1], west[1], east[2]]  # interleaved on purpose
        stack.reset_calls()
        status, body = await post_entities(stack, [{"__typename": "Image", "id": i["id"]} for i in wanted])
        calls = dict(stack.zenlayer.counter.by_action)

    assert status == 200 and "errors" not in body, body
    assert body["data"]["_entities"] == [{"__typename": "Image", **i} for i in wanted]
    assert calls == {"DescribeImages": 2}, calls  # grouped by zone, not one call per reference


async def test_an_oversized_batch_is_refused_before_any_provider_call() -> None:
    async with running_stack(max_page_size=5) as stack:
        image = (await zone_images(stack, ZONE))[0]
        stack.reset_calls()
        status, body = await post_entities(stack, [{"__typename": "Image", "id": image["id"]}] * 6)
        assert status == 200 and body["data"] is None, body
        assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"], body
        assert stack.calls == 0


async def test_service_sdl_over_http_is_what_the_gateway_composes() -> None:
    """The subgraph answers `_service { sdl }` with the Federation 2 SDL, key and links included."""
    async with running_stack() as stack:
        body = await stack.graphql("{ _service { sdl } }")
    sdl = body["data"]["_service"]["sdl"]
    assert '@link(url: "https://specs.apollo.dev/federation/v2.' in sdl
    assert 'type Image implements Node @key(fields: "id")' in sdl
    assert "type PageInfo @shareable" in sdl
