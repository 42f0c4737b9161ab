"""Writes go before reads in a served process, and never hold reads back for long."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from graph_service.api import priority
from graph_service.api.priority import WritesFirst


async def _read_waits_for(writes: WritesFirst, release: threading.Event,
                          write: asyncio.Future[bool] | None = None) -> tuple[bool, bool]:
    """(whether a read arriving during a write waited, whether it went on once ``release``
    ended the write)."""
    if write is None:
        write = asyncio.ensure_future(writes.write(release.wait, 30))
        await asyncio.sleep(0)  # the write has started
    read = asyncio.ensure_future(writes.read_turn())
    await asyncio.sleep(0.02)
    waited = not read.done()
    release.set()
    await write
    await asyncio.wait_for(read, 5)
    return waited, read.done()


def test_a_read_waits_while_a_write_runs_and_goes_on_when_it_ends() -> None:
    async def scenario() -> tuple[bool, bool]:
        return await _read_waits_for(WritesFirst(), threading.Event())

    assert asyncio.run(scenario()) == (True, True)


def test_a_read_does_not_wait_when_no_write_runs() -> None:
    async def scenario() -> bool:
        writes = WritesFirst()
        await writes.write(lambda: None)  # one came and went
        read = asyncio.ensure_future(writes.read_turn())
        await asyncio.sleep(0)
        return read.done()

    assert asyncio.run(scenario())


def test_a_long_write_holds_reads_back_no_longer_than_the_bound(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(priority, "MAX_WAIT_S", 0.05)
    release = threading.Event()

    async def scenario() -> tuple[float, bool]:
        writes = WritesFirst()
        write = asyncio.ensure_future(writes.write(release.wait, 30))
        await asyncio.sleep(0)
        start = time.perf_counter()
        await writes.read_turn()
        waited = time.perf_counter() - start
        still_writing = not write.done()
        release.set()
        await write
        return waited, still_writing

    waited, still_writing = asyncio.run(scenario())
    assert still_writing and 0.04 <= waited < 5


def test_a_failed_write_lets_reads_go_on() -> None:
    def refused() -> None:
        raise ValueError("refused")

    async def scenario() -> bool:
        writes = WritesFirst()
        with pytest.raises(ValueError):
            await writes.write(refused)
        read = asyncio.ensure_future(writes.read_turn())
        await asyncio.sleep(0)
        return read.done()

    assert asyncio.run(scenario())



def test_reads_wait_until_the_last_of_overlapping_writes_ends() -> None:
    first, second = threading.Event(), threading.Event()

    async def scenario() -> tuple[bool, bool]:
        writes = WritesFirst()
        one = asyncio.ensure_future(writes.write(first.wait, 30))
        two = asyncio.ensure_future(writes.write(second.wait, 30))
        await asyncio.sleep(0)
        first.set()
        await one
        return await _read_waits_for(writes, second, two)

    assert asyncio.run(scenario()) == (True, True)
