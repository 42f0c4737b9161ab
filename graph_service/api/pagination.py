"""Relay-style connections: every list of the API is paged, with a maximum page size.

Cursors are keyset positions (the last id, or audit sequence number, seen),
opaque to clients, so a page stays correct when entries are added before it.
Lists are forward-only (``first``/``after``), which is what a directory
screen or an export loop needs.
"""

from __future__ import annotations

import base64
import binascii
import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

import strawberry

from .errors import BadInput

__all__ = ["DEFAULT_PAGE", "MAX_PAGE", "Connection", "Edge", "PageInfo", "Window", "window"]

T = TypeVar("T")

DEFAULT_PAGE = 20
MAX_PAGE = 100


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type(description="A page of a list; ask for the next one with `after: endCursor`.")
class Connection(Generic[T]):
    edges: list[Edge[T]]
    nodes: list[T] = strawberry.field(description="The entries of this page (edges' nodes).")
    page_info: PageInfo
    total_count: int = strawberry.field(description="Entries in the whole list, all pages.")


@dataclass(frozen=True, slots=True)
class Window:
    """Which keys of a sorted list a page holds."""

    keys: list[str]
    total: int
    has_next: bool
    has_previous: bool

    def connection(self, nodes: Sequence[T]) -> Connection[T]:
        """The connection of this page, ``nodes`` being the entries of ``keys`` in order."""
        edges = [Edge(cursor=encode_cursor(k), node=n) for k, n in zip(self.keys, nodes,
                                                                          strict=True)]
        return Connection(
            edges=edges,
            nodes=list(nodes),
            page_info=PageInfo(
                has_next_page=self.has_next,
                has_previous_page=self.has_previous,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
            total_count=self.total,
        )


def page_size(first: int | None) -> int:
    """``first`` checked: 1 to :data:`MAX_PAGE`, :data:`DEFAULT_PAGE` when omitted."""
    if first is None:
        return DEFAULT_PAGE
    if not 0 <= first <= MAX_PAGE:
        raise BadInput(f"first: must be between 0 and {MAX_PAGE} (the maximum page size)")
    return first


def window(keys: Sequence[str], first: int | None, after: str | None) -> Window:
    """The page of sorted ``keys`` that follows the cursor ``after``."""
    size = page_size(first)
    start = bisect.bisect_right(keys, decode_cursor(after)) if after is not None else 0
    page = list(keys[start : start + size])
    return Window(page, len(keys), start + size < len(keys), start > 0)


def encode_cursor(key: str) -> str:
    return base64.urlsafe_b64encode(f"k:{key}".encode()).decode()


def decode_cursor(cursor: str) -> str:
    try:
        raw = base64.urlsafe_b64decode(cursor.encode("ascii")).decode()
    except (binascii.Error, UnicodeError, ValueError):
        raw = ""
    if not raw.startswith("k:"):
        raise BadInput("after: not a cursor returned by this API")
    return raw[2:]
