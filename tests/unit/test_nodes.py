"""resolvers.nodes: global ids of every kind, routing to the kind's loader, batching, bad ids."""

from __future__ import annotations

import asyncio
import base64

import pytest
from graphql import GraphQLError

from providers.jdcloud.models import NAME as JDCLOUD
from providers.zenlayer.models import NAME as ZENLAYER
from resolvers import nodes
from resolvers.kinds import IMAGES, KINDS, VOLUMES

from .memory import MemoryCatalog, image, scope, volume


def gid(typename: str, node_id: str) -> str:
    return base64.b64encode(f"{typename}:{node_id}".encode()).decode()


def catalog() -> MemoryCatalog:
    return MemoryCatalog(
        ZENLAYER, {"a": [image(ZENLAYER, "a", "i1"), image(ZENLAYER, "a", "i2")], "b": [image(ZENLAYER, "b", "i3")]},
        volumes={"a": [volume(ZENLAYER, "a", "v1")]},
    )


def test_a_node_id_round_trips_to_its_kind_and_key() -> None:
    node_id = nodes.node_id(ZENLAYER, "a", "i:1")  # the provider id may hold the separator
    kind, key = nodes.parse_global_id(gid("Image", node_id))
    assert kind is IMAGES and (key.provider, key.location, key.resource_id) == (ZENLAYER, "a", "i:1")
    assert nodes.parse_global_id(gid("Volume", node_id), VOLUMES)[0] is VOLUMES


@pytest.mark.parametrize(
    ("global_id", "expected", "message"),
    [
        ("not base64!", None, "is not a valid global id"),
        (gid("Instance", "zenlayer:a:i1"), None, "not 'Image' or 'Volume'"),
        (gid("Volume", "zenlayer:a:v1"), IMAGES, "not 'Image'"),
        (gid("Image", "nocloud:a:i1"), None, "unknown provider 'nocloud'"),
        (gid("Image", "zenlayer:a"), None, "must encode provider, location"),
    ],
)
def test_bad_ids_are_bad_input_never_another_kind_or_provider(
    global_id: str, expected: object, message: str
) -> None:
    with pytest.raises(GraphQLError) as info:
        nodes.parse_global_id(global_id, expected)  # type: ignore[arg-type]
    assert info.value.extensions == {"code": "BAD_USER_INPUT", "argument": "id"}
    assert message in info.value.message


def test_an_unknown_kind_is_bad_input() -> None:
    with pytest.raises(GraphQLError, match="unknown kind 'Instance'"):
        KINDS.get("Instance")


async def test_ids_of_one_provider_and_location_are_one_call_per_kind() -> None:
    c = catalog()
    s = scope(c)
    ids = [gid("Image", "zenlayer:a:i1"), gid("Image", "zenlayer:a:i2"), gid("Image", "zenlayer:a:gone"),
           gid("Image", "zenlayer:b:i3"), gid("Volume", "zenlayer:a:v1")]
    found = await asyncio.gather(*nodes.resolve_nodes(s, ids))  # awaited together: the loaders batch them
    assert [(f[0].typename, f[0].id_of(f[1])) if f else None for f in found] == [
        ("Image", "i1"), ("Image", "i2"), None, ("Image", "i3"), ("Volume", "v1")]
    assert c.calls == {"get_images": 2, "list_volumes": 1}  # zone a and zone b; one volume listing


async def test_unconfigured_providers_and_missing_locations_resolve_to_null() -> None:
    s = scope(catalog())
    assert await nodes.resolve(s, gid("Image", "jdcloud:cn-north-1:img"), IMAGES) is None  # not configured
    assert await nodes.resolve(s, gid("Image", "zenlayer:mars:img"), IMAGES) is None  # NotFound location
    assert JDCLOUD not in s.catalogs


async def test_a_provider_failure_on_lookup_is_an_upstream_error() -> None:
    c = catalog()
    c.failing.add("a")
    with pytest.raises(GraphQLError) as info:
        await nodes.resolve(scope(c), gid("Image", "zenlayer:a:i1"), IMAGES)
    assert (info.value.extensions or {})["code"] == "UPSTREAM_UNAVAILABLE"


def test_more_ids_than_the_limit_are_bad_input() -> None:
    with pytest.raises(GraphQLError) as info:
        nodes.resolve_nodes(scope(catalog()), [gid("Image", "zenlayer:a:i1")] * 6)  # the limit is 5
    assert info.value.extensions == {"code": "BAD_USER_INPUT", "argument": "ids"}
