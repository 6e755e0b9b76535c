"""GraphQL documents and helpers the end-to-end tests share."""

from __future__ import annotations

from typing import Any

from .harness import Stack

PAGE = """
query Page($filter: ImageFilter, $first: Int, $after: String, $last: Int, $before: String) {
  images(filter: $filter, first: $first, after: $after, last: $last, before: $before) {
    totalCount
    complete
    failedSources
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id provider location imageId name } }
  }
}
"""


async def page(stack: Stack, **variables: Any) -> dict[str, Any]:
    body = await stack.graphql(PAGE, variables)
    assert "errors" not in body, body["errors"]
    return body["data"]["images"]  # type: ignore[no-any-return]


def ids(connection: dict[str, Any]) -> list[str]:
    return [edge["node"]["id"] for edge in connection["edges"]]


async def everything(stack: Stack, filter: dict[str, Any] | None = None) -> list[str]:
    """Every matching image id, read as one big page."""
    result = await page(stack, filter=filter, first=1000)
    assert not result["pageInfo"]["hasNextPage"], "catalog larger than one page of 1000"
    return ids(result)


def codes(body: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in body.get("errors", [])]
