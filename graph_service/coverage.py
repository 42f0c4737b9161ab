"""Where children have no service within reach, stage by stage of the circuit.

Coordinators (CAPE, CPPE) plan from one question: *how many children live far
from each step of the circuit de prise en charge, and where?* For every commune
and every stage this module finds the distance from the commune's point to the
nearest eligible active provider, weighs it by the commune's estimated children
(2024 census, :mod:`graph_service.territories`) and sums it up per province,
région and for the country.

Distances are great-circle kilometres. Points become 3-D unit vectors so that a
plain Euclidean k-d tree (scipy's ``cKDTree``) finds the nearest provider
exactly: the chord between two unit vectors grows monotonically with the arc
between them, and ``2·R·asin(chord/2)`` turns it back into kilometres. A commune
that hosts a provider is at distance 0, wherever in the commune the site is.

"Eligible" reuses orientation's rules (:func:`~graph_service.domain.eligibility.check_eligibility`)
when a situation is given, and otherwise means an active service; a service type
narrows the providers further. Territorial competence
(:mod:`graph_service.domain.competence`) applies as in orientation: a provider
is a service a child can be referred to at the stage (:attr:`Snapshot.referable`
— never a committee or a training, and at the signalement only an authority),
and an authority counts for a commune only where its area covers it, so a
commune is covered for the signalement only by its competent court, police or
gendarmerie, however near another jurisdiction's is. Distances run from the
public point of each place (:class:`~graph_service.snapshot.Place`): moving a
shelter inside its commune changes no figure. Every output is ordered, so the
same annuaire gives the same figures byte for byte.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from .domain.competence import ServiceArea
from .domain.eligibility import Need, check_eligibility, eligibility_key
from .domain.entities import Service, Territory
from .domain.errors import FieldError, NotFound, ValidationFailed
from .domain.messages import Bilingual, Message
from .domain.taxonomy import SERVICE_TYPES, STAGE_ORDER, STAGES, check_code
from .snapshot import Snapshot
from .text import closest, search_key

__all__ = [
    "EARTH_RADIUS_KM",
    "FAR_KM",
    "REACH_KM",
    "AreaSummary",
    "CommuneReach",
    "Coverage",
    "StageReach",
    "StageSummary",
    "cached_coverage",
    "chord_to_km",
    "commune_reach",
    "compute_coverage",
    "km_to_chord",
    "nearest_km",
    "not_found",
    "resolve_area",
    "summaries",
    "summarize",
    "unit_vectors",
]

EARTH_RADIUS_KM = 6371.0088
"""Mean Earth radius (IUGG)."""
REACH_KM: tuple[int, int, int] = (10, 30, 60)
"""The distances children are counted within (≤), per stage."""
FAR_KM = 30
"""Beyond this distance a commune is listed among the farthest."""

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]


# --- results -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StageReach:
    """One stage over every commune.

    ``distance_km`` and ``nearest`` are aligned with :attr:`Coverage.communes`:
    the distance is ``inf`` where no eligible provider may serve the commune (none
    anywhere, or, for an authority, none competent there), and
    ``nearest`` holds the id of the nearest provider's service (``None`` then).
    """

    stage: str
    distance_km: FloatArray
    nearest: tuple[str | None, ...]
    providers: tuple[str, ...]
    """Ids of the eligible services of this stage that have a place, sorted: services a child
    can be referred to at the stage (:attr:`Snapshot.referable`)."""
    place_provider: IntArray
    """For each place of those services: the index of its service in ``providers``…"""
    place_province: NDArray[np.str_]
    """…and the province it is in."""

    def providers_in(self, provinces: Iterable[str]) -> tuple[str, ...]:
        """Ids of the providers delivered in at least one of ``provinces``, sorted."""
        inside = np.isin(self.place_province, np.array(list(provinces), dtype=np.str_))
        return tuple(self.providers[i] for i in np.unique(self.place_provider[inside]).tolist())


@dataclass(frozen=True, slots=True)
class Coverage:
    """Distances of every commune to every stage, for one annuaire revision and one filter."""

    snapshot: Snapshot
    communes: tuple[Territory, ...]
    """Every commune with a point, ordered by HCP code."""
    children: NDArray[np.int64]
    stages: tuple[StageReach, ...]
    """In circuit order."""
    need: Need | None = None
    service_type: str | None = None

    def stage(self, code: str) -> StageReach:
        for reach in self.stages:
            if reach.stage == code:
                return reach
        raise ValidationFailed([FieldError("stage", f"stage {code!r} was not computed")])


@dataclass(frozen=True, slots=True)
class CommuneReach:
    """How far one commune's children are from one stage."""

    code: str
    name_fr: str
    name_ar: str
    province_code: str
    children: int
    distance_km: float | None
    """``None`` when no eligible provider may serve the commune (for an authority: none is
    competent there)."""
    nearest_service_id: str | None
    nearest_service_name: str | None
    nearest_organization_name: str | None


@dataclass(frozen=True, slots=True)
class StageSummary:
    """One stage in one area: providers there and children by distance to the nearest one."""

    stage: str
    label_fr: str
    label_ar: str
    providers: int
    """Eligible services delivered inside the area (0: the stage is a gap of the area)."""
    children: int
    children_within_10_km: int
    children_within_30_km: int
    children_within_60_km: int
    children_beyond_30_km: int
    farthest: tuple[CommuneReach, ...]
    """Communes beyond :data:`FAR_KM` with the most children, most first."""

    @property
    def gap(self) -> bool:
        return self.providers == 0


@dataclass(frozen=True, slots=True)
class AreaSummary:
    """Coverage of a province, a région or the country (``level`` ``"national"``, code ``""``)."""

    code: str
    level: str
    name_fr: str
    name_ar: str
    communes: int
    children: int
    stages: tuple[StageSummary, ...]
    missing_stages: tuple[str, ...]
    """Stages with no eligible provider inside the area, in circuit order."""


# --- computation -------------------------------------------------------------------------------


Coordinates = Sequence[float] | FloatArray


def unit_vectors(lat: Coordinates, lon: Coordinates) -> FloatArray:
    """Points on the unit sphere, one row ``(x, y, z)`` per latitude/longitude in degrees."""
    phi = np.radians(np.asarray(lat, dtype=np.float64))
    lam = np.radians(np.asarray(lon, dtype=np.float64))
    cos_phi = np.cos(phi)
    return np.column_stack((cos_phi * np.cos(lam), cos_phi * np.sin(lam), np.sin(phi)))


def chord_to_km(chord: Coordinates) -> FloatArray:
    """Great-circle km of straight-line distances between unit vectors (what k-d trees give)."""
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.clip(np.asarray(chord, dtype=np.float64) / 2,
                                                   0.0, 1.0))


def km_to_chord(km: float) -> float:
    """The straight-line distance between unit vectors that is ``km`` along the sphere."""
    return 2 * math.sin(min(km / EARTH_RADIUS_KM, math.pi) / 2)


def nearest_km(targets: FloatArray, sources: FloatArray) -> tuple[FloatArray, IntArray]:
    """Great-circle distance from each target to its nearest source, and that source's row.

    Parameters
    ----------
    targets, sources : arrays of shape ``(n, 3)`` and ``(m, 3)``
        Unit vectors from :func:`unit_vectors`.

    Returns
    -------
    (distance_km, index)
        ``distance_km[i]`` is ``inf`` and ``index[i]`` is ``-1`` when ``sources`` is empty.
        Of sources equally near (the same point given twice), whichever the tree meets
        first: a caller that names the source gives each point once.

    Examples
    --------
    >>> rabat, sale = unit_vectors([34.02], [-6.84]), unit_vectors([34.04], [-6.80])
    >>> km, idx = nearest_km(rabat, sale)
    >>> round(float(km[0]), 1), int(idx[0])
    (4.3, 0)
    """
    if targets.ndim != 2 or targets.shape[1] != 3 or sources.ndim != 2 or sources.shape[1] != 3:
        raise ValueError("targets and sources must be (n, 3) arrays of unit vectors")
    if len(sources) == 0:
        return np.full(len(targets), np.inf), np.full(len(targets), -1, dtype=np.intp)
    # Made for one query of ~1,500 communes, the build is most of the time: sliding-midpoint
    # splits without node shrinking build in 60 % of the time (13 → 8 ms over every stage of
    # the national annuaire) and query as fast.
    tree = cKDTree(sources, leafsize=32, balanced_tree=False, compact_nodes=False)
    chord, index = tree.query(targets, k=1)
    return chord_to_km(chord), np.asarray(index, dtype=np.intp)


def compute_coverage(
    snapshot: Snapshot,
    *,
    stages: Iterable[str] | None = None,
    need: Need | None = None,
    service_type: str | None = None,
) -> Coverage:
    """Distance from every commune to the nearest eligible provider of each stage that may
    serve it (an authority only inside its area).

    Parameters
    ----------
    snapshot : Snapshot
        The annuaire, with its territories.
    stages : codes of :data:`~graph_service.domain.taxonomy.STAGES`, optional
        Default: every stage, in circuit order.
    need : Need, optional
        A situation: providers must pass its eligibility rules. Default: any active service.
    service_type : code of :data:`~graph_service.domain.taxonomy.SERVICE_TYPES`, optional
        Only providers of this type.

    Returns
    -------
    Coverage

    Raises
    ------
    ValidationFailed
        An unknown stage or service type (the field is named).
    """
    wanted = _check_stages(stages)
    errors = check_code("type", service_type, SERVICE_TYPES)
    if errors:
        raise ValidationFailed(errors)
    communes = tuple(
        sorted((t for t in snapshot.communes() if t.lat is not None and t.lon is not None),
               key=lambda t: t.code)
    )
    row_of = {t.code: i for i, t in enumerate(communes)}
    targets = unit_vectors([t.lat or 0.0 for t in communes], [t.lon or 0.0 for t in communes])
    eligible: dict[tuple[object, ...], bool] = {}

    def ok(service: Service) -> bool:
        if service_type is not None and service.type != service_type:
            return False
        if need is None:
            return service.status == "active"
        key = eligibility_key(service)  # services with equal keys get equal answers
        if key not in eligible:
            eligible[key] = check_eligibility(service, need).ok
        return eligible[key]

    # Every place of every eligible service, once: per stage only a mask changes.
    sids = sorted(sid for sid in snapshot.places if ok(snapshot.services[sid]))
    position = {sid: i for i, sid in enumerate(sids)}
    flat = [(i, p) for i, sid in enumerate(sids) for p in snapshot.places[sid]]
    place_service = np.array([i for i, _ in flat], dtype=np.intp)
    place_row = np.array([row_of.get(p.commune_code, -1) for _, p in flat], dtype=np.intp)
    place_province = np.array([p.province_code for _, p in flat], dtype=np.str_)
    sources = unit_vectors([p.lat for _, p in flat], [p.lon for _, p in flat])
    competence = _Competence(snapshot, communes, targets, position, place_service, place_row,
                             sources)
    reaches = []
    for stage in wanted:
        members = np.array([position[sid] for sid in snapshot.referable.get(stage, ())
                            if sid in position], dtype=np.intp)
        chosen = np.flatnonzero(np.isin(place_service, members))  # in service-id order
        km, nearest_service = competence.nearest(targets, place_service, chosen)
        service_of = place_service[chosen]
        rows = place_row[chosen]
        home = (rows >= 0) & competence.home[chosen]
        hosted, first = np.unique(rows[home], return_index=True)
        km[hosted] = 0.0  # a commune hosting a provider it may use: 0 km, its smallest id
        nearest_service[hosted] = service_of[home][first]
        local = np.searchsorted(members, service_of)
        reaches.append(StageReach(
            stage, km, tuple(sids[i] if i >= 0 else None for i in nearest_service),
            tuple(sids[i] for i in members), local, place_province[chosen]))
    children = np.array([t.children for t in communes], dtype=np.int64)
    return Coverage(snapshot, communes, children, tuple(reaches), need, service_type)


class _Competence:
    """Where each place's service may be counted: anywhere, or only inside its area.

    An authority (:attr:`Snapshot.authorities`) counts for a commune only if its
    area covers it (:meth:`~graph_service.domain.competence.ServiceArea.covers`):
    a report goes to the competent court or police, never to the nearest one of
    another jurisdiction. Authorities sharing an area form one *zone*, whose
    communes are decided once; each authority place is then paired with the
    communes it may serve, and the pairs' distances are computed once for every
    stage. Every other service counts by distance alone.
    """

    def __init__(self, snapshot: Snapshot, communes: Sequence[Territory], targets: FloatArray,
                 position: dict[str, int], place_service: IntArray, place_row: IntArray,
                 sources: FloatArray) -> None:
        zone_of: dict[ServiceArea, int] = {}
        service_zone = np.full(len(position), -1, dtype=np.intp)
        for sid in sorted(snapshot.authorities & position.keys()):
            service_zone[position[sid]] = zone_of.setdefault(snapshot.areas[sid], len(zone_of))
        place_zone = service_zone[place_service]
        rows_of_code: dict[str, list[int]] = defaultdict(list)
        for row, commune in enumerate(communes):
            for code in (commune.code, commune.province_code, commune.region_code):
                if code:
                    rows_of_code[code].append(row)
        zone_rows = [np.array(sorted(r for r in {r for code in area.codes
                                                 for r in rows_of_code.get(code, ())}
                                     if area.covers(communes[r])), dtype=np.intp)
                     for area in zone_of]
        self.free = place_zone < 0
        """Place → whether its service counts by distance alone (not an authority)."""
        bound = np.flatnonzero(~self.free)
        pair_place = np.repeat(bound, [len(zone_rows[z]) for z in place_zone[bound]])
        pair_row = np.concatenate([np.zeros(0, dtype=np.intp),
                                   *(zone_rows[z] for z in place_zone[bound])])
        pair_km = chord_to_km(np.linalg.norm(targets[pair_row] - sources[pair_place], axis=1))
        order = np.lexsort((pair_place, pair_km, pair_row))  # per commune, nearest first
        self.pair_place, self.pair_row, self.pair_km = (
            pair_place[order], pair_row[order], pair_km[order])
        self.home = self.free.copy()
        """Place → whether it counts for the commune it stands in."""
        self.home[pair_place[pair_row == place_row[pair_place]]] = True
        points, point = np.unique(sources, axis=0, return_inverse=True)
        self.points: FloatArray = points
        """Every point a place stands at, once (services often share a site, or the
        commune's point)…"""
        self.point: IntArray = point.ravel()
        """…and place → its row there."""

    def nearest(self, targets: FloatArray, place_service: IntArray,
                chosen: IntArray) -> tuple[FloatArray, IntArray]:
        """Distance from every commune to the nearest place of ``chosen`` that counts for it,
        and that place's service (``inf`` and ``-1`` where none does). Of services equally
        near, the smallest id, as of those a commune hosts: the tree gets each point once,
        for its first place (places are in service-id order), so which one is named does not
        depend on how the tree files them."""
        anywhere = chosen[self.free[chosen]]
        point, first = np.unique(self.point[anywhere], return_index=True)
        km, index = nearest_km(targets, self.points[point])
        service = (place_service[anywhere[first]][index] if len(anywhere)
                   else np.full(len(targets), -1, dtype=np.intp))
        wanted = np.zeros(len(self.free), dtype=bool)
        wanted[chosen] = True
        pairs = wanted[self.pair_place]
        rows, first = np.unique(self.pair_row[pairs], return_index=True)
        pair_km = self.pair_km[pairs][first]
        closer = pair_km < km[rows]
        km[rows[closer]] = pair_km[closer]
        service[rows[closer]] = place_service[self.pair_place[pairs][first][closer]]
        return km, service


_CACHED = 32
"""Filter combinations kept per snapshot by :func:`cached_coverage`."""


def cached_coverage(
    snapshot: Snapshot,
    *,
    stages: Iterable[str] | None = None,
    need: Need | None = None,
    service_type: str | None = None,
) -> Coverage:
    """:func:`compute_coverage`, kept with the snapshot it was computed from.

    The app's maps and queries ask for the same figures until the annuaire
    changes; a new revision brings a new snapshot, and so a fresh computation.
    """
    cache: dict[tuple[object, ...], Coverage] = snapshot.derived.setdefault(__name__, {})
    key = (None if stages is None else tuple(sorted(set(stages))), need, service_type)
    found = cache.get(key)
    if found is None:
        found = compute_coverage(snapshot, stages=stages, need=need, service_type=service_type)
        if len(cache) >= _CACHED:
            cache.pop(next(iter(cache)))
        cache[key] = found
    return found


def _check_stages(stages: Iterable[str] | None) -> tuple[str, ...]:
    if stages is None:
        return STAGE_ORDER
    asked = set(stages)
    errors = [e for s in sorted(asked) for e in check_code("stage", s, STAGES)]
    if errors:
        raise ValidationFailed(errors)
    return tuple(s for s in STAGE_ORDER if s in asked)


# --- summaries ---------------------------------------------------------------------------------


def commune_reach(coverage: Coverage, stage: str) -> list[CommuneReach]:
    """Every commune's children and distance to ``stage``, ordered by commune code."""
    reach = coverage.stage(stage)
    return [_commune_reach(coverage, reach, i) for i in range(len(coverage.communes))]


def summarize(coverage: Coverage, area: str | None = None, *, top: int = 5) -> AreaSummary:
    """Figures for one province or région (by HCP code), or the whole country when ``None``.

    Raises
    ------
    NotFound
        ``area`` is not a province or région code.
    ValidationFailed
        ``area`` is a province with no commune of its own (Casablanca's préfectures
        d'arrondissements: their communes are counted under the préfecture of Casablanca).
    """
    if top < 0:
        raise ValidationFailed([FieldError("top", "must be 0 or more")])
    if area is None:
        rows = np.arange(len(coverage.communes))
        return _summary(coverage, rows, "", "national", "Maroc", "المغرب", top)
    territory = coverage.snapshot.territories.get(area)
    if territory is None or territory.level not in ("province", "region"):
        raise NotFound("province or région", area)
    field_name = "province_code" if territory.level == "province" else "region_code"
    rows = np.array([i for i, c in enumerate(coverage.communes)
                     if getattr(c, field_name) == area], dtype=np.intp)
    if len(rows) == 0:
        raise ValidationFailed([FieldError(
            "province", f"{territory.name_fr} ({area}) has no commune of its own; its communes "
            f"are counted under {territory.parent_code}")])
    return _summary(coverage, rows, area, territory.level, territory.name_fr, territory.name_ar,
                    top)


def summaries(coverage: Coverage, level: str = "province", *, top: int = 5) -> list[AreaSummary]:
    """:func:`summarize` for every province (or région) that has communes, by code."""
    if level not in ("province", "region"):
        raise ValidationFailed([FieldError("level", "expected 'province' or 'region'")])
    attr = "province_code" if level == "province" else "region_code"
    groups: dict[str, list[int]] = defaultdict(list)
    for i, commune in enumerate(coverage.communes):
        groups[getattr(commune, attr) or ""].append(i)
    out = []
    for code in sorted(groups):
        t = coverage.snapshot.territories.get(code)
        if t is None:
            continue
        out.append(_summary(coverage, np.array(groups[code], dtype=np.intp), code, level,
                            t.name_fr, t.name_ar, top))
    return out


def _summary(coverage: Coverage, rows: IntArray, code: str, level: str, name_fr: str,
             name_ar: str, top: int) -> AreaSummary:
    children = coverage.children[rows]
    total = int(children.sum())
    provinces = {coverage.communes[i].province_code for i in rows}
    stages = []
    for reach in coverage.stages:
        km = reach.distance_km[rows]
        within = [int(children[km <= limit].sum()) for limit in REACH_KM]
        far = rows[km > FAR_KM]
        order = sorted(far, key=lambda i: (-int(coverage.children[i]), coverage.communes[i].code))
        providers = len(reach.providers if level == "national"
                        else reach.providers_in(provinces))
        term = STAGES[reach.stage]
        stages.append(StageSummary(
            stage=reach.stage, label_fr=term.fr, label_ar=term.ar, providers=providers,
            children=total, children_within_10_km=within[0], children_within_30_km=within[1],
            children_within_60_km=within[2], children_beyond_30_km=total - within[1],
            farthest=tuple(_commune_reach(coverage, reach, int(i)) for i in order[:top]),
        ))
    return AreaSummary(
        code=code, level=level, name_fr=name_fr, name_ar=name_ar, communes=len(rows),
        children=total, stages=tuple(stages),
        missing_stages=tuple(s.stage for s in stages if s.gap),
    )


def _commune_reach(coverage: Coverage, reach: StageReach, row: int) -> CommuneReach:
    commune = coverage.communes[row]
    km = float(reach.distance_km[row])
    sid = reach.nearest[row]
    service = coverage.snapshot.services.get(sid) if sid else None
    org = coverage.snapshot.organizations.get(service.organization_id) if service else None
    return CommuneReach(
        code=commune.code, name_fr=commune.name_fr, name_ar=commune.name_ar,
        province_code=commune.province_code or "", children=commune.children,
        distance_km=round(km, 1) if math.isfinite(km) else None,
        nearest_service_id=sid,
        nearest_service_name=service.name if service else None,
        nearest_organization_name=org.name if org else None,
    )


# --- looking areas up --------------------------------------------------------------------------


def resolve_area(snapshot: Snapshot, text: str, level: str = "province") -> Territory:
    """The province (or région) a person named by HCP code, French or Arabic name.

    Raises
    ------
    ValidationFailed
        Nothing matches (close names are suggested) or the name is ambiguous.
    """
    field_name = "province" if level == "province" else "region"
    units = sorted((t for t in snapshot.territories.values() if t.level == level),
                   key=lambda t: t.code)
    query = text.strip()
    for unit in units:
        if unit.code == query:
            return unit
    key = search_key(query)
    found = [u for u in units if key in (search_key(u.name_fr), search_key(u.name_ar))]
    if len(found) == 1:
        return found[0]
    if found:
        raise ValidationFailed([not_found(field_name, text, [(_named(u), u) for u in found],
                                          ambiguous=True)])
    by_key = {search_key(u.name_fr): u for u in units}
    raise ValidationFailed([not_found(field_name, text, [
        (_named(by_key[k]), by_key[k]) for k in closest(query, {k: k for k in by_key})])])


def _named(territory: Territory) -> Bilingual:
    """« Kénitra (02.281) », with the Arabic name on Arabic pages."""
    return Bilingual(f"{territory.name_fr} ({territory.code})",
                     f"{territory.name_ar or territory.name_fr} ({territory.code})")


def not_found(field: str, text: str, close: Sequence[tuple[Bilingual, Territory]], *,
              ambiguous: bool = False) -> FieldError:
    """The one answer to a place name (``field``: commune, province or region) that names no
    territory, or several (``ambiguous``): the close ones named (``Bilingual`` labels, with
    their province where it helps) and offered as values the field accepts,
    ``Name (HCP code)``, for a page to show as buttons that fill it in."""
    names = tuple(label for label, _ in close)
    message = (Message(f"ambiguous_{field}", value=text, names=names) if ambiguous
               else Message(f"unknown_{field}_close", value=text, names=names) if names
               else Message(f"unknown_{field}", value=text))
    return FieldError(field, message,
                      suggestions=tuple(f"{t.name_fr} ({t.code})" for _, t in close))
