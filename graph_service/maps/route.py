"""The orientation map: the child's commune, then each stage's service, numbered, joined.

It draws the :class:`~graph_service.orientation.Plan` orientation computed, and
computes nothing itself: a social worker sees where to go first, then next,
how far each step is, which stages have no provider in the province, and the
alternatives (a layer to switch on). Positions are the plan's own, so a
confidential site is already at its commune's point.
"""

from __future__ import annotations

from html import escape

import folium

from ..domain.taxonomy import LINK_KINDS, STAGES
from ..orientation import Plan, ServiceChoice
from ..snapshot import Snapshot
from .assets import SERVED
from .base import add_base, add_legend, add_title, new_map, point_layer
from .popups import place_popup

__all__ = ["build_route_map"]

_ROUTE = "#08519c"
_STEP = ('<div style="background:{colour};color:#fff;min-width:26px;height:26px;padding:0 4px;'
         'box-sizing:border-box;border-radius:13px;border:2px solid #fff;box-shadow:0 0 3px #000;'
         'text-align:center;white-space:nowrap;display:inline-block;'
         'font:bold 14px/22px sans-serif">{label}</div>')
_CHILD = _STEP.format(colour="#d94801", label="★")
_ALTERNATIVE = ('<div style="background:#969696;width:12px;height:12px;border-radius:6px;'
                'border:2px solid #fff;box-shadow:0 0 2px #000"></div>')
_MARGIN = 0.05
"""Degrees added around the route so that its end points are not on the map's edge."""


def build_route_map(plan: Plan, snapshot: Snapshot, *, assets: str = SERVED,
                    tile_url: str = "") -> folium.Map:
    """The plan on a map; ``snapshot`` supplies the Arabic names and channels of its services."""
    loc = plan.location
    steps = [(n, sp.stage, sp.service) for n, sp in
             enumerate((sp for sp in plan.stages if sp.service is not None), start=1)]
    points = [(loc.lat, loc.lon)] + [(c.lat, c.lon) for _, _, c in steps if c is not None]
    lats, lons = [p[0] for p in points], [p[1] for p in points]
    bounds = ((min(lats) - _MARGIN, min(lons) - _MARGIN), (max(lats) + _MARGIN,
                                                           max(lons) + _MARGIN))
    m = new_map(assets=assets, tile_url=tile_url, bounds=bounds)
    add_base(m, province=loc.province.code or None, filled=not tile_url)

    route = folium.FeatureGroup(name="Parcours", control=True)
    previous = (loc.lat, loc.lon)
    for n, stage, choice in steps:
        assert choice is not None
        here = (choice.lat, choice.lon)
        folium.PolyLine([previous, here], color=_ROUTE, weight=4, opacity=0.8,
                        dash_array="8 6" if choice.linked_from is None else None,
                        tooltip=_segment(n, stage, choice)).add_to(route)
        previous = here
    commune = snapshot.territories.get(loc.commune.code) if loc.commune else None
    child_name = loc.commune.name if loc.commune else loc.province.name
    child_popup = (f'<div class="gs-popup"><div lang="fr"><b>Lieu de l\'enfant</b><br>'
                   f"{escape(child_name)}</div>"
                   + (f'<div lang="ar" dir="rtl"><b>مكان الطفل</b><br>{escape(commune.name_ar)}'
                      f"</div>" if commune else "") + "</div>")
    stops: dict[tuple[float, float], list[dict[str, str]]] = {}
    for n, stage, choice in steps:  # steps at one place share a marker: "1·4·5"
        assert choice is not None
        stops.setdefault((choice.lat, choice.lon), []).append(
            _step_props(snapshot, n, stage, choice))
    point_layer(
        [(loc.lat, loc.lon, {"name": escape(f"Lieu de l'enfant : {child_name}"),
                             "popup": child_popup, "icon": _CHILD})]
        + [(lat, lon, _merged(props)) for (lat, lon), props in stops.items()],
        name="Étapes", icon_html=_CHILD,
    ).add_to(route)
    route.add_to(m)
    alternatives = [(sp.stage, alt) for sp in plan.stages for alt in sp.alternatives]
    if alternatives:
        point_layer(
            [(alt.lat, alt.lon, _step_props(snapshot, None, stage, alt))
             for stage, alt in alternatives],
            name=f"Autres possibilités ({len(alternatives)})", icon_html=_ALTERNATIVE,
            control=True, show=False,
        ).add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    add_title(m, f"Orientation — depuis {child_name}",
              f"التوجيه — انطلاقا من {commune.name_ar}" if commune else "التوجيه")
    add_legend(
        m, "Étapes du parcours",
        [("#d94801", f"★ lieu de l'enfant : {child_name}")]
        + [(_ROUTE, f"{n}. {STAGES[stage].fr} — {c.name} ({_km(c.distance_km)})")
           for n, stage, c in steps if c is not None],
        note=_gaps_note(plan),
    )
    return m


def _step_props(snapshot: Snapshot, n: int | None, stage: str,
                choice: ServiceChoice) -> dict[str, str]:
    term = STAGES[stage]
    prefix = f"{n}. " if n is not None else "Autre possibilité — "
    heading = (f"<b>{escape(prefix + term.fr)}</b> <small>({_km(choice.distance_km)})</small>"
               f'<div lang="ar" dir="rtl"><small>{escape(term.ar)}</small></div>')
    props = {"name": escape(f"{prefix}{term.fr} : {choice.name}"),
             "popup": _popup(snapshot, choice, heading)}
    if n is not None:
        props["number"] = str(n)
    return props


def _merged(steps: list[dict[str, str]]) -> dict[str, str]:
    """One marker for the steps of one place, numbered in order."""
    label = "·".join(p["number"] for p in steps)
    return {"name": " ; ".join(p["name"] for p in steps),
            "popup": "<hr>".join(p["popup"] for p in steps),
            "icon": _STEP.format(colour=_ROUTE, label=label)}


def _popup(snapshot: Snapshot, choice: ServiceChoice, heading: str) -> str:
    """The annuaire's popup for the service, from the snapshot (Arabic names, channels)."""
    service = snapshot.services.get(choice.id)
    org = snapshot.organizations.get(choice.organization.id)
    if service is None or org is None:
        return f'<div class="gs-popup">{heading}<br>{escape(choice.name)}</div>'
    site = snapshot.sites.get(choice.site_id) if choice.site_id else None
    commune = snapshot.territories.get(choice.commune.code) if choice.commune else None
    province = snapshot.territories.get(choice.province.code)
    return place_popup(snapshot, org, [service], site=site, commune=commune, province=province,
                       heading=heading)


def _segment(n: int, stage: str, choice: ServiceChoice) -> str:
    link = choice.linked_from
    how = "sans lien d'orientation connu"
    if link is not None:
        how = LINK_KINDS[link.kind].fr.lower() if link.kind in LINK_KINDS else link.kind
        if link.typical_delay_hours is not None:
            how += f", délai habituel {link.typical_delay_hours} h"
    return escape(f"Vers l'étape {n} ({STAGES[stage].fr}) : {how}")


def _gaps_note(plan: Plan) -> str:
    if not plan.gaps:
        return "Chaque étape a un prestataire dans la province."
    parts = []
    for gap in plan.gaps:
        nearest = (f" (le plus proche à {_km(gap.distance_km)})" if gap.distance_km is not None
                   else "")
        parts.append(f"{STAGES[gap.stage].fr}{nearest}")
    return f"Sans prestataire dans la province {plan.location.province.name} : " + "; ".join(
        parts) + "."


def _km(km: float | None) -> str:
    return "—" if km is None else f"{km:.1f} km".replace(".", ",")
