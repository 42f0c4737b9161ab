"""Writes before reads, within one served process (every HTTP request it serves).

A write is a person waiting on « Enregistrer »: a few milliseconds of work in a
worker thread, but that thread needs the interpreter lock at every store call and
shares it with every read in flight. Behind four busy readers an edit that takes
3 ms alone took 100–200 ms, each of its store calls waiting its turn for the lock.
So while a write runs, requests wait before they start reading (:class:`ReadsAfterWrites`,
before anything is read for them: who is asking, the read model, the store), and the
write has the interpreter nearly to itself. The wait is bounded (:data:`MAX_WAIT_S`): a
long write (a coordinator's bulk verification) never holds reads back longer than that.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import TypeVar

from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send

from ..domain.errors import StoreUnavailable
from ..snapshot import SnapshotCache
from ..store import run_blocking

__all__ = ["MAX_WAIT_S", "ReadsAfterWrites", "WritesFirst", "run_write"]

T = TypeVar("T")

MAX_WAIT_S = 0.1
"""The longest a read waits for the writes running when it arrives."""


class WritesFirst:
    """One per served process (``app.state.writes_first``). ``snapshots``, the process's
    read model, is brought up to each write in the write's own thread (under load each
    thread hop waits its turn on a busy event loop), so the writer's next read
    (:class:`~graph_service.app.ReadYourWrites`) needs no hop of its own."""

    def __init__(self, snapshots: SnapshotCache | None = None) -> None:
        self._snapshots = snapshots
        self._running = 0
        self._idle = asyncio.Event()
        self._idle.set()

    async def write(self, fn: Callable[..., T], *args: object) -> T:
        """Run the write ``fn(*args)`` in a worker thread, reads waiting meanwhile."""

        def written() -> T:
            result = fn(*args)
            if self._snapshots is not None and not self._snapshots.holds_writes():
                with contextlib.suppress(StoreUnavailable):  # the write stands all the same
                    self._snapshots.catch_up()
            return result

        self._running += 1
        self._idle.clear()
        try:
            return await run_blocking(written)
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


class ReadsAfterWrites:
    """Every HTTP request takes its :meth:`WritesFirst.read_turn` as it arrives, once: one
    place, so no page, query, map or feed reads (not even who is asking) before a running
    write, and none waits twice."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        app = scope.get("app")
        writes = getattr(app.state, "writes_first", None) if app is not None else None
        if scope["type"] == "http" and isinstance(writes, WritesFirst):
            await writes.read_turn()
        await self.app(scope, receive, send)
