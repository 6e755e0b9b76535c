"""Relay cursor connection types (https://relay.dev/graphql/connections.htm) for images."""

from __future__ import annotations

import strawberry

from .image import Image


@strawberry.federation.type(
    shareable=True,
    description="Where a page sits in its connection, per the Relay cursor connections specification.",
)
class PageInfo:
    has_next_page: bool = strawberry.field(description="True when items follow the last edge of this page.")
    has_previous_page: bool = strawberry.field(description="True when items precede the first edge of this page.")
    start_cursor: str | None = strawberry.field(description="Cursor of the first edge; null on an empty page.")
    end_cursor: str | None = strawberry.field(description="Cursor of the last edge; null on an empty page.")


@strawberry.type(description="An image and its cursor.")
class ImageEdge:
    cursor: str = strawberry.field(
        description="Opaque, versioned cursor. Valid only with the same filter it was issued for."
    )
    node: Image = strawberry.field(description="The image.")


@strawberry.type(
    description="A page of images across every provider and location the filter selects, in a deterministic "
    "order: provider (ZENLAYER, JDCLOUD), then location id, then (JD Cloud) image source in the order public, "
    "thirdparty, private, shared, community, then the provider's own order."
)
class ImageConnection:
    edges: list[ImageEdge] = strawberry.field(description="The images of this page with their cursors.")
    page_info: PageInfo = strawberry.field(description="Cursors and whether more pages exist.")
    total_count: int = strawberry.field(
        description="Number of images matching the filter across all selected sources that answered. Exact, "
        "also when part of the filter is applied by this service."
    )
    oldest_data_age_seconds: float | None = strawberry.field(
        description="Age in seconds of the oldest provider answer this page was built from (cache hits are "
        "older than 0). Null when no provider was asked."
    )

    @strawberry.field(description="The images of this page, without cursors (shortcut for `edges { node }`).")
    def nodes(self) -> list[Image]:
        return [edge.node for edge in self.edges]
