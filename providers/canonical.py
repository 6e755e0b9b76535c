"""Canonical JSON of request parameters: what cache keys and per-request loader keys are made of.

The text is the standard library's `json.dumps(value, sort_keys=True, separators=(",", ":"),
ensure_ascii=False)`, byte for byte, so keys stored under it (Redis) stay valid. orjson writes the same
bytes for plain JSON values (dicts with string keys, lists, tuples, strings, 64-bit integers, booleans,
None) in a tenth of the time; anything else (floats, which orjson spells differently below 1e-4 and for
NaN, subclasses such as enums, dates, integers past 64 bits, lone surrogates) goes to `json` itself.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import orjson

_SCALARS = frozenset({str, int, bool, type(None)})  # exact types: a subclass may serialize otherwise


def _plain(value: Any) -> bool:
    kind = type(value)
    if kind in _SCALARS:
        return True
    if kind is dict:
        return all(type(key) is str and _plain(item) for key, item in value.items())
    if kind is list or kind is tuple:
        return all(_plain(item) for item in value)
    return False


def canonical_json(value: Any, *, default: Callable[[Any], Any] | None = None) -> str:
    """The canonical JSON text of `value`; `default` as for `json.dumps` (values it cannot write)."""
    if _plain(value):
        try:
            return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()
        except orjson.JSONEncodeError:
            pass  # an integer past 64 bits or a lone surrogate: json writes it, as it always did
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=default)
