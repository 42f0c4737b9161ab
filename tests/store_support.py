"""A few real territories, enough for store tests whose entries need a commune to point at."""

from __future__ import annotations

from graph_service.domain.entities import Territory

MINI_TERRITORIES = [
    Territory(code="04", level="region", name_fr="Rabat-Salé-Kénitra",
              name_ar="الرباط سلا القنيطرة"),
    Territory(code="04.441", level="province", name_fr="Salé", name_ar="سلا", parent_code="04",
              region_code="04"),
    Territory(code="04.441.01.0", level="commune", name_fr="Salé", name_ar="سلا",
              parent_code="04.441", region_code="04", province_code="04.441",
              population=1000, children=300, lat=34.04, lon=-6.80),
]
