"""Placing an HSDS location in one of Morocco's communes.

HSDS locations carry coordinates and a free-text city, while every site of the annuaire
belongs to an HCP commune (coverage and orientation work commune by commune). A location
without our ``x_location_profile`` goes to the commune whose point is nearest its
coordinates, or else to the commune its address' city names unambiguously.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Sequence

from ..domain.entities import Territory


def name_key(name: str) -> str:
    """Accent-, case- and punctuation-insensitive form of a place name."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", plain.lower())


class Places:
    """The communes a location can be placed in (with their points, when known)."""

    def __init__(self, communes: Sequence[Territory]) -> None:
        self._by_code = {t.code: t for t in communes}
        self._points = [
            (t.lat, t.lon, t) for t in communes if t.lat is not None and t.lon is not None
        ]
        self._by_name: dict[str, list[Territory]] = defaultdict(list)
        for t in communes:
            self._by_name[name_key(t.name_fr)].append(t)

    def get(self, code: str) -> Territory | None:
        return self._by_code.get(code)

    def nearest(self, lat: float, lon: float) -> Territory | None:
        """The commune whose point is nearest (equirectangular distance: fine at this scale)."""
        scale = math.cos(math.radians(max(-89.0, min(89.0, lat))))
        best = min(
            self._points,
            key=lambda p: (p[0] - lat) ** 2 + ((p[1] - lon) * scale) ** 2,
            default=None,
        )
        return best[2] if best else None

    def named(self, city: str) -> Territory | None:
        """The commune of that name, if exactly one has it."""
        found = self._by_name.get(name_key(city), []) if city else []
        return found[0] if len(found) == 1 else None
