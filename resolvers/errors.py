"""GraphQL errors this service returns, each with a stable `extensions.code`.

    BAD_USER_INPUT         arguments, cursors, ids or filters the client must fix
    NOT_FOUND              the addressed provider resource does not exist
    UPSTREAM_THROTTLED     a provider kept answering "slow down" after our retries
    UPSTREAM_UNAVAILABLE   a provider failed, timed out or sent an unreadable answer, or its circuit is
                           open after repeated failures (`retryAt` says when it is tried again)
    UPSTREAM_TIMEOUT       a source did not answer before the operation deadline
    UPSTREAM_AUTH_FAILED   a provider refused this service's credentials (an operator must act)
    QUERY_TOO_EXPENSIVE    a filter would make this service read more than its scan limit
    INTERNAL_SERVER_ERROR  anything unexpected; details are logged, never sent

Provider errors carry `provider`, `location`, `requestId`, `upstreamCode` and `upstreamStatus` so an
operator can find the call in the provider's logs. The provider's own message text is logged, not
sent: it is not written for end users and may name internals.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from graphql import GraphQLError

from providers.errors import (
    AuthFailedError,
    BadRequestError,
    CircuitOpenError,
    DeadlineExceededError,
    NotFoundError,
    ProviderError,
    QuotaWaitError,
    ThrottledError,
    UnavailableError,
)

BAD_USER_INPUT = "BAD_USER_INPUT"
NOT_FOUND = "NOT_FOUND"
UPSTREAM_THROTTLED = "UPSTREAM_THROTTLED"
UPSTREAM_UNAVAILABLE = "UPSTREAM_UNAVAILABLE"
UPSTREAM_TIMEOUT = "UPSTREAM_TIMEOUT"
UPSTREAM_AUTH_FAILED = "UPSTREAM_AUTH_FAILED"
QUERY_TOO_EXPENSIVE = "QUERY_TOO_EXPENSIVE"
INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"


class ServiceError(GraphQLError):
    """An error meant for the client. Unexpected exceptions are masked; these are not."""

    def __init__(self, message: str, code: str, **extensions: Any) -> None:
        super().__init__(message, extensions={"code": code, **{k: v for k, v in extensions.items() if v is not None}})


def bad_input(message: str, *, argument: str | None = None) -> ServiceError:
    return ServiceError(message, BAD_USER_INPUT, argument=argument)


_PROVIDER_CODES: tuple[tuple[type[ProviderError], str, str], ...] = (
    (NotFoundError, NOT_FOUND, "does not exist"),
    (BadRequestError, BAD_USER_INPUT, "refused the request parameters"),
    (AuthFailedError, UPSTREAM_AUTH_FAILED, "refused this service's credentials"),
    (QuotaWaitError, UPSTREAM_THROTTLED, "was not called: this service's quota for it is used up; retry later"),
    (ThrottledError, UPSTREAM_THROTTLED, "is throttling requests; retry later"),
    (DeadlineExceededError, UPSTREAM_TIMEOUT, "did not answer before the operation deadline"),
    (CircuitOpenError, UPSTREAM_UNAVAILABLE, "was skipped: it failed repeatedly and is retried later"),
    (UnavailableError, UPSTREAM_UNAVAILABLE, "is unavailable"),
)


def code_for(error_class: str) -> str:
    """The code of a provider error class, by name (the cache records stale answers' causes by name)."""
    return next((code for cls, code, _ in _PROVIDER_CODES if cls.__name__ == error_class), UPSTREAM_UNAVAILABLE)


def from_provider(error: ProviderError) -> ServiceError:
    """A client-facing error for a failed upstream call; the provider's text stays in the logs."""
    code, what = UPSTREAM_UNAVAILABLE, "failed"
    for cls, mapped, text in _PROVIDER_CODES:
        if isinstance(error, cls):
            code, what = mapped, text
            break
    where = f" in {error.location}" if error.location else ""
    message = f"{error.provider} {error.action}{where} {what}"
    if error.code:
        message += f" ({error.code})"
    retry_at = error.retry_at if isinstance(error, CircuitOpenError) else None
    retry_after = error.retry_after if isinstance(error, ThrottledError) else None
    return ServiceError(
        message,
        code,
        provider=error.provider.upper(),
        location=error.location,
        requestId=error.request_id,
        upstreamCode=error.code,
        upstreamStatus=error.status,
        retryAt=datetime.fromtimestamp(retry_at, UTC).isoformat() if retry_at is not None else None,
        retryAfterSeconds=retry_after,
    )
