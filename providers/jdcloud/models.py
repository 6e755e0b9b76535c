"""JD Cloud vm/disk wire formats: query encoding, envelopes -> error tree. Record parsing and the
vocabularies are `records.py`.

Shared by the client and the emulator (which reuses the query codec).
Facts come from JD Cloud's public vm and disk API docs and its Python SDK.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import quote, unquote_plus

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

log = logging.getLogger("providers.jdcloud")

NAME = ProviderName("jdcloud")
PROVIDER = NAME.value
PAGE_SIZE_MIN = 10  # describeImages and describeDisks both take pageSize in [10, 100]
PAGE_SIZE_MAX = 100
REQUEST_ID_HEADER = "x-jdcloud-request-id"


# --- query encoding ---------------------------------------------------------------------------------


def _scalar(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"  # the Go SDK's spelling; the Python SDK sends True/False
    return str(value)


def flatten_params(params: Mapping[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """The SDK's query layout: `k=v`, `ids.1=a`, `filters.1.values.2=b` (1-based; None skipped)."""
    pairs: list[tuple[str, str]] = []
    for key, value in params.items():
        if value is None:
            continue
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            pairs.extend(flatten_params(value, f"{name}."))
        elif isinstance(value, (list, tuple)):
            for index, item in enumerate(value, start=1):
                if isinstance(item, Mapping):
                    pairs.extend(flatten_params(item, f"{name}.{index}."))
                elif item is not None:
                    pairs.append((f"{name}.{index}", _scalar(item)))
        else:
            pairs.append((name, _scalar(value)))
    return pairs


def encode_query(params: Mapping[str, Any]) -> str:
    """The query string. Unlike the Python SDK, every key and value is percent-encoded (only unreserved
    characters stay bare), so `&`, `=`, `+`, spaces or UTF-8 inside a value never split a parameter."""
    return "&".join(f"{quote(k, safe='~')}={quote(v, safe='~')}" for k, v in flatten_params(params))


def encode_path_segment(value: str) -> str:
    """A region or resource id inside a path: `/`, `?` or `*` in an id cannot change the route."""
    return quote(value, safe="~")


def decode_query(raw_query: str) -> list[tuple[str, str]]:
    """Pairs as sent (`+` is a space: the Go SDK encodes spaces so), in order; bare keys are dropped."""
    pairs: list[tuple[str, str]] = []
    for item in raw_query.split("&"):
        key, sep, value = item.partition("=")
        if sep and key:
            pairs.append((unquote_plus(key), unquote_plus(value)))
    return pairs


def unflatten_params(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """The inverse of `flatten_params`: `filters.1.values.2=b` -> {"filters": [{"values": [.., "b"]}]}.

    Numbered parts become lists in index order (gaps closed); values stay strings. A key that is both
    a scalar and a container keeps the first meaning seen.
    """
    tree: dict[str, Any] = {}
    for key, value in pairs:
        parts = key.split(".")
        node = tree
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                break
            node = child
        else:
            node.setdefault(parts[-1], value)
    return {key: _lists(value) for key, value in tree.items()}


def _lists(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    if node and all(key.isdigit() for key in node):
        return [_lists(node[key]) for key in sorted(node, key=int)]
    return {key: _lists(value) for key, value in node.items()}


# --- envelopes and errors ---------------------------------------------------------------------------


def _request_id(document: Mapping[str, Any] | None, response: HttpResponse) -> str | None:
    body_id = document.get("requestId") if document else None
    if isinstance(body_id, str) and body_id:
        return body_id
    return header_value(response.headers, REQUEST_ID_HEADER) or None


def error_from(response: HttpResponse, document: Mapping[str, Any] | None, *, action: str) -> ProviderError:
    """The error for a failed call. The integer code (or HTTP status) decides the class, because the
    status strings differ between sources (providers.md section 3.11)."""
    error = document.get("error") if document else None
    error = error if isinstance(error, Mapping) else {}
    code_value = error.get("code")
    number = response.status
    if response.status < 400 and isinstance(code_value, (int, str)) and str(code_value).isdigit():
        number = int(code_value)  # an error envelope on a 2xx answer: trust its code
    status_string = error.get("status")
    kwargs: dict[str, Any] = {
        "provider": PROVIDER, "action": action, "status": response.status,
        "code": status_string if isinstance(status_string, str) and status_string else None,
        "message": str(error.get("message") or ""), "request_id": _request_id(document, response),
    }
    if number == 404:
        return NotFoundError(**kwargs)
    if number in (401, 403):
        return AuthFailedError(**kwargs)
    if number == 429:
        return ThrottledError(retry_after=parse_retry_after(header_value(response.headers, "Retry-After")), **kwargs)
    if number >= 500 or number == 499 or number < 400:
        return UnavailableError(**kwargs)
    return BadRequestError(**kwargs)


def parse_envelope(response: HttpResponse, *, action: str) -> tuple[Mapping[str, Any], str | None]:
    """(result, request id) of a successful call, or raise the mapped ProviderError."""
    try:
        document = json.loads(response.body)
    except (ValueError, UnicodeDecodeError):
        document = None
    if not isinstance(document, dict):
        # Not JD's answer (a gateway's HTML page, a cut body): only a 429 still says something usable.
        if response.status == 429:
            raise error_from(response, None, action=action)
        raise UnavailableError(
            provider=PROVIDER, action=action, status=response.status, code="MALFORMED_RESPONSE",
            message="the answer is not a JSON object", request_id=_request_id(None, response),
        )
    if response.status >= 400 or isinstance(document.get("error"), Mapping):
        raise error_from(response, document, action=action)
    result = document.get("result")
    if not isinstance(result, dict):
        raise UnavailableError(
            provider=PROVIDER, action=action, status=response.status, code="MALFORMED_RESPONSE",
            message="the answer has neither result nor error", request_id=_request_id(document, response),
        )
    return result, _request_id(document, response)


def chunks(values: Sequence[str], size: int) -> list[list[str]]:
    return [list(values[start:start + size]) for start in range(0, len(values), size)]
