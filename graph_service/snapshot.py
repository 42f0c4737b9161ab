"""An in-memory, read-only view of the whole annuaire, rebuilt when the store changes.

Orientation, coverage and search all need every service with its place and its
referral links at hand, thousands of times a second. Reading them from the
store per request would make each answer a chain of queries; instead the
snapshot is built once per store revision (:class:`SnapshotCache`) and shared
by every reader, immutable. Writes go to the store, never here.
"""

from __future__ import annotations

import itertools
import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from .domain.competence import (
    JURISDICTION_STAGES,
    ServiceArea,
    derive_area,
    is_authority,
    is_court,
    receives_children,
)
from .domain.entities import (
    ENTITY_KINDS,
    AnyEntity,
    Contact,
    EntityKind,
    Membership,
    Organization,
    ReferralLink,
    Service,
    Site,
    Territory,
)
from .store.protocol import GraphStore

__all__ = ["Place", "Snapshot", "SnapshotCache", "build_snapshot", "site_place", "snapshot_of"]

_PAGE = 5000


@dataclass(frozen=True, slots=True)
class Place:
    """Where a service is delivered: a site, or its organisation's province when it has none.

    ``lat``/``lon`` is the *public* point, the one rule of where a place may be shown
    to anyone: a confidential site (a shelter) stands at its commune's point, so every
    figure, distance, map and search computed from it is the same wherever the shelter
    moves inside its commune. ``exact_lat``/``exact_lon`` is the site's own point, for
    signed-in professionals only.
    """

    service_id: str
    site_id: str | None
    commune_code: str
    province_code: str
    lat: float
    lon: float
    confidential: bool
    exact_lat: float
    exact_lon: float


@dataclass(slots=True)
class Snapshot:
    revision: int
    territories: dict[str, Territory]
    organizations: dict[str, Organization]
    sites: dict[str, Site]
    services: dict[str, Service]
    contacts: dict[str, Contact]
    links: dict[str, ReferralLink]
    memberships: dict[str, Membership]
    places: dict[str, tuple[Place, ...]] = field(default_factory=dict)
    """Service id → where it is delivered (services with no known place are absent)."""
    by_stage: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Stage code → ids of the services that serve it, sorted."""
    by_province: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Province code → ids of the services delivered there, sorted."""
    circuit: nx.DiGraph = field(default_factory=nx.DiGraph)
    """Services as nodes, referral links as edges (attribute ``link``)."""
    areas: dict[str, ServiceArea] = field(default_factory=dict)
    """Service id → the territories it serves (:func:`~.domain.competence.derive_area`)."""
    authorities: frozenset[str] = frozenset()
    """Ids of judicial and law-enforcement services: proposed only where competent."""
    for_children: frozenset[str] = frozenset()
    """Ids of the services a child can be referred to."""
    provisional: frozenset[str] = frozenset()
    """Ids of the unverified services of reference entries (known by kind and seat only)."""
    referable: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Stage code → ids of the services a child can be referred to at that stage, sorted:
    those receiving children and, at a jurisdiction stage, authorities only. Orientation
    proposes only these and coverage counts only these: both read this one rule."""
    derived: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    """Indexes a reader derives from this snapshot once (orientation's spatial index…),
    keyed by the reader's module name: they live and die with the revision they index."""

    def communes(self) -> list[Territory]:
        return [t for t in self.territories.values() if t.level == "commune"]


def build_snapshot(store: GraphStore) -> Snapshot:
    """Read everything once and index it. Cost grows with the annuaire, once per revision."""
    revision = store.revision()
    entities = itertools.chain.from_iterable(_all(store, kind) for kind in ENTITY_KINDS)
    return snapshot_of(store.territories(), entities, revision)


def snapshot_of(
    territories: Iterable[Territory], entities: Iterable[AnyEntity], revision: int = 0
) -> Snapshot:
    """A snapshot of entities held in memory (benchmarks, tools), indexed as the store's is."""
    by_kind: dict[str, dict[str, Any]] = defaultdict(dict)
    for entity in entities:
        by_kind[entity.kind][entity.id] = entity
    snap = Snapshot(
        revision=revision,
        territories={t.code: t for t in territories},
        organizations=by_kind["organization"],
        sites=by_kind["site"],
        services=by_kind["service"],
        contacts=by_kind["contact"],
        links=by_kind["referral_link"],
        memberships=by_kind["membership"],
    )
    _index(snap)
    return snap


def _all(store: GraphStore, kind: EntityKind) -> Iterator[AnyEntity]:
    after: str | None = None
    while True:
        page = store.entries(kind, after=after, limit=_PAGE)
        yield from page
        if len(page) < _PAGE:
            return
        after = page[-1].id


def _index(snap: Snapshot) -> None:
    sites_by_org: dict[str, list[Site]] = defaultdict(list)
    for site in snap.sites.values():
        sites_by_org[site.organization_id].append(site)
    by_stage: dict[str, list[str]] = defaultdict(list)
    by_province: dict[str, set[str]] = defaultdict(set)
    for sid in sorted(snap.services):
        service = snap.services[sid]
        sites = [snap.sites[i] for i in service.site_ids if i in snap.sites]
        if not sites:
            sites = sorted(sites_by_org.get(service.organization_id, []), key=lambda s: s.id)
        places = tuple(p for p in (site_place(snap, sid, s) for s in sites) if p is not None)
        if not places:
            org_place = _org_place(snap, service)
            places = (org_place,) if org_place else ()
        if places:
            snap.places[sid] = places
            for p in places:
                by_province[p.province_code].add(sid)
        for stage in service.stages:
            by_stage[stage].append(sid)
    snap.by_stage = {k: tuple(v) for k, v in by_stage.items()}
    snap.by_province = {k: tuple(sorted(v)) for k, v in by_province.items()}
    circuit = nx.DiGraph()
    circuit.add_nodes_from(sorted(snap.services))
    for lid in sorted(snap.links):
        link = snap.links[lid]
        circuit.add_edge(link.from_service_id, link.to_service_id, link=link)
    snap.circuit = circuit
    _competence(snap)


def _competence(snap: Snapshot) -> None:
    """Each service's area, and which services are authorities or receive children."""
    services_of: dict[str, list[str]] = defaultdict(list)
    for sid in sorted(snap.services):
        services_of[snap.services[sid].organization_id].append(sid)
    courts_under: dict[str, list[str]] = defaultdict(list)
    for org in sorted(snap.organizations.values(), key=lambda o: o.id):
        parent = snap.organizations.get(org.parent_id or "")
        if parent is not None and is_court(org) and is_court(parent):
            courts_under[parent.id].append(org.id)
    areas: dict[str, ServiceArea] = {}

    def org_codes(org_id: str, seen: frozenset[str]) -> frozenset[str]:
        codes: set[str] = set()
        for sid in services_of.get(org_id, ()):
            codes |= area(sid, seen).codes
        return frozenset(codes)

    def area(sid: str, seen: frozenset[str]) -> ServiceArea:
        if sid not in areas:
            service = snap.services[sid]
            org_id = service.organization_id
            ressort: set[str] = set()
            for court in courts_under.get(org_id, ()):
                if court not in seen:  # a cycle of parents adds nothing
                    ressort |= org_codes(court, seen | {court})
            areas[sid] = derive_area(service, snap.organizations.get(org_id),
                                     {p.province_code for p in snap.places.get(sid, ())},
                                     ressort)
        return areas[sid]

    for sid in sorted(snap.services):
        area(sid, frozenset({snap.services[sid].organization_id}))
    snap.areas = areas
    snap.authorities = frozenset(
        sid for sid, s in snap.services.items()
        if is_authority(s, snap.organizations.get(s.organization_id)))
    snap.for_children = frozenset(sid for sid, s in snap.services.items()
                                  if receives_children(s))
    snap.provisional = frozenset(
        sid for sid, s in snap.services.items()
        if not s.is_verified and (owner := snap.organizations.get(s.organization_id)) is not None
        and owner.is_reference)
    snap.referable = {
        stage: tuple(sid for sid in sids if sid in snap.for_children
                     and (stage not in JURISDICTION_STAGES or sid in snap.authorities))
        for stage, sids in snap.by_stage.items()}


def site_place(snap: Snapshot, service_id: str, site: Site) -> Place | None:
    """Where ``site`` delivers ``service_id``; ``None`` when its commune is unknown or has
    no point (a shelter is then left out rather than exposed)."""
    commune = snap.territories.get(site.commune_code)
    if commune is None or commune.province_code is None:
        return None
    lat = site.lat if site.lat is not None else commune.lat
    lon = site.lon if site.lon is not None else commune.lon
    if lat is None or lon is None:
        return None
    public = (commune.lat, commune.lon) if site.confidential else (lat, lon)
    if public[0] is None or public[1] is None:
        return None  # a shelter whose commune has no point is left out, never exposed
    return Place(service_id, site.id, commune.code, commune.province_code, public[0], public[1],
                 site.confidential, lat, lon)


def _org_place(snap: Snapshot, service: Service) -> Place | None:
    """A service with no site is placed at its organisation's province seat, if known."""
    org = snap.organizations.get(service.organization_id)
    province = snap.territories.get(org.province_code) if org and org.province_code else None
    if province is None or province.lat is None or province.lon is None:
        return None
    return Place(service.id, None, "", province.code, province.lat, province.lon, False,
                 province.lat, province.lon)


class SnapshotCache:
    """One snapshot per store revision, rebuilt by the first reader after a write."""

    def __init__(self, store: GraphStore) -> None:
        self.store = store
        self._snapshot: Snapshot | None = None
        self._lock = threading.Lock()

    def get(self) -> Snapshot:
        revision = self.store.revision()
        snap = self._snapshot
        if snap is not None and snap.revision == revision:
            return snap
        with self._lock:
            if self._snapshot is None or self._snapshot.revision != self.store.revision():
                self._snapshot = build_snapshot(self.store)
            return self._snapshot
