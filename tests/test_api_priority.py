"""Writes go before reads in a served process, and never hold reads back for long."""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import pytest
from api_support import gql, sign_in
from starlette.testclient import TestClient
from web_support import PLAIN_HTTP, add_user
from web_support import sign_in as web_sign_in

from graph_service.api import priority
from graph_service.api.priority import WritesFirst
from graph_service.snapshot import SnapshotCache
from graph_service.store import GraphStore

T = TypeVar("T")


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

    async def scenario() -> tuple[bool, bool]:
        writes = WritesFirst()
        write = asyncio.ensure_future(writes.write(release.wait, 30))
        await asyncio.sleep(0)
        read = asyncio.ensure_future(writes.read_turn())
        await asyncio.sleep(0)
        waited = not read.done()
        await asyncio.wait_for(read, 5)  # the write is still running (30 s unless released)
        went_on_during_the_write = not write.done()
        release.set()
        await write
        return waited, went_on_during_the_write

    assert asyncio.run(scenario()) == (True, True)


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


class _Watched(WritesFirst):
    """A served process's :class:`WritesFirst`, telling the test when a request has come to
    wait for its turn (so the test ends the write only then)."""

    def __init__(self) -> None:
        super().__init__()
        self.waiting = threading.Event()

    async def read_turn(self) -> None:
        self.waiting.set()
        await super().read_turn()


def _asked_during_a_write(client: TestClient, ask: Callable[[], T], write: Callable[[], None],
                          monkeypatch: pytest.MonkeyPatch) -> T:
    """What ``ask`` answers when its request arrives while ``write`` runs in the process."""
    monkeypatch.setattr(priority, "MAX_WAIT_S", 60)  # the request waits for the whole write
    writes = _Watched()
    client.app.state.writes_first = writes  # type: ignore[attr-defined]
    release = threading.Event()

    def held() -> None:
        release.wait(30)
        write()

    async def begin() -> asyncio.Future[None]:
        running = asyncio.ensure_future(writes.write(held))
        await asyncio.sleep(0)  # the write has started
        return running

    assert client.portal is not None
    running = client.portal.call(begin)
    with ThreadPoolExecutor(1) as pool:
        answer = pool.submit(ask)
        assert writes.waiting.wait(30)
        release.set()
        result = answer.result(30)

    async def end() -> None:
        await running

    client.portal.call(end)
    return result


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    return make_client(**PLAIN_HTTP)


def test_a_query_arriving_during_a_write_reads_who_is_asking_after_it(
        client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    token = sign_in(client, "adele.admin", "admin")
    store = client.app.state.store  # type: ignore[attr-defined]

    def ask() -> Any:
        return gql(client, "{ me { role } }", token)["me"]

    # The write changes her account, which ends her sign-ins: the query, asked before the
    # write ended, reads her token after it.
    me = _asked_during_a_write(client, ask, lambda: add_user(store, "adele.admin",
                                                            "professional"), monkeypatch)
    assert me is None


def test_a_page_arriving_during_a_write_reads_who_is_asking_after_it(
        client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    store = client.app.state.store  # type: ignore[attr-defined]
    add_user(store, "claire.coord", "admin")
    web_sign_in(client, "claire.coord")

    def ask() -> str:
        return client.get("/coordination", follow_redirects=False).headers.get("location", "")

    location = _asked_during_a_write(client, ask, lambda: add_user(store, "claire.coord",
                                                                  "professional"), monkeypatch)
    assert location.startswith("/connexion")  # her session ended with the write


def test_a_write_returns_with_the_read_model_holding_it(seeded_store: GraphStore) -> None:
    """The writer's next read needs no catching up of its own: the write's thread did it."""
    snapshots = SnapshotCache(seeded_store)
    before = snapshots.get()
    service = next(s for s in before.services.values() if s.status == "active")
    renamed = dataclasses.replace(service, name=f"{service.name} (renommé)")

    async def scenario() -> None:
        await WritesFirst(snapshots).write(functools.partial(
            seeded_store.update, renamed, expected_version=service.version, actor="test"))

    asyncio.run(scenario())
    now = snapshots.current()
    assert now is not None and now.services[service.id].name == renamed.name
