"""What store tests load: a few real territories, enough for entries that need a commune to
point at, or the whole seed as ``graph-service seed`` loads it."""

from __future__ import annotations

from pathlib import Path

from graph_service.backbone import load_backbone
from graph_service.domain.entities import Territory
from graph_service.hsds import import_package
from graph_service.store import GraphStore
from graph_service.territories import load_territories

ROOT = Path(__file__).resolve().parents[1]
SEED_DIR = ROOT / "seed" / "annuaire"
BACKBONE = ROOT / "seed" / "reference" / "backbone.csv"

MINI_TERRITORIES = [
    Territory(code="04", level="region", name_fr="Rabat-Salé-Kénitra",
              name_ar="الرباط سلا القنيطرة"),
    Territory(code="04.441", level="province", name_fr="Salé", name_ar="سلا", parent_code="04",
              region_code="04"),
    Territory(code="04.441.01.0", level="commune", name_fr="Salé", name_ar="سلا",
              parent_code="04.441", region_code="04", province_code="04.441",
              population=1000, children=300, lat=34.04, lon=-6.80),
]


def seed(store: GraphStore) -> None:
    """Load the real territories, the seed and the reference entries of the public
    institutions into ``store``, as ``graph-service seed`` does."""
    store.put_territories(load_territories())
    import_package(store, SEED_DIR, actor="seed")
    load_backbone(store, BACKBONE, actor="seed")
