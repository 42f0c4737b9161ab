"""Writes before reads, within one served process (the API, the pages, maps and HSDS feed).

A write is a person waiting on « Enregistrer »: a few milliseconds of work in a
worker thread, but that thread needs the interpreter lock at every store call and
shares it with every read in flight. Behind four busy readers an edit that takes
3 ms alone took 100–200 ms, each of its store calls waiting its turn for the lock.
So while a write runs, requests wait before they start reading, and the write has
the interpreter nearly to itself. The wait is bounded (:data:`MAX_WAIT_S`): a long
write (a coordinator's bulk verification) never holds reads back longer than that.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import TypeVar

from starlette.requests import HTTPConnection

from ..store import run_blocking

__all__ = ["MAX_WAIT_S", "WritesFirst", "read_turn", "run_write"]

T = TypeVar("T")

MAX_WAIT_S = 0.1
"""The longest a read waits for the writes running when it arrives."""


class WritesFirst:
    """One per served process (``app.state.writes_first``), made in its event loop."""

    def __init__(self) -> None:
        self._running = 0
        self._idle = asyncio.Event()
        self._idle.set()

    async def write(self, fn: Callable[..., T], *args: object) -> T:
        """Run the write ``fn(*args)`` in a worker thread, reads waiting meanwhile."""
        self._running += 1
        self._idle.clear()
        try:
            return await run_blocking(fn, *args)
        finally:
            self._running -= 1
            if not self._running:
                self._idle.set()

    async def read_turn(self) -> None:
        """Return when no write runs, or after :data:`MAX_WAIT_S`."""
        if self._idle.is_set():
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(MAX_WAIT_S):
                await self._idle.wait()


async def run_write(request: HTTPConnection, fn: Callable[..., T], *args: object) -> T:
    """:meth:`WritesFirst.write` of the process serving ``request``."""
    writes: WritesFirst = request.app.state.writes_first
    return await writes.write(fn, *args)


async def read_turn(request: HTTPConnection) -> None:
    """:meth:`WritesFirst.read_turn` of the process serving ``request``."""
    writes: WritesFirst = request.app.state.writes_first
    await writes.read_turn()
