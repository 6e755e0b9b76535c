"""Runs every GraphQL operation inside its `providers.operation.Operation` and reports stale sources.

While an operation executes, its deadline and freshness bound reach every provider call it makes
(see `providers.operation`). Sources answered from data past their TTL are listed in the response:

    "extensions": {"staleSources": [{"provider": "JDCLOUD", "action": "images", "location": "cn-north-1",
                                     "fetchedAt": "2026-12-01T09:00:00+00:00", "ageSeconds": 312.5,
                                     "reason": "UPSTREAM_UNAVAILABLE"}]}

`reason` is the error code the source would have had without the stale answer, or
`STALE_WHILE_REVALIDATE` when the entry answered while one background call refreshes it. The list is
absent when everything was live or cached.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from strawberry.extensions import SchemaExtension

from providers import operation
from providers.operation import StaleSource
from resolvers import errors
from resolvers.loaders import RequestScope

REVALIDATING = "STALE_WHILE_REVALIDATE"


def describe(source: StaleSource, now: float) -> dict[str, Any]:
    return {
        "provider": source.provider.upper(),
        "action": source.action,
        "location": source.location,
        "fetchedAt": datetime.fromtimestamp(source.fetched_at, UTC).isoformat(),
        "ageSeconds": round(max(0.0, now - source.fetched_at), 3),
        "reason": REVALIDATING if source.reason == "revalidating" else errors.code_for(source.reason),
    }


class OperationScope(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        context = self.execution_context.context
        if not isinstance(context, RequestScope):
            yield
            return
        with operation.running(context.operation):
            yield

    def get_results(self) -> dict[str, Any]:
        context = self.execution_context.context
        if not isinstance(context, RequestScope) or not context.operation.stale:
            return {}
        now = time.time()
        return {"staleSources": [describe(source, now) for source in context.operation.stale]}
