"""GraphQL errors this service returns, each with a stable `extensions.code`.

    BAD_USER_INPUT         arguments, cursors, ids or filters the client must fix
    NOT_FOUND              the addressed provider resource does not exist
    UPSTREAM_THROTTLED     a provider kept answering "slow down" after our retries
    UPSTREAM_UNAVAILABLE   a provider failed, timed out or sent an unreadable answer
    UPSTREAM_AUTH_FAILED   a provider refused this service's credentials (an operator must act)
    QUERY_TOO_EXPENSIVE    a filter would make this service read more than its scan limit
    INTERNAL_SERVER_ERROR  anything unexpected; details are logged, never sent

Provider errors carry `provider`, `location`, `requestId`, `upstreamCode` and `upstreamStatus` so an
operator can find the call in the provider's logs. The provider's own message text is logged, not
sent: it is not written for end users and may name internals.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError

from providers.errors import (
    AuthFailedError,
    BadRequestError,
    NotFoundError,
    ProviderError,
    ThrottledError,
    UnavailableError,
)

BAD_USER_INPUT = "BAD_USER_INPUT"
NOT_FOUND = "NOT_FOUND"
UPSTREAM_THROTTLED = "UPSTREAM_THROTTLED"
UPSTREAM_UNAVAILABLE = "UPSTREAM_UNAVAILABLE"
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
    (ThrottledError, UPSTREAM_THROTTLED, "is throttling requests; retry later"),
    (UnavailableError, UPSTREAM_UNAVAILABLE, "is unavailable"),
)


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
    return ServiceError(
        message,
        code,
        provider=error.provider.upper(),
        location=error.location,
        requestId=error.request_id,
        upstreamCode=error.code,
        upstreamStatus=error.status,
    )
