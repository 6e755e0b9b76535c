"""Acceptance: a third provider registered through the registry alone serves `locations`, `images`,
`volumes`, `node`/`nodes` and federation `_entities` beside Zenlayer and JD Cloud, with pinned calls.

Run in a child process by tests/e2e/test_third_provider.py: the spec is registered below, before the
GraphQL types are first imported (they read the registry then).
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import pytest

from providers.registry import PROVIDERS, UnknownProviderError
from tests.thirdcloud import catalog
from tests.thirdcloud.spec import SPEC

PROVIDERS.register(SPEC)

if TYPE_CHECKING:
    from tests.e2e.harness import Stack

ALL = """query All($filter: ImageFilter) {
  images(first: 1000, filter: $filter) { totalCount edges { node { id provider location imageId name } } }
}"""
NODES = """query N($ids: [ID!]!) {
  nodes(ids: $ids) { id ... on Image { name provider } ... on Volume { volumeName: name } }
}"""
ENTITIES = """query E($r: [_Any!]!) {
  _entities(representations: $r) { ... on Image { imageId provider } ... on Volume { diskId provider } }
}"""


@pytest.fixture
async def stack() -> AsyncIterator[Stack]:
    from tests.e2e.harness import running_stack  # after the registration above

    async with running_stack(cache_ttl=0) as s:  # no cross-request cache: each query's calls are its own
        yield s


def third_calls(stack: Stack) -> dict[str, int]:
    return dict(stack.emulators["thirdcloud"].counter.by_action)


def gid(typename: str, node_id: str) -> str:
    return base64.b64encode(f"{typename}:{node_id}".encode()).decode()


async def images(stack: Stack, filter: dict[str, Any] | None = None) -> dict[str, Any]:
    body = await stack.graphql(ALL, {"filter": filter})
    assert "errors" not in body, body
    return body["data"]["images"]  # type: ignore[no-any-return]


def test_the_registry_has_three_providers_and_refuses_unknown_ones() -> None:
    assert [name.value for name in PROVIDERS.names] == ["zenlayer", "jdcloud", "thirdcloud"]
    with pytest.raises(UnknownProviderError, match="nocloud"):
        PROVIDERS.get("nocloud")
    with pytest.raises(ValueError, match="twice"):
        PROVIDERS.register(SPEC)


def test_its_settings_section_is_read_from_its_own_variables() -> None:
    from graphql_api.settings import load

    settings = load({"THIRDCLOUD_TOKEN": "t", "THIRDCLOUD_URL": "http://127.0.0.1:9"})
    assert not settings.demo_mode  # the third cloud alone is a configured provider
    assert settings.section("thirdcloud").url == "http://127.0.0.1:9"
    assert "'t'" not in repr(settings)


async def test_locations_of_all_three_in_registry_order(stack: Stack) -> None:
    body = await stack.graphql("query L { locations { provider id } }")
    found = [(loc["provider"], loc["id"]) for loc in body["data"]["locations"]]
    assert [p for p, _ in found] == sorted((p for p, _ in found), key=["ZENLAYER", "JDCLOUD", "THIRDCLOUD"].index)
    assert [i for p, i in found if p == "THIRDCLOUD"] == list(catalog.REGIONS)
    assert third_calls(stack) == {"ListRegions": 1}
    stack.reset_calls()
    body = await stack.graphql("query L { locations(provider: THIRDCLOUD) { id } }")
    assert [loc["id"] for loc in body["data"]["locations"]] == list(catalog.REGIONS)
    assert stack.calls == 1 and third_calls(stack) == {"ListRegions": 1}


async def test_images_of_the_third_cloud_page_like_the_others(stack: Stack) -> None:
    page = await images(stack, {"providers": ["THIRDCLOUD"]})
    assert [e["node"]["imageId"] for e in page["edges"]] == ["tci-1", "tci-2", "tci-3", "tci-4", "tci-5"]
    # ListRegions once; tc-east (3 images, pages of 2) pages 1 and 2; tc-west (2 images) page 1.
    assert third_calls(stack) == {"ListRegions": 1, "ListImages": 3}
    assert stack.calls == 4  # the other two providers are not asked

    stack.reset_calls()
    page = await images(stack, {"providers": ["THIRDCLOUD"], "thirdcloud": {"family": "debian"}, "osType": "LINUX"})
    assert [e["node"]["imageId"] for e in page["edges"]] == ["tci-1", "tci-3", "tci-4"]
    # family pushed down (two debian images in tc-east: one page now), os applied here: one page a region.
    assert third_calls(stack) == {"ListRegions": 1, "ListImages": 2}


async def test_images_across_all_three_add_the_third_and_keep_the_other_budgets(stack: Stack) -> None:
    two = await images(stack, {"providers": ["ZENLAYER", "JDCLOUD"]})
    two_calls = {name: dict(e.counter.by_action) for name, e in stack.emulators.items()}
    stack.reset_calls()
    three = await images(stack)
    assert three["totalCount"] == two["totalCount"] + 5
    assert [e["node"]["provider"] for e in three["edges"][-5:]] == ["THIRDCLOUD"] * 5
    assert three["edges"][:-5] == two["edges"]
    assert {name: dict(e.counter.by_action) for name, e in stack.emulators.items() if name != "thirdcloud"} == {
        name: calls for name, calls in two_calls.items() if name != "thirdcloud"
    }
    assert third_calls(stack) == {"ListRegions": 1, "ListImages": 3}


async def test_volumes_across_all_three(stack: Stack) -> None:
    query = "query V($f: VolumeFilter) { volumes(first: 1000, filter: $f) { totalCount edges { node { diskId } } } }"
    body = await stack.graphql(query, {"f": {"providers": ["THIRDCLOUD"], "status": "free"}})
    assert [e["node"]["diskId"] for e in body["data"]["volumes"]["edges"]] == ["tcv-2", "tcv-3"]
    assert third_calls(stack) == {"ListRegions": 1, "ListVolumes": 2}  # one per region, state pushed down
    stack.reset_calls()
    everything = await stack.graphql(query)
    assert body["data"]["volumes"]["totalCount"] == 2
    assert [e["node"]["diskId"] for e in everything["data"]["volumes"]["edges"][-3:]] == ["tcv-1", "tcv-2", "tcv-3"]


async def test_node_and_nodes_route_ids_of_every_provider(stack: Stack) -> None:
    page = await images(stack)
    first_of = {}
    for edge in page["edges"]:
        first_of.setdefault(edge["node"]["provider"], edge["node"])
    assert set(first_of) == {"ZENLAYER", "JDCLOUD", "THIRDCLOUD"}
    stack.reset_calls()
    body = await stack.graphql("query One($id: ID!) { node(id: $id) { id ... on Image { imageId } } }",
                               {"id": gid("Image", "thirdcloud:tc-west:tci-5")})
    assert body["data"]["node"]["imageId"] == "tci-5" and third_calls(stack) == {"ListImages": 1}

    stack.reset_calls()
    ids = [*(n["id"] for n in first_of.values()), gid("Image", "thirdcloud:tc-east:tci-3"),
           gid("Volume", "thirdcloud:tc-west:tcv-2"), gid("Image", "thirdcloud:tc-east:missing")]
    body = await stack.graphql(NODES, {"ids": ids})
    assert "errors" not in body, body
    got = body["data"]["nodes"]
    assert [n["provider"] for n in got[:3]] == ["ZENLAYER", "JDCLOUD", "THIRDCLOUD"]
    assert got[3]["name"] == "my-app" and got[4]["volumeName"] == "scratch" and got[5] is None
    # tci-1, tci-3 and the missing id share tc-east: one ListImages; the volume one ListVolumes.
    assert third_calls(stack) == {"ListImages": 1, "ListVolumes": 1}


async def test_federation_references_resolve_across_all_three(stack: Stack) -> None:
    page = await images(stack)
    refs = []
    for provider in ("ZENLAYER", "JDCLOUD", "THIRDCLOUD"):
        node = next(e["node"] for e in page["edges"] if e["node"]["provider"] == provider)
        refs.append({"__typename": "Image", "id": node["id"]})
    refs.append({"__typename": "Volume", "id": gid("Volume", "thirdcloud:tc-east:tcv-1")})
    stack.reset_calls()
    body = await stack.graphql(ENTITIES, {"r": refs})
    assert "errors" not in body, body
    got = body["data"]["_entities"]
    assert [e["provider"] for e in got] == ["ZENLAYER", "JDCLOUD", "THIRDCLOUD", "THIRDCLOUD"]
    assert got[3]["diskId"] == "tcv-1"
    assert third_calls(stack) == {"ListImages": 1, "ListVolumes": 1}


async def test_an_id_of_an_unregistered_provider_is_bad_input(stack: Stack) -> None:
    body = await stack.graphql(NODES, {"ids": [gid("Image", "nocloud:r:x")]})
    assert body["data"]["nodes"] == [None]
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "unknown provider 'nocloud'" in body["errors"][0]["message"]
    assert stack.calls == 0
