"""Shared fixtures: stores of every adapter, built the same way the service builds them."""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from app_client import AppClient
from bolt_server import BoltServer
from starlette.testclient import TestClient
from store_support import MINI_TERRITORIES, seed

from graph_service.store import GraphStore
from graph_service.store.embedded import EmbeddedStore

StoreFactory = Callable[[pytest.FixtureRequest, Path], GraphStore]


def _embedded(request: pytest.FixtureRequest, tmp: Path) -> GraphStore:
    return EmbeddedStore(tmp / "annuaire.sqlite3")


def _bolt(request: pytest.FixtureRequest, tmp: Path) -> GraphStore:
    """A Neo4jStore on a database of its own, created for the test in the session's server."""
    from graph_service.settings import Settings
    from graph_service.store.neo4j import Neo4jStore

    return Neo4jStore.from_settings(Settings(request.getfixturevalue("bolt_settings")()))


def _neo4j(request: pytest.FixtureRequest, tmp: Path) -> GraphStore:
    """The real Neo4j of ``NEO4J_*``, emptied first (Community has one database: no fresh one)."""
    import neo4j

    from graph_service.settings import Settings
    from graph_service.store.cypher import Queries
    from graph_service.store.neo4j import Neo4jStore

    settings = Settings()
    auth = (settings["NEO4J_USER"], settings.secret("NEO4J_PASSWORD"))
    with neo4j.GraphDatabase.driver(settings["NEO4J_URI"], auth=auth) as driver:
        driver.execute_query(Queries()["testing:wipe"], database_=settings["NEO4J_DATABASE"])
    return Neo4jStore.from_settings(settings)


STORE_ADAPTERS: list[tuple[str, StoreFactory]] = [("embedded", _embedded), ("bolt", _bolt)]
"""Every adapter the contract suite runs over: SQLite, and the Neo4j adapter against the Bolt
server of the session (ArcadeDB) and, when ``NEO4J_URI`` is set, against that Neo4j too."""
if os.environ.get("NEO4J_URI"):
    STORE_ADAPTERS.append(("neo4j", _neo4j))


@pytest.fixture(scope="session")
def bolt_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BoltServer]:
    """ArcadeDB's Bolt server on a free loopback port in a temp folder, once per session."""
    server = BoltServer(tmp_path_factory.mktemp("bolt"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def bolt_settings(bolt_server: BoltServer) -> Callable[[], dict[str, str]]:
    """``bolt_settings()``: settings (or environment) of the neo4j store on a new, empty database
    of the session's Bolt server, so that no test sees another's data."""
    counter = itertools.count()

    def make() -> dict[str, str]:
        database = f"test{next(counter)}"
        bolt_server.create_database(database)
        return {"GRAPH_SERVICE_STORE": "neo4j", "NEO4J_URI": bolt_server.uri,
                "NEO4J_USER": bolt_server.user, "NEO4J_PASSWORD": bolt_server.password,
                "NEO4J_DATABASE": database, "NEO4J_TIMEOUT": "2"}

    return make


@pytest.fixture(params=[
    pytest.param(name, marks=() if name == "embedded" else pytest.mark.bolt)
    for name, _ in STORE_ADAPTERS
])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[GraphStore]:
    """An empty store of each adapter, holding a few territories as references need."""
    factory = dict(STORE_ADAPTERS)[request.param]
    s = factory(request, tmp_path)
    s.put_territories(MINI_TERRITORIES)
    yield s
    s.close()




@pytest.fixture(scope="session")
def seed_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An embedded store file with the real territories, the real seed and the reference
    entries of the public institutions, built once."""
    path = tmp_path_factory.mktemp("seed") / "annuaire.sqlite3"
    store = EmbeddedStore(path)
    seed(store)
    store.close()
    return path


@pytest.fixture
def seeded_store(seed_db: Path, tmp_path: Path) -> Iterator[GraphStore]:
    """A private copy of the seeded store: tests may write to it freely."""
    path = tmp_path / "annuaire.sqlite3"
    shutil.copyfile(seed_db, path)
    store = EmbeddedStore(path)
    yield store
    store.close()


@pytest.fixture
def make_client(seed_db: Path, tmp_path: Path) -> Iterator[Callable[..., TestClient]]:
    """``make_client(**settings)``: the app on a private copy of the seed, lifespan running."""
    from graph_service.app import create_app
    from graph_service.settings import Settings

    counter = itertools.count()
    with ExitStack() as stack:

        def make(**settings: Any) -> TestClient:
            path = tmp_path / f"client-{next(counter)}.sqlite3"
            shutil.copyfile(seed_db, path)
            # the map warmer renders a dozen national maps: only the test of it runs it
            overrides = {"GRAPH_SERVICE_DB": str(path), "GRAPH_SERVICE_WARM_MAPS": False,
                         **settings}
            app = create_app(Settings(overrides))
            return stack.enter_context(AppClient(app))

        yield make


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    """The app with default settings over the seed, as ``make run`` serves it."""
    return make_client()
