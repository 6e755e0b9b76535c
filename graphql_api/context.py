"""The per-request GraphQL context: a fresh `RequestScope` (loaders, partial errors) plus the request."""

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


def build_context(
    catalogs: Mapping[ProviderName, ImageCatalog], limits: Limits, request: Request | None = None,
    trust: TrustRegistry | None = None,
) -> Context:
    return Context(catalogs=catalogs, limits=limits, request=request, trust=trust or TrustRegistry())
