"""The coverage-gap map: communes coloured by how far their children are from one stage.

Two readings of the same figures (:mod:`graph_service.coverage`): ``distance``
colours each commune by the distance from its point to the nearest eligible
provider of the stage; ``children`` colours only the communes beyond
:data:`~graph_service.coverage.FAR_KM` by how many children live there, which is
where a coordinator's action plan should start. Every commune has a tooltip:
name, children, nearest provider and kilometres, in the page's language.
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
from .texts import MapLang, text

__all__ = ["METRICS", "build_gaps_map"]

METRICS = ("distance", "children")

_DISTANCE_CLASSES: tuple[tuple[float, str, str], ...] = (
    (0.0, "#1a9850", "in_commune"),
    (10.0, "#91cf60", "up_to_10"),
    (30.0, "#fee08b", "10_to_30"),
    (60.0, "#fc8d59", "30_to_60"),
    (math.inf, "#d73027", "over_60"),
)
"""Upper limit (km), colour and the key of its label in :mod:`.texts`."""
_CHILDREN_CLASSES: tuple[tuple[float, str, str], ...] = (
    (1_000, "#fcc5c0", "under_1000"),
    (5_000, "#fa9fb5", "1000_to_5000"),
    (20_000, "#f768a1", "5000_to_20000"),
    (math.inf, "#ae017e", "over_20000"),
)
_NEAR = "#e6e6e6"
_NOWHERE = "#525252"


def build_gaps_map(
    coverage: Coverage,
    stage: str,
    *,
    metric: str = "distance",
    province: str | None = None,
    lang: MapLang = "fr",
    assets: str = SERVED,
    tile_url: str = "",
) -> folium.Map:
    """The gap map of one stage, for the country or one province (HCP code), in ``lang``.

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
        (r.code, shapes[r.code], _properties(r, metric, lang)) for r in rows if r.code in shapes
    )
    m = new_map(assets=assets, lang=lang, tile_url=tile_url, bounds=bounds_of(data))
    if not tile_url:
        add_base(m, lang=lang)
    stage_name = _term(STAGES[stage], lang)
    layer = folium.GeoJson(
        data,
        name=text("communes_of", lang, stage=stage_name),
        style_function=lambda f: {"fillColor": f["properties"]["colour"], "fillOpacity": 0.8,
                                  "color": "#ffffff", "weight": 0.4},
        highlight_function=lambda _: {"weight": 2, "color": "#000000"},
        tooltip=folium.GeoJsonTooltip(
            fields=["name", "children", "nearest", "km"],
            aliases=[text(k, lang) for k in ("commune", "children_0_17", "nearest_provider",
                                              "distance_km")],
            sticky=True,
        ),
    )
    layer.add_to(m)
    add_outlines(m, lang=lang)
    folium.LayerControl(collapsed=False).add_to(m)
    far = sum(r.children for r in rows if r.distance_km is None or r.distance_km > FAR_KM)
    reading = (text("nearest_distance", lang) if metric == "distance"
               else text("children_beyond", lang, km=FAR_KM))
    where = coverage.snapshot.territories.get(province) if province else None
    place = "" if where is None else f" — {where.name_ar if lang == 'ar' else where.name_fr}"
    add_title(m, f"{stage_name} — {reading}{place}", lang=lang)
    items = [(c, text(key, lang)) for _, c, key in classes]
    if metric == "children":
        items.insert(0, (_NEAR, text("near", lang, km=FAR_KM)))
    add_legend(
        m, reading, [*items, (_NOWHERE, text("nowhere", lang))], lang=lang,
        note=_filters(coverage, lang) + text("children_beyond_n", lang, km=FAR_KM,
                                             n=thousands(far)),
    )
    return m


def _term(term: object, lang: MapLang) -> str:
    return str(getattr(term, lang))


def _properties(r: CommuneReach, metric: str, lang: MapLang) -> dict[str, str]:
    km = r.distance_km
    if km is None:
        colour = _NOWHERE
    elif metric == "distance":
        colour = _class_colour(_DISTANCE_CLASSES, km)
    else:
        colour = _NEAR if km <= FAR_KM else _class_colour(_CHILDREN_CLASSES, r.children)
    if r.nearest_service_name:
        nearest = html.escape(r.nearest_service_name)
        if r.nearest_organization_name:
            nearest += f" — {html.escape(r.nearest_organization_name)}"
    else:
        nearest = html.escape(text("none", lang))
    name, other, other_lang = ((r.name_ar, r.name_fr, "fr") if lang == "ar" and r.name_ar
                               else (r.name_fr, r.name_ar, "ar"))
    return {
        "name": f'{html.escape(name)} <span lang="{other_lang}">'
                f'(<bdi>{html.escape(other)}</bdi>)</span>' if other else html.escape(name),
        "children": thousands(r.children),
        "nearest": nearest,
        "km": "—" if km is None else f"{km:.1f}".replace(".", ","),
        "colour": colour,
    }


def _class_colour(classes: Sequence[tuple[float, str, str]], value: float) -> str:
    return next(colour for limit, colour, _ in classes if value <= limit)


def _filters(coverage: Coverage, lang: MapLang) -> str:
    parts = []
    if coverage.need is not None:
        parts.append(", ".join(_term(SITUATIONS[s], lang).lower()
                               for s in coverage.need.situations))
    if coverage.service_type is not None:
        parts.append(_term(SERVICE_TYPES[coverage.service_type], lang).lower())
    return (text("providers_of", lang, filters=" ; ".join(parts)) if parts
            else text("active_providers", lang))
