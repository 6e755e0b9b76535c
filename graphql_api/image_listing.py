"""The `images` connection field: on `Query`, and scoped to one zone or region on `Location.images`.

Both take the same arguments (filter, orderBy, distinctOn, Relay paging) and run through the same
per-request loaders (`resolvers.choosing.images`), so a `locations { images }` query costs the calls
of the sources it reads and nothing more: a page one field read is not read again by another.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

import strawberry
from strawberry.parent import StrawberryParent

from providers import base, osid
from providers.query import ImageQuery
from providers.registry import PROVIDERS
from resolvers import choosing, filters, ordering

from .federation import Info
from .settings import DEFAULTS
from .types.connection import connection_directives
from .types.enums import CloudProvider, to_provider
from .types.image import ImageConnection
from .types.inputs import ImageFilter
from .types.ordering import ImageDistinctField, ImageOrder, OrderDirection


def providers_of(values: list[CloudProvider] | None) -> list[base.ProviderName] | None:
    return [to_provider(p) for p in values] if values is not None else None


def image_query(filter: ImageFilter | None) -> ImageQuery:
    if filter is None:
        return ImageQuery()
    os = filter.os
    return filters.image_query(
        providers=providers_of(filter.providers),
        locations=filter.locations,
        image_ids=filter.image_ids,
        name=filter.name,
        os_type=base.OsType[filter.os_type.name] if filter.os_type else None,
        platform=filter.platform,
        source=base.ImageSource[filter.source.name] if filter.source else None,
        status=base.ImageStatus[filter.status.name] if filter.status else None,
        architecture=filter.architecture,
        tag_keys=filter.tag_keys,
        tags=filter.tags,
        created_after=filter.created_after,
        created_before=filter.created_before,
        raw={spec.name: getattr(filter, spec.name.value) for spec in PROVIDERS},
        sources=[base.ImageSource[s.name] for s in filter.sources] if filter.sources is not None else None,
        os=filters.os_condition(osid.OsFamily[os.family.name] if os.family else None, os.version, os.min_version)
        if os is not None else None,
    )


def sort_of(order_by: list[ImageOrder] | None, distinct_on: list[ImageDistinctField] | None) -> ordering.Sort:
    return ordering.Sort.of(
        [ordering.Order(ordering.OrderField[o.field.name], o.direction is OrderDirection.DESC) for o in order_by or ()],
        [ordering.DistinctField[d.name] for d in distinct_on or ()],
    )


def within(query: ImageQuery, location: base.Location) -> ImageQuery:
    """`query` narrowed to one location; nothing when the filter excludes it (and then no provider call)."""
    if query.providers is not None and location.provider not in query.providers:
        return replace(query, providers=frozenset())
    keep = query.locations is None or location.id in query.locations
    return replace(query, providers=frozenset({location.provider}), locations=(location.id,) if keep else ())


ORDER_HELP = (
    "`orderBy` sorts by the given fields in turn (nulls last either way; ties keep the default order), reading "
    "every selected source whole: one provider call per page of each source, at most CIG_MAX_SCAN_ITEMS images. "
    "`distinctOn` keeps the first image per group under that order (e.g. the newest per location), and then "
    "considers only trusted, usable images unless the filter says otherwise: the provider's official images "
    "and this account's own (not JD Cloud community, shared or marketplace images, which anyone can publish "
    "under any name: Terraform's `most_recent` picked such an image, CVE-2018-15869), AVAILABLE and not "
    "offline. Name `source`/`sources` or `status` in the filter to choose among others."
)


def images_field(*, description: str, scoped: bool) -> Any:
    """The `images` field; `scoped` for `Location.images` (its root is the location)."""

    async def resolve(
        root: Any, info: Info, filter: ImageFilter | None = None, order_by: list[ImageOrder] | None = None,
        distinct_on: list[ImageDistinctField] | None = None, first: int | None = None, after: str | None = None,
        last: int | None = None, before: str | None = None,
    ) -> ImageConnection:
        query = image_query(filter)
        if scoped:
            query = within(query, root.record)
        page = await choosing.images(
            info.context, query, sort_of(order_by, distinct_on), first=first, after=after, last=last,
            before=before, path=info.path.as_list(),
        )
        return ImageConnection.from_page(page, memo=info.context.limits.answer_memo)

    resolve.__annotations__ = {
        "root": Annotated[Any, StrawberryParent()],
        "info": Info,
        "filter": Annotated[ImageFilter | None, strawberry.argument(description="Which images; all if null.")],
        "order_by": Annotated[list[ImageOrder] | None, strawberry.argument(
            description="Sort keys, most significant first; each field at most once. Null: the default order.")],
        "distinct_on": Annotated[list[ImageDistinctField] | None, strawberry.argument(
            description="Keep one image per group (the first under `orderBy`); trusted and usable images only "
            "unless the filter names sources or a status.")],
        "first": Annotated[int | None, strawberry.argument(description="Page forward: N items after `after`.")],
        "after": Annotated[str | None, strawberry.argument(description="Cursor to continue after.")],
        "last": Annotated[int | None, strawberry.argument(description="Page backward: N items before `before`.")],
        "before": Annotated[str | None, strawberry.argument(description="Cursor to continue before.")],
        "return": ImageConnection,
    }
    return strawberry.field(resolve, description=f"{description} {ORDER_HELP}",
                            directives=connection_directives(DEFAULTS.default_page_size))
