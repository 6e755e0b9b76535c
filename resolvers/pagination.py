"""Cursors and page planning: pure functions, no I/O.

A connection is the concatenation of its sources (one provider listing each: a zone, a region, a
region's image source) in a fixed order. An item's position in that concatenation is its offset.
Cursors carry the offset and a digest of the arguments they were issued for, so a cursor replayed with
another filter is refused instead of silently pointing somewhere else.

Planning turns a Relay window (first/after/last/before) and the per-source counts into the provider
pages to fetch: every source is read in pages of its provider's largest size, so a page number always
means the same items and no page is ever fetched twice.
"""

from __future__ import annotations

import base64
import binascii
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

CURSOR_VERSION = "v1"
CURSOR_ENCODERS = 256  # digests (queries) whose cursor encoders are kept, least recently used out
CURSORS_PER_ENCODER = 4096  # cursors each keeps: the first pages of a listing, the ones asked again
SORTED_CURSOR_VERSION = "s1"  # keyset cursors of sorted listings (resolvers.ordering)


class PaginationError(ValueError):
    """Arguments or cursors a client must fix; `argument` names the culprit."""

    def __init__(self, message: str, *, argument: str) -> None:
        super().__init__(message)
        self.argument = argument


def encode_cursor(offset: int, digest: str) -> str:
    return base64.urlsafe_b64encode(f"cig:{CURSOR_VERSION}:{digest}:{offset}".encode()).decode().rstrip("=")


@functools.lru_cache(maxsize=CURSOR_ENCODERS)
def cursor_encoder(digest: str) -> Callable[[int], str]:
    """`encode_cursor` for one digest, for a page of edges: the prefix's whole base64 groups (3 bytes
    each encode alone) are encoded once, the rest with each offset; the same text. Kept per digest with
    the cursors it made (at most CURSORS_PER_ENCODER), so a repeated page encodes none again."""
    prefix = f"cig:{CURSOR_VERSION}:{digest}:".encode()
    whole = len(prefix) // 3 * 3
    head, tail = base64.urlsafe_b64encode(prefix[:whole]).decode(), prefix[whole:]
    made: dict[int, str] = {}

    def encode(offset: int) -> str:
        cursor = made.get(offset)
        if cursor is None:
            cursor = head + base64.urlsafe_b64encode(tail + str(offset).encode()).decode().rstrip("=")
            if len(made) < CURSORS_PER_ENCODER:
                made[offset] = cursor
        return cursor

    return encode


def decode_cursor(cursor: str, digest: str, *, argument: str) -> int:
    """The offset a cursor points at; PaginationError when damaged, foreign or issued for other arguments."""
    try:
        parts = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode().split(":")
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise PaginationError(f"`{argument}` is not a cursor issued by this service", argument=argument) from exc
    if parts[:2] == ["cig", SORTED_CURSOR_VERSION]:
        raise PaginationError(
            f"`{argument}` was issued for a sorted listing (`orderBy` or `distinctOn`); a cursor is only valid with "
            "the order of the query that returned it",
            argument=argument,
        )
    try:
        prefix, version, cursor_digest, offset_text = parts
        offset = int(offset_text)
    except ValueError as exc:
        raise PaginationError(f"`{argument}` is not a cursor issued by this service", argument=argument) from exc
    if prefix != "cig" or offset < 0:
        raise PaginationError(f"`{argument}` is not a cursor issued by this service", argument=argument)
    if version != CURSOR_VERSION:
        raise PaginationError(
            f"`{argument}` is a cursor of an older version ({version}); start again without a cursor",
            argument=argument,
        )
    if cursor_digest != digest:
        raise PaginationError(
            f"`{argument}` was issued for a different filter; a cursor is only valid with the arguments of the "
            "query that returned it",
            argument=argument,
        )
    return offset


@dataclass(frozen=True, slots=True)
class PageArgs:
    """Validated Relay arguments, with cursors already decoded to offsets."""

    first: int | None
    after: int | None
    last: int | None
    before: int | None

    @classmethod
    def build(
        cls, *, first: int | None, last: int | None, after: int | None, before: int | None,
        default_size: int, max_size: int,
    ) -> PageArgs:
        if first is not None and last is not None:
            raise PaginationError(
                "pass either `first` (paging forward) or `last` (paging backward), not both", argument="first"
            )
        for name, value in (("first", first), ("last", last)):
            if value is not None and not 0 <= value <= max_size:
                raise PaginationError(f"`{name}` must be between 0 and {max_size}, got {value}", argument=name)
        if first is None and last is None:
            if before is not None and after is None:
                last = default_size  # `before` alone pages backward, as a client scrolling up expects
            else:
                first = default_size
        return cls(first=first, after=after, last=last, before=before)

    def window(self, total: int) -> tuple[int, int]:
        """[start, end) of the items this page holds, out of `total` (Relay's ApplyCursorsToEdges)."""
        start = 0 if self.after is None else min(self.after + 1, total)
        end = total if self.before is None else min(self.before, total)
        end = max(start, end)
        if self.first is not None:
            end = min(end, start + self.first)
        if self.last is not None:
            start = max(start, end - self.last)
        return start, end


@dataclass(frozen=True, slots=True)
class SourceSlice:
    """The part of one source a window covers: items [start, end) of source number `source`."""

    source: int
    start: int
    end: int

    def pages(self, page_size: int) -> range:
        """The 1-based provider page numbers holding these items."""
        if self.end <= self.start:
            return range(0)
        return range(self.start // page_size + 1, (self.end - 1) // page_size + 2)


def locate(counts: Sequence[int], start: int, end: int) -> list[SourceSlice]:
    """Map a global window onto the sources it touches, in order."""
    slices: list[SourceSlice] = []
    base = 0
    for index, count in enumerate(counts):
        lo, hi = max(start - base, 0), min(end - base, count)
        if lo < hi:
            slices.append(SourceSlice(index, lo, hi))
        base += count
        if base >= end:
            break
    return slices


def pages_needed(count: int, page_size: int) -> int:
    return -(-count // page_size) if count > 0 else 0
