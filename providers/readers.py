"""Tolerant readers for provider JSON: numbers that may be strings, booleans in any case, ids that
may be numbers. Each returns None for a value it cannot read, never raises: one odd field must not
fail a record, and one odd record must not fail a page."""

from __future__ import annotations

from typing import Any


def number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip().rstrip("%"))
        except ValueError:
            return None
    return None


def integer(value: Any) -> int | None:
    parsed = number(value)
    return int(parsed) if parsed is not None and parsed.is_integer() else None


def text(value: Any) -> str | None:
    """A string as sent, empty included (Zenlayer's fields)."""
    return value if isinstance(value, str) else None


def label(value: Any) -> str | None:
    """A non-empty string; a number becomes its text (JD Cloud osVersion 8.2). An empty string means "not set"
    (JD Cloud sends `""` for absent values)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value if isinstance(value, str) and value else None


def boolean(value: Any) -> bool | None:
    """true/false as JSON booleans or as strings in any case (Python SDKs send `True`)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def usable_id(value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value
    return None
