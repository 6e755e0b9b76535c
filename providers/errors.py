"""The provider error taxonomy. Every failure of an upstream call is one of these.

    ProviderError                 (provider, action, status, code, message, request_id, location)
     ├── NotFoundError            404 / *NOT_FOUND*: the zone, region or resource does not exist
     ├── BadRequestError          other 4xx that the caller can fix (parameters out of range, ...)
     ├── AuthFailedError          401/403: credentials missing, wrong, or not allowed
     ├── ThrottledError           429, REQUEST_LIMIT_EXCEEDED, RATE_LIMIT, QUOTA_EXCEEDED (retry_after)
     │    └── QuotaWaitError      our own fleet-wide quota had no room within the wait allowed (no call made)
     └── UnavailableError         5xx, timeouts, refused or dropped connections, malformed or
          │                       oversized bodies: the provider could not give an answer
          ├── DeadlineExceededError  the operation's deadline passed before the provider answered
          └── CircuitOpenError       skipped without a call: this provider and location keep failing
                                     (`retry_at`: when the next probe call is allowed, epoch seconds)

`message` is the provider's own text, kept for operators; what reaches GraphQL clients is built in
`resolvers/errors.py` from the code, status and request id. No error ever carries credentials, a
signature or a signed URL.
"""

from __future__ import annotations


class ProviderError(Exception):
    """Base class: an upstream call failed. Carries what an operator needs to find the call."""

    retryable: bool = False

    def __init__(
        self,
        *,
        provider: str,
        action: str,
        status: int | None = None,
        code: str | None = None,
        message: str = "",
        request_id: str | None = None,
        location: str | None = None,
    ) -> None:
        self.provider = provider
        self.action = action
        self.status = status
        self.code = code
        self.message = message
        self.request_id = request_id
        self.location = location
        super().__init__(self._describe())

    def _describe(self) -> str:
        where = f"{self.provider} {self.action}"
        if self.location:
            where += f" [{self.location}]"
        parts = [p for p in (str(self.status) if self.status else None, self.code) if p]
        text = f"{where} failed"
        if parts:
            text += f" ({' '.join(parts)})"
        if self.message:
            text += f": {self.message}"
        if self.request_id:
            text += f" requestId={self.request_id}"
        return text


class NotFoundError(ProviderError):
    """The addressed zone, region or resource does not exist."""


class BadRequestError(ProviderError):
    """The provider refused the parameters (out of range, missing, too many values)."""


class AuthFailedError(ProviderError):
    """The provider refused the credentials or the signature."""


class ThrottledError(ProviderError):
    """The provider asked us to slow down; `retry_after` is its hint in seconds, if it gave one."""

    retryable = True

    def __init__(self, *, retry_after: float | None = None, **kwargs: object) -> None:
        self.retry_after = retry_after
        super().__init__(**kwargs)  # type: ignore[arg-type]


class UnavailableError(ProviderError):
    """No usable answer: 5xx, timeout, connection failure, malformed or oversized body."""

    retryable = True


class QuotaWaitError(ThrottledError):
    """No call was made: the client-side quota (shared by every replica) had no room in time."""

    retryable = False


class DeadlineExceededError(UnavailableError):
    """The operation's deadline passed: no further attempt, backoff or quota wait fits in it."""

    retryable = False


class CircuitOpenError(UnavailableError):
    """Skipped at once: this provider and location failed repeatedly; a probe is allowed at `retry_at`."""

    retryable = False

    def __init__(self, *, retry_at: float, **kwargs: object) -> None:
        self.retry_at = retry_at
        super().__init__(**kwargs)  # type: ignore[arg-type]


__all__ = [
    "AuthFailedError",
    "BadRequestError",
    "CircuitOpenError",
    "DeadlineExceededError",
    "NotFoundError",
    "ProviderError",
    "QuotaWaitError",
    "ThrottledError",
    "UnavailableError",
]
