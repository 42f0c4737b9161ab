"""Maps of the annuaire, of coverage gaps and of an orientation route (folium, offline).

One module per kind of map (:mod:`.annuaire`, :mod:`.gaps`, :mod:`.route`), what they
share in :mod:`.base` and :mod:`.popups`, the locally served JS/CSS in :mod:`.assets`,
and the app's routes in :mod:`.routes`. Builders return a ``folium.Map``;
:func:`render_html` turns it into a page, :func:`write_html` into a file that works offline.
"""

from __future__ import annotations

from .annuaire import build_annuaire_map
from .assets import BESIDE, SERVED
from .base import render_html, write_html
from .gaps import METRICS, build_gaps_map
from .route import build_route_map

__all__ = [
    "BESIDE",
    "METRICS",
    "SERVED",
    "build_annuaire_map",
    "build_gaps_map",
    "build_route_map",
    "render_html",
    "write_html",
]
