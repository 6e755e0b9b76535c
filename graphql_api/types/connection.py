"""Relay cursor connection types (https://relay.dev/graphql/connections.htm), one pair per listing kind.

`connection_types(Node, ...)` makes `<Node>Edge` and `<Node>Connection` for a node type, so every kind's
connection has the same fields, descriptions and `from_page`; a kind only says its nouns and order.
"""

from __future__ import annotations

from typing import Any, Protocol, TypeVar

import strawberry
from strawberry.federation.schema_directives import Cost, ListSize

from providers.registry import PROVIDERS
from resolvers.listing import ConnectionPage

from .node import KindNode

N = TypeVar("N")


@strawberry.federation.type(
    shareable=True,
    description="Where a page sits in its connection, per the Relay cursor connections specification.",
)
class PageInfo:
    has_next_page: bool = strawberry.field(description="True when items follow the last edge of this page.")
    has_previous_page: bool = strawberry.field(description="True when items precede the first edge of this page.")
    start_cursor: str | None = strawberry.field(description="Cursor of the first edge; null on an empty page.")
    end_cursor: str | None = strawberry.field(description="Cursor of the last edge; null on an empty page.")

    @classmethod
    def from_page(cls, page: ConnectionPage[Any]) -> PageInfo:
        return cls(
            has_next_page=page.has_next_page, has_previous_page=page.has_previous_page,
            start_cursor=page.start_cursor, end_cursor=page.end_cursor,
        )


def connection_directives(assumed_size: int) -> list[object]:
    """Demand-control directives of every connection field (Federation 2.9+ `@cost`, `@listSize`)."""
    return [
        Cost(weight=10),
        ListSize(slicing_arguments=["first", "last"], sized_fields=["edges", "nodes"],
                 require_one_slicing_argument=False, assumed_size=assumed_size),
    ]


class Connection(Protocol[N]):
    """What `connection_types` builds, for the type checker: a page of nodes from a resolver's page."""

    @classmethod
    def from_page(cls, page: ConnectionPage[Any], *, memo: bool) -> Connection[N]: ...


def provider_order() -> str:
    """The provider order of every connection, as documentation: the registry's."""
    return ", ".join(name.name for name in PROVIDERS.names)


def connection_types(
    node: type[KindNode], *, singular: str, plural: str, order: str
) -> tuple[type, type[Connection[Any]]]:
    """(Edge, Connection) for `node`: `singular` ("an image"), `plural` ("images"), `order` (after the
    provider and location order, what orders a location's items). `from_page(page, memo=)` makes the
    nodes with `node.of` (`memo`: `Limits.answer_memo`)."""
    edge_namespace: dict[str, Any] = {
        "__annotations__": {"cursor": str, "node": node},
        "cursor": strawberry.field(
            description="Opaque, versioned cursor. Valid only with the same filter it was issued for."
        ),
        "node": strawberry.field(description=f"The {singular.split(' ', 1)[1]}."),
    }
    edge = strawberry.type(type(f"{node.__name__}Edge", (), edge_namespace),
                           description=f"{singular[0].upper()}{singular[1:]} and its cursor.")

    def nodes(self: Any) -> list[Any]:
        return [e.node for e in self.edges]

    nodes.__annotations__ = {"return": list[node]}  # type: ignore[valid-type]

    def from_page(cls: Any, page: ConnectionPage[Any], *, memo: bool) -> Any:
        return cls(
            edges=[edge(cursor=e.cursor, node=node.of(e.record, memo=memo)) for e in page.edges],
            page_info=PageInfo.from_page(page),
            total_count=page.total_count if page.complete else None,
            complete=page.complete,
            failed_sources=list(page.failed_sources),
            oldest_data_age_seconds=page.oldest_age_seconds,
        )

    namespace: dict[str, Any] = {
        "__annotations__": {"edges": list[edge], "page_info": PageInfo, "total_count": int | None,  # type: ignore[valid-type]
                            "complete": bool, "failed_sources": list[str], "oldest_data_age_seconds": float | None},
        "edges": strawberry.field(description=f"The {plural} of this page with their cursors."),
        "page_info": strawberry.field(description="Cursors and whether more pages exist."),
        "total_count": strawberry.field(
            description=f"Number of {plural} matching the filter across all selected sources, exact (also when "
            "part of the filter is applied by this service). Null when a source failed (`complete` is false): "
            "the number is then unknown, not zero."
        ),
        "complete": strawberry.field(
            description=f"True when every selected source answered, so the {plural}, the cursors and "
            "`totalCount` cover everything the filter selects. False when a source failed: its error is in "
            "the response's `errors` and its label in `failedSources`."
        ),
        "failed_sources": strawberry.field(
            description="The sources that failed for this page, e.g. `jdcloud/cn-north-1/public` (provider, "
            "location and, for JD Cloud images, image source), or a provider alone (`jdcloud`) when its "
            "locations could not be listed. Empty when `complete` is true."
        ),
        "oldest_data_age_seconds": strawberry.field(
            description="Age in seconds of the oldest provider answer this page was built from (cache hits are "
            "older than 0). Null when no provider was asked."
        ),
        "nodes": strawberry.field(
            nodes, description=f"The {plural} of this page, without cursors (shortcut for `edges {{ node }}`)."
        ),
        "from_page": classmethod(from_page),
    }
    connection = strawberry.type(
        type(f"{node.__name__}Connection", (), namespace),
        description=f"A page of {plural} across every provider and location the filter selects, in a deterministic "
        f"order: provider ({provider_order()}), then location id, then {order}.",
    )
    return edge, connection
