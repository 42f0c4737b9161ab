"""Shared fixtures: stores of every adapter, built the same way the service builds them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from graph_service.domain.entities import Territory
from graph_service.store import GraphStore
from graph_service.store.embedded import EmbeddedStore

StoreFactory = Callable[[Path], GraphStore]


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
    Territory(code="04", level="region", name_fr="Rabat-Salé-Kénitra", name_ar="الرباط سلا القنيطرة"),
    Territory(code="04.441", level="province", name_fr="Salé", name_ar="سلا", parent_code="04",
              region_code="04"),
    Territory(code="04.441.01.0", level="commune", name_fr="Salé", name_ar="سلا",
              parent_code="04.441", region_code="04", province_code="04.441",
              population=1000, children=300, lat=34.04, lon=-6.80),
]
