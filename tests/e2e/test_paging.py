"""Paging forward and backward through the whole catalog yields every image once, in one order."""

from __future__ import annotations

import pytest

from .harness import Stack
from .queries import everything, ids, page


@pytest.mark.parametrize("size", [1 + 6, 100, 333])
async def test_paging_forward_visits_every_image_once_in_order(stack: Stack, size: int) -> None:
    expected = await everything(stack)
    assert len(expected) == len(set(expected)) > 500
    seen: list[str] = []
    after = None
    previous_cursor_page = False
    while True:
        result = await page(stack, first=size, after=after)
        assert result["totalCount"] == len(expected)
        assert result["pageInfo"]["hasPreviousPage"] is previous_cursor_page
        seen += ids(result)
        if not result["pageInfo"]["hasNextPage"]:
            break
        after = result["pageInfo"]["endCursor"]
        assert after == result["edges"][-1]["cursor"]
        previous_cursor_page = True
    assert seen == expected


@pytest.mark.parametrize("size", [13, 250])
async def test_paging_backward_visits_every_image_once_in_order(stack: Stack, size: int) -> None:
    expected = await everything(stack)
    seen: list[str] = []
    before = None
    while True:
        result = await page(stack, last=size, before=before)
        seen = ids(result) + seen
        assert result["pageInfo"]["hasNextPage"] is (before is not None)
        if not result["pageInfo"]["hasPreviousPage"]:
            break
        before = result["pageInfo"]["startCursor"]
    assert seen == expected


async def test_a_filtered_connection_pages_exactly_too(stack: Stack) -> None:
    linux = {"osType": "LINUX"}  # applied by the service for JD Cloud: counts must stay exact
    expected = await everything(stack, linux)
    assert len(expected) > 0
    seen: list[str] = []
    after = None
    while True:
        result = await page(stack, filter=linux, first=40, after=after)
        assert result["totalCount"] == len(expected)
        seen += ids(result)
        if not result["pageInfo"]["hasNextPage"]:
            break
        after = result["pageInfo"]["endCursor"]
    assert seen == expected


async def test_empty_pages_and_cursor_edges(stack: Stack) -> None:
    empty = await page(stack, first=0)
    assert empty["edges"] == [] and empty["pageInfo"]["startCursor"] is None
    assert empty["totalCount"] > 0 and empty["pageInfo"]["hasNextPage"]
    nothing = await page(stack, filter={"name": "no image is called this"}, first=10)
    assert nothing == {"totalCount": 0, "complete": True, "failedSources": [], "edges": [], "pageInfo": {
        "hasNextPage": False, "hasPreviousPage": False, "startCursor": None, "endCursor": None}}
    all_ids = await everything(stack)
    last = await page(stack, last=1)
    assert ids(last) == all_ids[-1:] and not last["pageInfo"]["hasNextPage"]
    beyond = await page(stack, first=5, after=last["edges"][0]["cursor"])
    assert beyond["edges"] == [] and beyond["pageInfo"]["hasPreviousPage"]
