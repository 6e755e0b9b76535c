"""Zenlayer ZEC wire formats: request bodies and response envelopes -> the error tree. Record parsing is
`records.py`.

Shared by the client and the emulator, so both agree on the bytes that are signed and on the
envelopes: success `{"requestId", "response": {"requestId", ...}}`, error `{"requestId", "code",
"message"}` with a 4xx/5xx status.

Error codes map onto the error tree of `providers.errors` (first match wins):

    429, or code REQUEST_LIMIT_EXCEEDED (any status)           -> ThrottledError (retry_after)
    5xx, SERVICE_TEMPORARY_UNAVAILABLE, INTERNAL_SERVER_ERROR,
        REQUEST_TIMED_OUT, a body that is not an envelope      -> UnavailableError
    404, or a code containing NOT_FOUND (also Invalid.Zone.Not.Found)  -> NotFoundError
    401/403, or an authentication-looking code                 -> AuthFailedError
    any other status >= 400                                    -> BadRequestError

Codes come as UPPER_SNAKE or dotted (older `vm` service); like the Terraform provider we also compare
the part before the first dot. The auth code names are not documented, hence the substring markers.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

from ..base import (
    ProviderName,
)
from ..errors import (
    AuthFailedError,
    BadRequestError,
    NotFoundError,
    ProviderError,
    ThrottledError,
    UnavailableError,
)
from ..http import HttpResponse, header_value, parse_retry_after

log = logging.getLogger("providers.zenlayer")

NAME = ProviderName("zenlayer")
PROVIDER = NAME.value
PAGE_SIZE_MAX = 1000
MAX_TAG_FILTERS = 20

THROTTLED_CODES = frozenset({"REQUEST_LIMIT_EXCEEDED"})
UNAVAILABLE_CODES = frozenset({"SERVICE_TEMPORARY_UNAVAILABLE", "INTERNAL_SERVER_ERROR", "REQUEST_TIMED_OUT"})
AUTH_MARKERS = ("AUTH", "SIGNATURE", "CREDENTIAL", "ACCESS_KEY", "TOKEN", "PERMISSION", "FORBIDDEN")
MALFORMED = "MALFORMED_RESPONSE"  # our code for an answer that is not a Zenlayer envelope


# --- requests ---------------------------------------------------------------------------------------


def _drop_none(value: Any) -> Any:
    """The SDK's AbstractModel.serialize: None fields are left out, at every level."""
    if isinstance(value, Mapping):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_drop_none(v) for v in value]
    return value


def serialize_request(params: Mapping[str, Any]) -> bytes:
    """The body exactly as the Python SDK sends it: json.dumps defaults (", " and ": ", ASCII-escaped)."""
    return json.dumps(_drop_none(params)).encode("ascii")


# --- envelopes and errors ---------------------------------------------------------------------------


def _code_forms(code: str) -> tuple[str, ...]:
    """The code as sent, the part before its first dot, and the dotted form spelled UPPER_SNAKE."""
    return code, code.split(".", 1)[0], code.replace(".", "_").upper()


def error_class(status: int | None, code: str | None) -> type[ProviderError]:
    forms = _code_forms(code) if code else ()
    if status == 429 or any(f in THROTTLED_CODES for f in forms):
        return ThrottledError
    if (status is not None and status >= 500) or any(f in UNAVAILABLE_CODES for f in forms):
        return UnavailableError
    if status == 404 or any("NOT_FOUND" in f for f in forms):
        return NotFoundError
    if status in (401, 403) or (code and any(marker in forms[-1] for marker in AUTH_MARKERS)):
        return AuthFailedError
    return BadRequestError


def make_error(
    response: HttpResponse, *, action: str, code: str | None, message: str, request_id: str | None,
    cls: type[ProviderError] | None = None,
) -> ProviderError:
    cls = cls or error_class(response.status, code)
    common: dict[str, Any] = {
        "provider": PROVIDER, "action": action, "status": response.status, "code": code, "message": message,
        "request_id": request_id,
    }
    if cls is ThrottledError:
        return ThrottledError(retry_after=parse_retry_after(header_value(response.headers, "Retry-After")), **common)
    return cls(**common)


def parse_envelope(response: HttpResponse, *, action: str) -> tuple[Mapping[str, Any], str | None]:
    """The `response` object of a success envelope and its request id; any failure raises."""
    try:
        document = json.loads(response.body)
    except (UnicodeDecodeError, ValueError):
        document = None
    if not isinstance(document, dict):
        # A gateway's 429 is still a throttle, whatever its body; anything else is no answer at all.
        cls = ThrottledError if response.status == 429 else UnavailableError
        raise make_error(response, action=action, code=MALFORMED, message="body is not a JSON object",
                         request_id=None, cls=cls)
    request_id = document.get("requestId") if isinstance(document.get("requestId"), str) else None
    if response.status >= 400 or ("code" in document and "response" not in document):  # a 200 error too
        code = document.get("code")
        if not isinstance(code, str) or not code:
            cls = ThrottledError if response.status == 429 else UnavailableError
            raise make_error(response, action=action, code=MALFORMED, message="error envelope without a code",
                             request_id=request_id, cls=cls)
        message = document.get("message")
        raise make_error(response, action=action, code=code, message=message if isinstance(message, str) else "",
                         request_id=request_id)
    inner = document.get("response")
    if not isinstance(inner, dict):
        raise make_error(response, action=action, code=MALFORMED, message="success envelope without `response`",
                         request_id=request_id, cls=UnavailableError)
    inner_id = inner.get("requestId")
    return inner, inner_id if isinstance(inner_id, str) else request_id
