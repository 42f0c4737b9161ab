"""Shared fixtures: stores of every adapter, built the same way the service builds them."""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from graph_service.domain.entities import Territory
from graph_service.store import GraphStore
from graph_service.store.embedded import EmbeddedStore

StoreFactory = Callable[[Path], GraphStore]
ROOT = Path(__file__).resolve().parents[1]
SEED_DIR = ROOT / "seed" / "annuaire"


def _embedded(tmp: Path) -> GraphStore:
    return EmbeddedStore(tmp / "annuaire.sqlite3")


STORE_ADAPTERS: list[tuple[str, StoreFactory]] = [("embedded", _embedded)]
"""Every adapter the contract suite runs over; the Bolt one is appended by its own fixture."""


@pytest.fixture(params=[name for name, _ in STORE_ADAPTERS])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[GraphStore]:
    """An empty store of each adapter, holding a few territories as references need."""
    factory = dict(STORE_ADAPTERS)[request.param]
    s = factory(tmp_path)
    s.put_territories(MINI_TERRITORIES)
    yield s
    s.close()


MINI_TERRITORIES = [
    Territory(code="04", level="region", name_fr="Rabat-Salé-Kénitra",
              name_ar="الرباط سلا القنيطرة"),
    Territory(code="04.441", level="province", name_fr="Salé", name_ar="سلا", parent_code="04",
              region_code="04"),
    Territory(code="04.441.01.0", level="commune", name_fr="Salé", name_ar="سلا",
              parent_code="04.441", region_code="04", province_code="04.441",
              population=1000, children=300, lat=34.04, lon=-6.80),
]


@pytest.fixture(scope="session")
def seed_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An embedded store file with the real territories and the real seed, built once."""
    from graph_service.hsds import import_package
    from graph_service.territories import load_territories

    path = tmp_path_factory.mktemp("seed") / "annuaire.sqlite3"
    store = EmbeddedStore(path)
    store.put_territories(load_territories())
    import_package(store, SEED_DIR, actor="seed")
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
            overrides = {"GRAPH_SERVICE_DB": str(path), **settings}
            app = create_app(Settings(overrides))
            return stack.enter_context(TestClient(app))

        yield make


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    """The app with default settings over the seed, as ``make run`` serves it."""
    return make_client()
