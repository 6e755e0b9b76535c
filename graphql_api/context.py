"""The per-request GraphQL context: a fresh `RequestScope` (loaders, partial errors, the operation's
deadline and freshness bound) plus the request.

A client asks for fresher data than the cache TTL with the standard request header
`Cache-Control: max-age=N` (`no-cache` means 0); the operator's `CIG_MIN_MAX_AGE` is the floor, so no
client can make every query reach the providers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from starlette.requests import Request

from providers.base import ImageCatalog, ProviderName
from providers.trust import TrustRegistry
from resolvers.loaders import Limits, RequestScope


@dataclass
class Context(RequestScope):
    request: Request | None = field(default=None, repr=False)


def requested_max_age(cache_control: str | None) -> float | None:
    """The `max-age` (or `no-cache` as 0) of a Cache-Control request header; None when absent or unreadable."""
    if not cache_control:
        return None
    ages: list[float] = []
    for directive in cache_control.split(","):
        name, _, value = directive.strip().partition("=")
        name = name.strip().lower()
        if name == "no-cache":
            ages.append(0.0)
        elif name == "max-age":
            try:
                ages.append(max(0.0, float(value.strip().strip('"'))))
            except ValueError:
                continue
    return min(ages) if ages else None


def build_context(
    catalogs: Mapping[ProviderName, ImageCatalog], limits: Limits, request: Request | None = None,
    trust: TrustRegistry | None = None,
) -> Context:
    requested = requested_max_age(request.headers.get("cache-control")) if request is not None else None
    max_age = None if requested is None else max(requested, limits.min_max_age)
    return Context(catalogs=catalogs, limits=limits, request=request, max_age=max_age, trust=trust or TrustRegistry())
