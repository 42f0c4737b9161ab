"""The orientation map: the child's commune, then each stage's service, numbered, joined.

It draws the :class:`~graph_service.orientation.Plan` orientation computed, and
computes nothing itself: a social worker sees where to go first, then next,
how far each step is, which stages have no provider in the province, and the
alternatives (a layer to switch on). Positions are the plan's own, so a
confidential site is already at its commune's point. Each step has its own
numbered marker at its service's place; steps at one place (often: one provincial
seat, one chef-lieu) stand side by side there, each with its popup, never one
pin for several.
"""

from __future__ import annotations

from html import escape
from typing import Any

import folium

from ..domain.taxonomy import LINK_KINDS, STAGES
from ..orientation import Plan, ServiceChoice
from ..snapshot import Snapshot
from .assets import SERVED
from .base import add_base, add_legend, add_title, new_map, point_layer
from .popups import place_popup
from .texts import MapLang, km, text

__all__ = ["build_route_map"]

_ROUTE = "#08519c"
_STEP = ('<div style="background:{colour};color:#fff;width:26px;height:26px;'
         'box-sizing:border-box;border-radius:13px;border:2px solid #fff;box-shadow:0 0 3px #000;'
         'text-align:center;font:bold 14px/22px sans-serif">{label}</div>')
_CHILD_COLOUR = "#d94801"
_CHILD = _STEP.format(colour=_CHILD_COLOUR, label="★")
_ALTERNATIVE = ('<div style="background:#969696;width:12px;height:12px;border-radius:6px;'
                'border:2px solid #fff;box-shadow:0 0 2px #000"></div>')
_MARGIN = 0.05
"""Degrees added around the route so that its end points are not on the map's edge."""
_SIDE_BY_SIDE = 28
"""Pixels between the centres of markers of one place (a marker is 26 px wide)."""


def build_route_map(plan: Plan, snapshot: Snapshot, *, lang: MapLang = "fr",
                    assets: str = SERVED, tile_url: str = "") -> folium.Map:
    """The plan on a map in ``lang``; ``snapshot`` supplies the services' names and channels."""
    loc = plan.location
    steps = [(n, sp.stage, sp.service) for n, sp in
             enumerate((sp for sp in plan.stages if sp.service is not None), start=1)
             if sp.service is not None]
    points = [(loc.lat, loc.lon)] + [(c.lat, c.lon) for _, _, c in steps]
    lats, lons = [p[0] for p in points], [p[1] for p in points]
    bounds = ((min(lats) - _MARGIN, min(lons) - _MARGIN), (max(lats) + _MARGIN,
                                                           max(lons) + _MARGIN))
    m = new_map(assets=assets, lang=lang, tile_url=tile_url, bounds=bounds)
    add_base(m, lang=lang, province=loc.province.code or None, filled=not tile_url)

    route = folium.FeatureGroup(name=text("route", lang), control=True)
    previous = (loc.lat, loc.lon)
    for n, stage, choice in steps:
        here = (choice.lat, choice.lon)
        folium.PolyLine([previous, here], color=_ROUTE, weight=4, opacity=0.8,
                        dash_array="8 6" if choice.linked_from is None else None,
                        tooltip=_segment(n, stage, choice, lang)).add_to(route)
        previous = here
    commune = snapshot.territories.get(loc.commune.code) if loc.commune else None
    child_name = (commune.name_ar if lang == "ar" and commune and commune.name_ar
                  else loc.commune.name if loc.commune else loc.province.name)
    child_popup = (f'<div class="gs-popup" lang="{lang}" dir="{"rtl" if lang == "ar" else "ltr"}">'
                   f"<b>{escape(text('child_place', lang))}</b><br>{escape(child_name)}</div>")
    markers = [(loc.lat, loc.lon, {"name": escape(text("child_place_of", lang, place=child_name)),
                                   "popup": child_popup, "icon": _CHILD})]
    markers += [(c.lat, c.lon, _step_props(snapshot, n, stage, c, lang) | {
        "icon": _STEP.format(colour=_ROUTE, label=n)}) for n, stage, c in steps]
    point_layer(_side_by_side(markers), name=text("steps", lang), icon_html=_CHILD).add_to(route)
    route.add_to(m)
    alternatives = [(sp.stage, alt) for sp in plan.stages for alt in sp.alternatives]
    if alternatives:
        point_layer(
            [(alt.lat, alt.lon, _step_props(snapshot, None, stage, alt, lang))
             for stage, alt in alternatives],
            name=text("alternatives", lang, n=len(alternatives)), icon_html=_ALTERNATIVE,
            control=True, show=False,
        ).add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    add_title(m, text("route_title", lang, place=child_name), lang=lang)
    add_legend(
        m, text("route_steps", lang),
        [(_CHILD_COLOUR, "★ " + text("child_place_of", lang, place=child_name))]
        + [(_ROUTE, f"{n}. {_term(STAGES[stage], lang)} — {_service_name(snapshot, c, lang)} "
                    f"({km(c.distance_km, lang)})") for n, stage, c in steps],
        lang=lang, note=_gaps_note(plan, lang),
    )
    return m


def _side_by_side(
    markers: list[tuple[float, float, dict[str, Any]]],
) -> list[tuple[float, float, dict[str, Any]]]:
    """Markers of one place drawn next to each other (``shift``), in order, centred on it."""
    at: dict[tuple[float, float], int] = {}
    for lat, lon, _ in markers:
        at[(round(lat, 5), round(lon, 5))] = at.get((round(lat, 5), round(lon, 5)), 0) + 1
    seen: dict[tuple[float, float], int] = {}
    out = []
    for lat, lon, props in markers:
        key = (round(lat, 5), round(lon, 5))
        i = seen[key] = seen.get(key, -1) + 1
        shift = round((i - (at[key] - 1) / 2) * _SIDE_BY_SIDE)
        out.append((lat, lon, props | {"shift": shift} if shift else props))
    return out


def _term(term: object, lang: MapLang) -> str:
    return str(getattr(term, lang))


def _service_name(snapshot: Snapshot, choice: ServiceChoice, lang: MapLang) -> str:
    service = snapshot.services.get(choice.id)
    return service.name_ar if lang == "ar" and service and service.name_ar else choice.name


def _step_props(snapshot: Snapshot, n: int | None, stage: str, choice: ServiceChoice,
                lang: MapLang) -> dict[str, str]:
    prefix = f"{n}. " if n is not None else text("alternative", lang)
    stage_name = _term(STAGES[stage], lang)
    heading = (f"<b>{escape(prefix + stage_name)}</b> "
               f"<small>({escape(km(choice.distance_km, lang))})</small>")
    return {"name": escape(f"{prefix}{stage_name} : {_service_name(snapshot, choice, lang)}"),
            "popup": _popup(snapshot, choice, heading, lang)}


def _popup(snapshot: Snapshot, choice: ServiceChoice, heading: str, lang: MapLang) -> str:
    """The annuaire's popup for the service, from the snapshot (names, channels)."""
    service = snapshot.services.get(choice.id)
    org = snapshot.organizations.get(choice.organization.id)
    if service is None or org is None:
        return f'<div class="gs-popup">{heading}<br>{escape(choice.name)}</div>'
    site = snapshot.sites.get(choice.site_id) if choice.site_id else None
    commune = snapshot.territories.get(choice.commune.code) if choice.commune else None
    province = snapshot.territories.get(choice.province.code)
    return place_popup(snapshot, org, [service], lang=lang, site=site, commune=commune,
                       province=province, heading=heading)


def _segment(n: int, stage: str, choice: ServiceChoice, lang: MapLang) -> str:
    link = choice.linked_from
    how = text("no_known_link", lang)
    if link is not None:
        how = _term(LINK_KINDS[link.kind], lang).lower() if link.kind in LINK_KINDS \
            else link.kind
        if link.typical_delay_hours is not None:
            how = text("usual_delay", lang, how=how, hours=link.typical_delay_hours)
    return escape(text("to_step", lang, n=n, stage=_term(STAGES[stage], lang), how=how))


def _gaps_note(plan: Plan, lang: MapLang) -> str:
    if not plan.gaps:
        return text("every_stage_served", lang)
    parts = []
    for gap in plan.gaps:
        nearest = (text("nearest_at", lang, km=km(gap.distance_km, lang))
                   if gap.distance_km is not None else "")
        parts.append(f"{_term(STAGES[gap.stage], lang)}{nearest}")
    return text("unserved_stages", lang, province=plan.location.province.name,
                stages=" ; ".join(parts))
