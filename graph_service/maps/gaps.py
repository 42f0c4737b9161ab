"""The coverage-gap map: communes coloured by how far their children are from one stage.

Two readings of the same figures (:mod:`graph_service.coverage`): ``distance``
colours each commune by the distance from its point to the nearest eligible
provider of the stage; ``children`` colours only the communes beyond
:data:`~graph_service.coverage.FAR_KM` by how many children live there, which is
where a coordinator's action plan should start. Every commune has a tooltip:
name (FR/AR), children, nearest provider and kilometres.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

import folium

from ..coverage import FAR_KM, CommuneReach, Coverage, commune_reach
from ..domain.errors import FieldError, ValidationFailed
from ..domain.taxonomy import SERVICE_TYPES, SITUATIONS, STAGES
from ..territories import commune_boundaries
from ..text import thousands
from .assets import SERVED
from .base import (
    NATIONAL_TOLERANCE,
    PROVINCE_TOLERANCE,
    add_base,
    add_legend,
    add_outlines,
    add_title,
    bounds_of,
    feature_collection,
    new_map,
)

__all__ = ["METRICS", "build_gaps_map"]

METRICS = ("distance", "children")

_DISTANCE_CLASSES: tuple[tuple[float, str, str], ...] = (
    (0.0, "#1a9850", "dans la commune"),
    (10.0, "#91cf60", "jusqu'à 10 km"),
    (30.0, "#fee08b", "10 à 30 km"),
    (60.0, "#fc8d59", "30 à 60 km"),
    (math.inf, "#d73027", "plus de 60 km"),
)
_CHILDREN_CLASSES: tuple[tuple[float, str, str], ...] = (
    (1_000, "#fcc5c0", "moins de 1 000 enfants"),
    (5_000, "#fa9fb5", "1 000 à 5 000"),
    (20_000, "#f768a1", "5 000 à 20 000"),
    (math.inf, "#ae017e", "plus de 20 000"),
)
_NEAR = ("#e6e6e6", f"à {FAR_KM} km ou moins")
_NOWHERE = ("#525252", "aucun prestataire pour la commune (ou aucune autorité compétente)")


def build_gaps_map(
    coverage: Coverage,
    stage: str,
    *,
    metric: str = "distance",
    province: str | None = None,
    assets: str = SERVED,
    tile_url: str = "",
) -> folium.Map:
    """The gap map of one stage, for the country or one province (HCP code).

    Parameters
    ----------
    coverage : Coverage
        From :func:`~graph_service.coverage.compute_coverage`, with ``stage`` computed.
    metric : ``"distance"`` or ``"children"``
    province : str, optional
        Only this province's communes, zoomed on them.
    assets, tile_url
        See :func:`~graph_service.maps.base.new_map`.

    Raises
    ------
    ValidationFailed
        Unknown metric, stage not computed, or a province without communes.
    """
    if metric not in METRICS:
        raise ValidationFailed([FieldError("metric", f"expected one of {', '.join(METRICS)}")])
    rows = [r for r in commune_reach(coverage, stage)
            if province is None or r.province_code == province]
    if not rows:
        raise ValidationFailed([FieldError("province", f"no commune in province {province!r}")])
    shapes = commune_boundaries(NATIONAL_TOLERANCE if province is None else PROVINCE_TOLERANCE)
    classes = _DISTANCE_CLASSES if metric == "distance" else _CHILDREN_CLASSES
    data = feature_collection(
        (r.code, shapes[r.code], _properties(r, metric)) for r in rows if r.code in shapes
    )
    m = new_map(assets=assets, tile_url=tile_url, bounds=bounds_of(data))
    if not tile_url:
        add_base(m)
    term = STAGES[stage]
    layer = folium.GeoJson(
        data,
        name=f"Communes — {term.fr}",
        style_function=lambda f: {"fillColor": f["properties"]["colour"], "fillOpacity": 0.8,
                                  "color": "#ffffff", "weight": 0.4},
        highlight_function=lambda _: {"weight": 2, "color": "#000000"},
        tooltip=folium.GeoJsonTooltip(
            fields=["name", "children", "nearest", "km"],
            aliases=["Commune", "Enfants (0–17 ans)", "Prestataire le plus proche",
                     "Distance (km)"],
            sticky=True,
        ),
    )
    layer.add_to(m)
    add_outlines(m)
    folium.LayerControl(collapsed=False).add_to(m)
    far = sum(r.children for r in rows if r.distance_km is None or r.distance_km > FAR_KM)
    reading = ("distance au prestataire le plus proche" if metric == "distance"
               else f"enfants à plus de {FAR_KM} km")
    where = coverage.snapshot.territories.get(province) if province else None
    add_title(m, f"{term.fr} — {reading}" + (f" — {where.name_fr}" if where else ""),
              term.ar + (f" — {where.name_ar}" if where else ""))
    items = [(c, label) for _, c, label in classes]
    if metric == "children":
        items.insert(0, _NEAR)
    add_legend(
        m,
        "Distance au prestataire le plus proche" if metric == "distance"
        else f"Enfants à plus de {FAR_KM} km",
        [*items, _NOWHERE],
        note=f"{_filters(coverage)}Enfants à plus de {FAR_KM} km : {thousands(far)}",
    )
    return m


def _properties(r: CommuneReach, metric: str) -> dict[str, str]:
    km = r.distance_km
    if km is None:
        colour = _NOWHERE[0]
    elif metric == "distance":
        colour = _class_colour(_DISTANCE_CLASSES, km)
    else:
        colour = _NEAR[0] if km <= FAR_KM else _class_colour(_CHILDREN_CLASSES, r.children)
    if r.nearest_service_name:
        nearest = html.escape(r.nearest_service_name)
        if r.nearest_organization_name:
            nearest += f" — {html.escape(r.nearest_organization_name)}"
    else:
        nearest = "aucun"
    return {
        "name": f'{html.escape(r.name_fr)} <span dir="rtl" lang="ar">'
                f"{html.escape(r.name_ar)}</span>",
        "children": thousands(r.children),
        "nearest": nearest,
        "km": "—" if km is None else f"{km:.1f}".replace(".", ","),
        "colour": colour,
    }


def _class_colour(classes: Sequence[tuple[float, str, str]], value: float) -> str:
    return next(colour for limit, colour, _ in classes if value <= limit)


def _filters(coverage: Coverage) -> str:
    parts = []
    if coverage.need is not None:
        parts.append(", ".join(SITUATIONS[s].fr.lower() for s in coverage.need.situations))
    if coverage.service_type is not None:
        parts.append(SERVICE_TYPES[coverage.service_type].fr.lower())
    return f"Prestataires : {' ; '.join(parts)}. " if parts else "Prestataires actifs. "
