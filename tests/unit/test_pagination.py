from __future__ import annotations

import base64

import pytest

from resolvers.pagination import (
    PageArgs,
    PaginationError,
    SourceSlice,
    cursor_encoder,
    decode_cursor,
    encode_cursor,
    locate,
    pages_needed,
)


def args(**kwargs: int | None) -> PageArgs:
    values = {"first": None, "last": None, "after": None, "before": None, **kwargs}
    return PageArgs.build(**values, default_size=50, max_size=1000)  # type: ignore[arg-type]


def test_cursor_round_trip_and_binding_to_the_filter() -> None:
    cursor = encode_cursor(1234, "abc")
    assert decode_cursor(cursor, "abc", argument="after") == 1234
    with pytest.raises(PaginationError, match="different filter"):
        decode_cursor(cursor, "other", argument="after")


@pytest.mark.parametrize(
    "cursor",
    ["", "not-base64!!", base64.urlsafe_b64encode(b"cig:v1:abc:-3").decode(),
     base64.urlsafe_b64encode(b"foo:v1:abc:3").decode(), base64.urlsafe_b64encode(b"cig:v1:abc").decode(),
     base64.urlsafe_b64encode(b"\xff\xfe").decode()],
)
def test_damaged_or_foreign_cursors_are_refused_with_the_argument_named(cursor: str) -> None:
    with pytest.raises(PaginationError) as info:
        decode_cursor(cursor, "abc", argument="before")
    assert info.value.argument == "before"


def test_an_older_cursor_version_says_so() -> None:
    old = base64.urlsafe_b64encode(b"cig:v0:abc:3").decode()
    with pytest.raises(PaginationError, match="older version"):
        decode_cursor(old, "abc", argument="after")


def test_argument_validation() -> None:
    with pytest.raises(PaginationError, match="not both"):
        args(first=1, last=1)
    with pytest.raises(PaginationError, match="between 0 and 1000"):
        args(first=-1)
    with pytest.raises(PaginationError, match="between 0 and 1000"):
        args(last=1001)
    assert args().first == 50
    assert args(before=10).last == 50  # `before` alone pages backward


@pytest.mark.parametrize(
    ("kwargs", "total", "window"),
    [
        ({"first": 10}, 100, (0, 10)),
        ({"first": 10, "after": 9}, 100, (10, 20)),
        ({"first": 10, "after": 95}, 100, (96, 100)),
        ({"first": 10, "after": 500}, 100, (100, 100)),
        ({"last": 10}, 100, (90, 100)),
        ({"last": 10, "before": 5}, 100, (0, 5)),
        ({"last": 3, "before": 50, "after": 40}, 100, (47, 50)),
        ({"first": 0}, 100, (0, 0)),
        ({"first": 10}, 0, (0, 0)),
    ],
)
def test_window_follows_relay_apply_cursors_to_edges(
    kwargs: dict[str, int], total: int, window: tuple[int, int]
) -> None:
    assert args(**kwargs).window(total) == window


def test_locate_maps_a_window_across_sources() -> None:
    counts = [3, 0, 250, 40]
    assert locate(counts, 0, 3) == [SourceSlice(0, 0, 3)]
    assert locate(counts, 2, 10) == [SourceSlice(0, 2, 3), SourceSlice(2, 0, 7)]
    assert locate(counts, 250, 260) == [SourceSlice(2, 247, 250), SourceSlice(3, 0, 7)]
    assert locate(counts, 293, 293) == []


def test_pages_cover_exactly_the_slice() -> None:
    assert list(SourceSlice(0, 0, 250).pages(100)) == [1, 2, 3]
    assert list(SourceSlice(0, 99, 101).pages(100)) == [1, 2]
    assert list(SourceSlice(0, 100, 200).pages(100)) == [2]
    assert list(SourceSlice(0, 5, 5).pages(100)) == []
    assert pages_needed(0, 100) == 0
    assert pages_needed(260, 100) == 3


@pytest.mark.parametrize("digest", ["", "a", "ab", "abc", "0123456789abcdef0123456789abcdef"])
def test_a_page_of_cursors_is_encoded_as_each_alone(digest: str) -> None:
    encode = cursor_encoder(digest)
    assert [encode(n) for n in (0, 7, 99, 100, 12345, 10**12)] == [
        encode_cursor(n, digest) for n in (0, 7, 99, 100, 12345, 10**12)
    ]
