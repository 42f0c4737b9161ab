"""The annuaire map: every site of every actor, one toggleable clustered layer per sector.

A social worker looks for "who is around here"; a coordinator checks that each
sector of the DTIPE is present. One marker per site (or per provincial seat for
an organisation with no site), coloured by its organisation's sector, clustered
per sector so that a national map stays readable, with a popup in the page's
language. Confidential sites sit at their commune's point (see :mod:`.popups`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from html import escape

import folium
from folium.plugins import MarkerCluster

from ..domain.entities import Organization, Service, Site, Territory
from ..domain.errors import NotFound
from ..domain.taxonomy import SECTORS
from ..snapshot import Snapshot, site_place
from ..territories import province_boundaries
from .assets import SERVED, use_local
from .base import (
    NATIONAL_TOLERANCE,
    add_base,
    add_legend,
    add_title,
    bounds_of,
    feature_collection,
    new_map,
    point_layer,
)
from .popups import place_popup
from .texts import MapLang, text

__all__ = ["SECTOR_COLOURS", "build_annuaire_map"]

SECTOR_COLOURS: dict[str, str] = dict(zip(SECTORS, (
    "#1f77b4", "#d62728", "#17becf", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
    "#e377c2", "#7f7f7f", "#bcbd22", "#393b79", "#637939", "#ad494a", "#843c39",
), strict=True))

_PIN = ('<div style="background:{colour};width:14px;height:14px;border-radius:7px;'
        'border:2px solid #fff;box-shadow:0 0 2px #000"></div>')
_CLUSTER = (
    "function(cluster) { return L.divIcon({html: '<div style=\"background:{colour};"
    "color:#fff\"><span>' + cluster.getChildCount() + '</span></div>',"
    " className: 'marker-cluster', iconSize: new L.Point(40, 40)}); }"
)


@dataclass(slots=True)
class _Marker:
    org: Organization
    lat: float
    lon: float
    site: Site | None
    commune: Territory | None
    province: Territory | None
    services: list[Service]


def build_annuaire_map(
    snapshot: Snapshot,
    *,
    province: str | None = None,
    lang: MapLang = "fr",
    assets: str = SERVED,
    tile_url: str = "",
) -> folium.Map:
    """The annuaire on a map, for the country or one province (HCP code), in ``lang``.

    Raises
    ------
    NotFound
        ``province`` is not a province code.
    """
    where = snapshot.territories.get(province) if province else None
    if province is not None and (where is None or where.level != "province"):
        raise NotFound("province", province)
    markers = _markers(snapshot, province)
    bounds = None
    if province is not None:
        shapes = province_boundaries(NATIONAL_TOLERANCE)
        if province in shapes:
            bounds = bounds_of(feature_collection([(province, shapes[province], {})]))
    m = new_map(assets=assets, lang=lang, tile_url=tile_url,
                **({"bounds": bounds} if bounds else {}))
    add_base(m, lang=lang, province=province, filled=not tile_url)
    by_sector: dict[str, list[_Marker]] = defaultdict(list)
    for marker in markers:
        by_sector[marker.org.sector].append(marker)
    for sector in SECTORS:  # taxonomy order: the same legend on every map
        if sector in by_sector:
            _sector_layer(snapshot, sector, by_sector[sector], assets, lang).add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    place = "" if where is None else f" — {where.name_ar if lang == 'ar' else where.name_fr}"
    add_title(m, text("annuaire_title", lang) + place, lang=lang)
    add_legend(m, text("sectors", lang), [(SECTOR_COLOURS[s], _sector(s, len(by_sector[s]), lang))
                                          for s in SECTORS if s in by_sector],
               lang=lang, note=text("confidential_note", lang))
    return m


def _sector(sector: str, count: int, lang: MapLang) -> str:
    term = SECTORS[sector]
    return f"{term.ar if lang == 'ar' else term.fr} ({count})"


def _sector_layer(snapshot: Snapshot, sector: str, markers: list[_Marker],
                  assets: str, lang: MapLang) -> MarkerCluster:
    colour = SECTOR_COLOURS[sector]
    cluster = MarkerCluster(name=escape(_sector(sector, len(markers), lang)),
                            icon_create_function=_CLUSTER.replace("{colour}", colour))
    use_local(cluster, assets)
    point_layer(
        ((mk.lat, mk.lon, {
            "name": escape(mk.org.name_ar if lang == "ar" and mk.org.name_ar else mk.org.name),
            "popup": place_popup(snapshot, mk.org, mk.services, lang=lang, site=mk.site,
                                 commune=mk.commune, province=mk.province)})
         for mk in markers),
        name=_sector(sector, len(markers), lang), icon_html=_PIN.format(colour=colour),
    ).add_to(cluster)
    return cluster


def _markers(snapshot: Snapshot, province: str | None) -> list[_Marker]:
    """One marker per site, plus one per organisation seat for services placed at no site."""
    at_site: dict[str, list[Service]] = defaultdict(list)
    at_seat: dict[tuple[str, str], list[Service]] = defaultdict(list)
    for sid in sorted(snapshot.places):
        service = snapshot.services[sid]
        for place in snapshot.places[sid]:
            if place.site_id is not None:
                at_site[place.site_id].append(service)
            else:
                at_seat[(service.organization_id, place.province_code)].append(service)
    out: list[_Marker] = []
    for site in sorted(snapshot.sites.values(), key=lambda s: s.id):
        org = snapshot.organizations.get(site.organization_id)
        shown = site_place(snapshot, "", site)  # its public point: a shelter at its commune's
        if org is None or shown is None:
            continue
        if province is not None and shown.province_code != province:
            continue
        out.append(_Marker(org, shown.lat, shown.lon, site,
                           snapshot.territories[shown.commune_code], None,
                           at_site.get(site.id, [])))
    for (org_id, code), services in sorted(at_seat.items()):
        seat = snapshot.territories.get(code)
        org = snapshot.organizations.get(org_id)
        if org is None or seat is None or seat.lat is None or seat.lon is None:
            continue
        if province is None or code == province:
            out.append(_Marker(org, seat.lat, seat.lon, None, None, seat, services))
    return out
