"""The exported subgraph SDL composes with another subgraph under Apollo's own composition.

A second subgraph (tests/node/deployments.graphql) references images by their key; composition with
@apollo/composition 2.14.4 must succeed and join Image from both subgraphs. The negative cases show
what the subgraph's federation directives are for: without `@shareable` on PageInfo, a second
subgraph with connections of its own cannot compose.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import DocumentNode, ObjectTypeDefinitionNode, StringValueNode, parse, print_ast

from graphql_api.schema import schema

from .node import DEPLOYMENTS_SDL, Composition, compose

pytestmark = [pytest.mark.node, pytest.mark.timeout(180)]

LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.11", import: ["@key", "@shareable"])\n'
SHAREABLE_PAGE_INFO = "type PageInfo @shareable {\n  hasNextPage: Boolean!\n  endCursor: String\n}\n"
OWN_PAGE_INFO = "type PageInfo {\n  hasNextPage: Boolean!\n  endCursor: String\n}\n"


def service_sdl() -> str:
    return schema.as_str() + "\n"  # what `cloud-images-graphql export-schema` writes


def object_type(document: DocumentNode, name: str) -> ObjectTypeDefinitionNode:
    for definition in document.definitions:
        if isinstance(definition, ObjectTypeDefinitionNode) and definition.name.value == name:
            return definition
    raise AssertionError(f"type {name} is not in the supergraph")


def join_types(definition: ObjectTypeDefinitionNode) -> dict[str, dict[str, str]]:
    """graph -> the other arguments of each @join__type on a supergraph type."""
    joined: dict[str, dict[str, str]] = {}
    for directive in definition.directives or ():
        if directive.name.value != "join__type":
            continue
        arguments = {a.name.value: print_ast(a.value) for a in directive.arguments or ()}
        joined[arguments.pop("graph")] = arguments
    return joined


def assert_composed(result: Composition) -> DocumentNode:
    assert result.ok and not result.errors, result.errors
    return parse(result.supergraph_sdl)


async def test_service_composes_with_a_subgraph_that_references_images(tmp_path: Path) -> None:
    result = await compose(tmp_path, {"images": service_sdl(), "deployments": DEPLOYMENTS_SDL})
    supergraph = assert_composed(result)

    image = object_type(supergraph, "Image")
    assert join_types(image) == {
        "IMAGES": {"key": '"id"'},
        "DEPLOYMENTS": {"key": '"id"', "resolvable": "false"},
    }
    fields = {f.name.value for f in image.fields or ()}
    assert {"id", "name", "provider", "location", "osType", "systemDisk", "dataDisks"} <= fields
    deployment = object_type(supergraph, "Deployment")
    assert join_types(deployment) == {"DEPLOYMENTS": {"key": '"id"'}}
    query = object_type(supergraph, "Query")
    query_fields = {f.name.value: f for f in query.fields or ()}
    assert {"images", "image", "node", "nodes", "locations", "deployments"} <= set(query_fields)
    assert "_entities" not in query_fields and "_service" not in query_fields  # federation plumbing stays below

    # Demand control survives composition: a router can cost `images` by the requested page size.
    directives = {d.name.value: d for d in query_fields["images"].directives or ()}
    assert "cost" in directives and "listSize" in directives, print_ast(query_fields["images"])
    list_size = {a.name.value: a.value for a in directives["listSize"].arguments or ()}
    assert print_ast(list_size["slicingArguments"]) == '["first", "last"]'
    assert print_ast(list_size["sizedFields"]) == '["edges", "nodes"]'
    cost = {a.name.value: print_ast(a.value) for a in directives["cost"].arguments or ()}
    assert cost == {"weight": "10"}


async def test_page_info_is_shared_with_another_subgraphs_connections(tmp_path: Path) -> None:
    deployments = DEPLOYMENTS_SDL + SHAREABLE_PAGE_INFO
    supergraph = assert_composed(await compose(tmp_path, {"images": service_sdl(), "deployments": deployments}))
    page_info = object_type(supergraph, "PageInfo")
    assert set(join_types(page_info)) == {"IMAGES", "DEPLOYMENTS"}
    description = page_info.description
    assert isinstance(description, StringValueNode) and "Relay" in description.value


async def test_a_non_shareable_page_info_elsewhere_does_not_compose(tmp_path: Path) -> None:
    result = await compose(tmp_path, {"images": service_sdl(), "deployments": DEPLOYMENTS_SDL + OWN_PAGE_INFO})
    assert not result.ok
    assert "INVALID_FIELD_SHARING" in result.error_codes, result.errors
    assert any("PageInfo.hasNextPage" in e["message"] for e in result.errors), result.errors


async def test_without_shareable_on_page_info_the_service_would_not_compose(tmp_path: Path) -> None:
    """The `@shareable` on the service's PageInfo is what lets the previous composition succeed."""
    without = service_sdl().replace("type PageInfo @shareable {", "type PageInfo {")
    assert without != service_sdl()
    result = await compose(tmp_path, {"images": without, "deployments": DEPLOYMENTS_SDL + SHAREABLE_PAGE_INFO})
    assert not result.ok
    assert "INVALID_FIELD_SHARING" in result.error_codes, result.errors


async def test_a_second_subgraph_cannot_redefine_image_fields(tmp_path: Path) -> None:
    """Image fields belong to this subgraph: another one resolving `name` itself is a composition error."""
    rogue = LINK + "type Image @key(fields: \"id\") {\n  id: ID!\n  name: String!\n}\n" + (
        "type Query {\n  imagesElsewhere: [Image!]!\n}\n"
    )
    result = await compose(tmp_path, {"images": service_sdl(), "rogue": rogue})
    assert not result.ok
    assert "INVALID_FIELD_SHARING" in result.error_codes, result.errors
    assert any("Image.name" in e["message"] for e in result.errors), result.errors
