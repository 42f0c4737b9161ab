"""An in-memory, read-only view of the whole annuaire, kept up with the store's change feed.

Orientation, coverage and search all need every service with its place and its
referral links at hand, thousands of times a second. Reading them from the
store per request would make each answer a chain of queries; instead a snapshot
is built once at start and shared by every reader, immutable. Writes go to the
store, never here: :class:`SnapshotCache` follows the store's change feed and
makes the next snapshot from the current one by :func:`advance` (copy-on-write of
what the changes touch), beside it, then swaps it in.

What readers derive from a snapshot (orientation's tables, the search index) follows
the same way: each such index is a :class:`Derived` that can be built from a snapshot
or carried to the next one, given the :class:`Delta` that :func:`advance` reports,
re-indexing only what the delta names and sharing the rest.
"""

from __future__ import annotations

import bisect
import dataclasses
import itertools
import logging
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from immutables import Map, MapMutation

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
from .domain.errors import StoreUnavailable
from .store.protocol import EntryChange, GraphStore

__all__ = ["Delta", "Derived", "Place", "Snapshot", "SnapshotCache", "Successors",
           "advance", "build_snapshot", "carry", "derive", "site_place", "snapshot_of"]

_FOLLOW_MAX = 5000
"""More changes than this at once (an import) are read anew rather than applied one by one."""

_log = logging.getLogger(__name__)

Successors = Map[str, dict[str, dict[str, ReferralLink]]]
"""Service id → successor id → ``{"link": ReferralLink}`` (networkx's adjacency shape)."""


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


@dataclass(frozen=True, slots=True)
class Delta:
    """What :func:`advance` touched going from the snapshot at ``since_seq`` to the next:
    what an index derived from the former must re-index to be the latter's."""

    since_seq: int
    """The feed position of the snapshot advanced from."""
    changed: Mapping[str, frozenset[str]]
    """Entry kind → ids of the entries written (created, updated or deleted)."""
    services: frozenset[str]
    """Services whose entry, places, area, competence flags or successors may differ
    (the changed ones among them); those gone are no longer in the snapshot."""
    provinces: frozenset[str]
    """Provinces where one of ``services`` was or is delivered."""
    stages: frozenset[str]
    """Stages one of ``services`` served or serves."""


Group = Map[str, frozenset[str]]
"""A reverse reference: target id → ids of the entries naming it."""


@dataclass(slots=True)
class Snapshot:
    """The annuaire as of one feed position, indexed.

    The maps that grow with the annuaire are persistent (:class:`immutables.Map`, a hash
    array mapped trie): the next snapshot shares them and changes a few keys in
    microseconds, where copying a dict of 43,000 services per edit would cost
    milliseconds and touch every entry.
    """

    revision: int
    territories: dict[str, Territory]
    organizations: Map[str, Organization]
    sites: Map[str, Site]
    services: Map[str, Service]
    contacts: Map[str, Contact]
    links: Map[str, ReferralLink]
    memberships: Map[str, Membership]
    seq: int = 0
    """The audit number of the last write this snapshot holds: it follows the feed from there."""
    places: Map[str, tuple[Place, ...]] = field(default_factory=Map)
    """Service id → where it is delivered (services with no known place are absent)."""
    by_stage: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Stage code → ids of the services that serve it, sorted."""
    by_province: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Province code → ids of the services delivered there, sorted."""
    circuit: Successors = field(default_factory=Map)
    """The circuit: every service, with its successors through referral links."""
    areas: Map[str, ServiceArea] = field(default_factory=Map)
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
    sites_of_org: Group = field(default_factory=Map)
    services_of_org: Group = field(default_factory=Map)
    services_at_site: Group = field(default_factory=Map)
    links_from: Group = field(default_factory=Map)
    """Reverse references (organisation → sites, services; site → services; service →
    links from it): what :func:`advance` finds the services a change touches by."""
    courts_under: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Court id → the courts directly under it, whose services make its ressort."""
    delta: Delta | None = field(default=None, repr=False, compare=False)
    """What :func:`advance` touched to make this snapshot (``None``: built whole)."""
    derived: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    """Indexes a reader derives from this snapshot (:func:`derive`), keyed by name: they
    live and die with the snapshot they index."""
    retired: bool = field(default=False, repr=False, compare=False)
    """Replaced long enough ago that its ``derived`` indexes were let go
    (:class:`SnapshotCache`): a late reader's index of it is built but not kept."""

    def communes(self) -> list[Territory]:
        return [t for t in self.territories.values() if t.level == "commune"]

    def held(self, kind: EntityKind) -> Map[str, Any]:
        """The entries of ``kind``, by id."""
        held: Map[str, Any] = getattr(self, _MAPS[kind])
        return held


_MAPS: dict[str, str] = {"organization": "organizations", "site": "sites", "service": "services",
                         "contact": "contacts", "referral_link": "links",
                         "membership": "memberships"}
"""Entry kind → the snapshot's map of it."""


def build_snapshot(store: GraphStore) -> Snapshot:
    """Read everything once and index it. Cost grows with the annuaire.

    The feed position is read first and the changes committed while reading are applied
    after: an entry read in a newer state than the position is set again by its own
    changes, in order, so the snapshot is the store as of its last change.
    """
    seq = store.change_seq()
    revision = store.revision()
    # each kind whole, in one read: a store streams it, where pages would each sort the kind
    entities = itertools.chain.from_iterable(store.entries(kind) for kind in ENTITY_KINDS)
    snap = snapshot_of(store.territories(), entities, revision)
    snap.seq = seq
    caught_up = advance(snap, store.changes_since(seq))
    caught_up.revision = max(revision, caught_up.revision)
    return caught_up


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
        organizations=Map(by_kind["organization"]),
        sites=Map(by_kind["site"]),
        services=Map(by_kind["service"]),
        contacts=Map(by_kind["contact"]),
        links=Map(by_kind["referral_link"]),
        memberships=Map(by_kind["membership"]),
    )
    _index(snap)
    return snap


# --- what each index holds, stated once for the full build and for advance -------------------
def _sites_of_org(site: Site) -> Iterable[str]:
    return (site.organization_id,)


def _services_of_org(service: Service) -> Iterable[str]:
    return (service.organization_id,)


def _services_at_site(service: Service) -> Iterable[str]:
    return service.site_ids


def _links_from(link: ReferralLink) -> Iterable[str]:
    return (link.from_service_id,)


_GROUPS: tuple[tuple[str, EntityKind, Any], ...] = (
    ("sites_of_org", "site", _sites_of_org),
    ("services_of_org", "service", _services_of_org),
    ("services_at_site", "service", _services_at_site),
    ("links_from", "referral_link", _links_from),
)
"""(reverse index, the kind it indexes, the keys an entry of it is filed under)."""


def _places_of(snap: Snapshot, sid: str) -> tuple[Place, ...]:
    """Where service ``sid`` is delivered: its sites, else its organisation's sites, else
    its organisation's province seat."""
    service = snap.services[sid]
    sites = [snap.sites[i] for i in service.site_ids if i in snap.sites]
    if not sites:
        sites = sorted((snap.sites[i] for i in snap.sites_of_org.get(service.organization_id, ())),
                       key=lambda s: s.id)
    places = tuple(p for p in (site_place(snap, sid, s) for s in sites) if p is not None)
    if not places:
        org_place = _org_place(snap, service)
        places = (org_place,) if org_place else ()
    return places


def _successors(snap: Snapshot, sid: str) -> dict[str, dict[str, ReferralLink]]:
    """The links from ``sid`` by target; of two links to one target, the last by id."""
    return {snap.links[lid].to_service_id: {"link": snap.links[lid]}
            for lid in sorted(snap.links_from.get(sid, ()))}


def _courts_under(snap: Snapshot) -> dict[str, tuple[str, ...]]:
    under: dict[str, list[str]] = defaultdict(list)
    for org in sorted(snap.organizations.values(), key=lambda o: o.id):
        parent = snap.organizations.get(org.parent_id or "")
        if parent is not None and is_court(org) and is_court(parent):
            under[parent.id].append(org.id)
    return {k: tuple(v) for k, v in under.items()}


def _index(snap: Snapshot) -> None:
    for name, kind, keys in _GROUPS:
        grouped: dict[str, set[str]] = defaultdict(set)
        for eid, entity in snap.held(kind).items():
            for key in keys(entity):
                grouped[key].add(eid)
        setattr(snap, name, Map({k: frozenset(v) for k, v in grouped.items()}))
    ordered = sorted(snap.services)
    snap.places = Map({sid: places for sid in ordered if (places := _places_of(snap, sid))})
    by_stage: dict[str, list[str]] = defaultdict(list)
    by_province: dict[str, set[str]] = defaultdict(set)
    for sid in ordered:
        for p in snap.places.get(sid, ()):
            by_province[p.province_code].add(sid)
        for stage in snap.services[sid].stages:
            by_stage[stage].append(sid)
    snap.by_stage = {k: tuple(v) for k, v in by_stage.items()}
    snap.by_province = {k: tuple(sorted(v)) for k, v in by_province.items()}
    snap.circuit = Map({sid: _successors(snap, sid) for sid in ordered})
    snap.courts_under = _courts_under(snap)
    areas: MapMutation[str, ServiceArea] = Map().mutate()
    _competence(snap, areas, ordered)


def _competence(snap: Snapshot, areas: MapMutation[str, ServiceArea], sids: Iterable[str],
                gone: frozenset[str] = frozenset(), stages: Iterable[str] | None = None) -> None:
    """The areas of ``sids`` into ``areas`` (the others there are current; they become
    ``snap.areas``), and which services are authorities, receive children, or are
    provisional, among them (``gone``: removed); the services referable at ``stages``
    (default all; the others are current)."""

    def org_codes(org_id: str, seen: frozenset[str]) -> frozenset[str]:
        codes: set[str] = set()
        for sid in sorted(snap.services_of_org.get(org_id, ())):
            codes |= area(sid, seen).codes
        return frozenset(codes)

    def area(sid: str, seen: frozenset[str]) -> ServiceArea:
        if sid not in areas:
            service = snap.services[sid]
            org_id = service.organization_id
            ressort: set[str] = set()
            for court in snap.courts_under.get(org_id, ()):
                if court not in seen:  # a cycle of parents adds nothing
                    ressort |= org_codes(court, seen | {court})
            areas[sid] = derive_area(service, snap.organizations.get(org_id),
                                     {p.province_code for p in snap.places.get(sid, ())},
                                     ressort)
        return areas[sid]

    chosen = sorted(sids)
    for sid in chosen:
        area(sid, frozenset({snap.services[sid].organization_id}))
    snap.areas = areas.finish()

    def which(old: frozenset[str], rule: Any) -> frozenset[str]:
        verdicts = {sid: bool(rule(sid)) for sid in chosen}
        removed = {sid for sid, yes in verdicts.items() if not yes and sid in old} | (old & gone)
        added = {sid for sid, yes in verdicts.items() if yes and sid not in old}
        return (old - removed) | added if removed or added else old

    snap.authorities = which(snap.authorities, lambda sid: is_authority(
        snap.services[sid], snap.organizations.get(snap.services[sid].organization_id)))
    snap.for_children = which(snap.for_children,
                              lambda sid: receives_children(snap.services[sid]))
    snap.provisional = which(snap.provisional, lambda sid: _provisional(snap, sid))

    def referable_at(stage: str, sid: str) -> bool:
        return (sid in snap.for_children and stage in snap.services[sid].stages
                and (stage not in JURISDICTION_STAGES or sid in snap.authorities))

    if stages is None:
        snap.referable = {stage: kept for stage, ids in snap.by_stage.items()
                          if (kept := tuple(sid for sid in ids if referable_at(stage, sid)))}
        return
    referable = dict(snap.referable)
    for stage in stages:  # only the services chosen (or gone) may have come or gone
        _set_group(referable, stage, set(chosen) | gone,
                   {sid for sid in chosen if referable_at(stage, sid)})
    snap.referable = referable


def _provisional(snap: Snapshot, sid: str) -> bool:
    service = snap.services[sid]
    owner = snap.organizations.get(service.organization_id)
    return not service.is_verified and owner is not None and owner.is_reference


# --- following the change feed -----------------------------------------------------------------
def advance(snap: Snapshot, changes: Sequence[EntryChange]) -> Snapshot:
    """The snapshot after ``changes`` (in feed order), sharing what they do not touch.

    Only the maps of changed kinds are copied; places, stages, provinces, the circuit
    and competence are recomputed for the services the changes touch: changed services,
    the services at changed sites and of changed organisations, the sources of changed
    links, and, for competence, the services of the courts above any of them (a cour
    d'appel's ressort is its courts' areas). What was touched is reported as the new
    snapshot's :attr:`~Snapshot.delta`; its ``derived`` starts empty, for
    :meth:`SnapshotCache` (or :func:`carry`) to carry the old snapshot's indexes over.
    """
    if not changes:
        return snap
    new = dataclasses.replace(snap, derived={}, delta=None, retired=False, seq=changes[-1].seq,
                              revision=max(snap.revision, *(c.revision or 0 for c in changes)))
    before: dict[str, AnyEntity | None] = {}
    edits: dict[str, MapMutation[str, Any]] = {
        name: getattr(snap, name).mutate() for name in {_MAPS[c.kind] for c in changes}}
    for c in changes:
        entries = edits[_MAPS[c.kind]]
        before.setdefault(c.id, entries.get(c.id))
        if c.entry is None:
            entries.pop(c.id, None)
        else:
            entries[c.id] = c.entry
    for name, edited in edits.items():
        setattr(new, name, edited.finish())
    kind_of = {c.id: c.kind for c in changes}
    after = {eid: new.held(kind).get(eid) for eid, kind in kind_of.items()}
    for name, kind, keys in _GROUPS:
        _regroup(new, name, keys, [(before[i], after[i]) for i, k in kind_of.items()
                                   if k == kind])

    changed_services = {i for i, k in kind_of.items() if k == "service"}
    touched = set(changed_services)
    orgs: set[str] = set()
    for eid, kind in kind_of.items():
        versions = [e for e in (before[eid], after[eid]) if e is not None]
        if kind == "site":
            touched |= new.services_at_site.get(eid, frozenset())
            for e in versions:
                touched |= new.services_of_org.get(e.organization_id, frozenset())  # type: ignore[union-attr]
        elif kind == "organization":
            touched |= new.services_of_org.get(eid, frozenset())
            orgs.add(eid)
        elif kind == "service":
            orgs |= {e.organization_id for e in versions}  # type: ignore[union-attr]
    gone = {sid for sid in touched if sid not in new.services}
    live = touched - gone
    _replace_places(snap, new, live, gone)
    _restage(snap, new, changed_services)
    sources = _relink(new, kind_of, before, after, changed_services)

    if any(is_court(e) for eid in kind_of if kind_of[eid] == "organization"
           for e in (before[eid], after[eid]) if isinstance(e, Organization)):
        new.courts_under = _courts_under(new)
    moved = set() if new.courts_under is snap.courts_under else {
        k for k in set(snap.courts_under) | set(new.courts_under)
        if snap.courts_under.get(k) != new.courts_under.get(k)}
    orgs |= moved | {new.services[sid].organization_id for sid in live}
    orgs = _with_courts_above(new, orgs)
    recompute = live | {sid for org in orgs for sid in new.services_of_org.get(org, ())}
    areas = snap.areas.mutate()
    for sid in recompute | gone:
        areas.pop(sid, None)
    _competence(new, areas, recompute, frozenset(gone), stages={
        stage for s in (snap, new) for sid in recompute | gone if sid in s.services
        for stage in s.services[sid].stages})
    new.delta = _delta(snap, new, kind_of, touched | recompute | sources)
    return new


def _delta(snap: Snapshot, new: Snapshot, kind_of: dict[str, EntityKind],
           services: set[str]) -> Delta:
    changed: dict[str, set[str]] = defaultdict(set)
    for eid, kind in kind_of.items():
        changed[kind].add(eid)
    versions = [(s.places.get(sid, ()), s.services.get(sid)) for sid in services
                for s in (snap, new)]
    return Delta(
        since_seq=snap.seq,
        changed={kind: frozenset(ids) for kind, ids in changed.items()},
        services=frozenset(services),
        provinces=frozenset(p.province_code for places, _ in versions for p in places),
        stages=frozenset(stage for _, service in versions if service is not None
                         for stage in service.stages),
    )


def _regroup(new: Snapshot, name: str, keys: Any,
             versions: list[tuple[AnyEntity | None, AnyEntity | None]]) -> None:
    """Update reverse index ``name`` for entries changed from the first to the second of
    each pair (``None``: absent)."""
    group = getattr(new, name).mutate()
    for old, now in versions:
        old_keys = set(keys(old)) if old is not None else set()
        new_keys = set(keys(now)) if now is not None else set()
        if old_keys == new_keys:
            continue
        eid = (now or old).id  # type: ignore[union-attr]
        for k in old_keys - new_keys:
            left = group.get(k, frozenset()) - {eid}
            if left:
                group[k] = left
            else:
                group.pop(k, None)
        for k in new_keys - old_keys:
            group[k] = group.get(k, frozenset()) | {eid}
    setattr(new, name, group.finish())


def _replace_places(snap: Snapshot, new: Snapshot, live: set[str], gone: set[str]) -> None:
    edited = snap.places.mutate()
    for sid in gone:
        edited.pop(sid, None)
    for sid in live:
        places = _places_of(new, sid)
        if places:
            edited[sid] = places
        else:
            edited.pop(sid, None)
    new.places = edited.finish()
    provinces = {p.province_code for sid in live | gone
                 for p in (*snap.places.get(sid, ()), *new.places.get(sid, ()))}
    new.by_province = dict(snap.by_province)
    for code in provinces:
        _set_group(new.by_province, code, live | gone, {
            sid for sid in live if any(p.province_code == code for p in new.places.get(sid, ()))})


def _restage(snap: Snapshot, new: Snapshot, changed: set[str]) -> None:
    stages = {stage for sid in changed for version in (snap.services.get(sid),
                                                       new.services.get(sid))
              if version is not None for stage in version.stages}
    if not stages:
        return
    new.by_stage = dict(snap.by_stage)
    for stage in stages:
        _set_group(new.by_stage, stage, changed, {
            sid for sid in changed if sid in new.services and stage in new.services[sid].stages})


def _set_group(groups: dict[str, tuple[str, ...]], key: str, remove: set[str],
               add: set[str]) -> None:
    """Take ``remove`` out of the sorted ids under ``key`` and put ``add`` in, in place
    (bisection: a stage holds thousands of services)."""
    ids = list(groups.get(key, ()))
    for sid in remove - add:
        i = bisect.bisect_left(ids, sid)
        if i < len(ids) and ids[i] == sid:
            del ids[i]
    for sid in add:
        i = bisect.bisect_left(ids, sid)
        if i == len(ids) or ids[i] != sid:
            ids.insert(i, sid)
    if ids:
        groups[key] = tuple(ids)
    else:
        groups.pop(key, None)


def _relink(new: Snapshot, kind_of: dict[str, EntityKind], before: dict[str, AnyEntity | None],
            after: dict[str, AnyEntity | None], changed_services: set[str]) -> set[str]:
    """Recompute the successors of the services whose links may have changed: those."""
    sources = set(changed_services)
    for eid, kind in kind_of.items():
        if kind == "referral_link":
            sources |= {e.from_service_id for e in (before[eid], after[eid])
                        if isinstance(e, ReferralLink)}
    if not sources:
        return sources
    circuit = new.circuit.mutate()
    for sid in sources:
        if sid in new.services:
            circuit[sid] = _successors(new, sid)
        else:
            circuit.pop(sid, None)
    new.circuit = circuit.finish()
    return sources


def _with_courts_above(snap: Snapshot, orgs: set[str]) -> set[str]:
    """``orgs`` and every court whose ressort includes one of them, up the parents."""
    out = set(orgs)
    todo = list(orgs)
    while todo:
        org = snap.organizations.get(todo.pop())
        parent = org.parent_id if org is not None else None
        if (org is not None and parent and parent not in out
                and org.id in snap.courts_under.get(parent, ())):
            out.add(parent)
            todo.append(parent)
    return out


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


def _followable(snap: Snapshot, revision: int, changes: Sequence[EntryChange]) -> bool:
    """Whether ``changes`` carry every revision from ``snap``'s up to ``revision``: a
    revision none carries (territories written, a feed from before revisions) is a hole."""
    made = sorted({c.revision if c.revision is not None else -1 for c in changes})
    return (len(changes) <= _FOLLOW_MAX and (not made or made[0] > snap.revision)
            and made == list(range(snap.revision + 1, snap.revision + 1 + len(made)))
            and (made[-1] if made else snap.revision) >= revision)


T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Derived(Generic[T]):
    """An index a reader derives from a snapshot, and carries to the next one.

    ``key`` is its name in :attr:`Snapshot.derived` (the module's name);
    ``advance(old, snap, delta)`` must equal ``build(snap)`` in every answer it gives,
    ``old`` being the index of the snapshot ``delta`` starts from; it re-indexes what
    ``delta`` names and shares the rest, and may build anew when that is cheaper.
    """

    key: str
    build: Callable[[Snapshot], T]
    advance: Callable[[T, Snapshot, Delta], T]


_derive_lock = threading.Lock()


def derive(snap: Snapshot, index: Derived[T]) -> T:
    """The ``index`` of ``snap``: carried or built already, else built now and kept (one
    thread builds it, the others wait for it rather than building it again)."""
    found = snap.derived.get(index.key)
    if found is None:
        with _derive_lock:
            found = snap.derived.get(index.key)
            if found is None:
                found = index.build(snap)
                if not snap.retired:
                    snap.derived[index.key] = found
    return found


def carry(old: Snapshot, new: Snapshot, indexes: Iterable[Derived[Any]]) -> None:
    """Give ``new`` (advanced from ``old``) the ``indexes`` of ``old``, carried over its
    delta; an index ``old`` does not have is built."""
    for index in indexes:
        if index.key in new.derived:
            continue
        before = old.derived.get(index.key)
        if (before is not None and new is not old and new.delta is not None
                and new.delta.since_seq == old.seq):
            new.derived[index.key] = index.advance(before, new, new.delta)
        else:
            new.derived[index.key] = index.build(new)


_KEPT = 2
"""Replaced snapshots whose indexes are kept for readers still holding them; older ones
let their indexes go, which breaks the cycle between a snapshot and its indexes (each
points at the other), so they are freed as soon as no reader holds them."""


class SnapshotCache:
    """The newest complete snapshot, kept up with the store by a background refresher.

    Readers never wait for a rebuild: :meth:`get` answers with the current snapshot
    and, at most every ``refresh_s`` seconds (at once after a write through this
    store), has one background thread make the next one (:func:`advance` over the
    change feed, with the ``derived`` indexes carried over, or a full build when the
    feed has a hole) and swap it in. Only the first reader ever waits (the build at
    start, begun by :meth:`start`), and a writer that asks for its own write:
    :meth:`catch_up` returns once the snapshot holds it (read-your-writes).
    """

    def __init__(self, store: GraphStore, *, refresh_s: float = 1.0,
                 derived: Sequence[Derived[Any]] = (),
                 swapped: Callable[[Snapshot], None] | None = None) -> None:
        self.store = store
        self.refresh_s = refresh_s
        self.indexes = tuple(derived)
        """Indexes every reader needs, made for a new snapshot before it is swapped in,
        so that no reader builds them."""
        self.swapped = swapped
        """Called with each new snapshot once swapped in, by the thread that made it (a
        served process moves it out of the garbage collector's reach there, off every
        reader's path)."""
        self._snapshot: Snapshot | None = None
        self._replaced: deque[Snapshot] = deque()
        self._lock = threading.Lock()
        """Held by whoever makes the next snapshot: one at a time."""
        self._polled = float("-inf")
        self._worker: threading.Thread | None = None
        self._starting = threading.Lock()
        self._stopped = False

    def start(self) -> None:
        """Begin the first build in the background (a served app, at start)."""
        self._in_background()

    def get(self) -> Snapshot:
        snap = self._snapshot
        if snap is None:
            return self._refresh()
        if self.store.written_revision > snap.revision:
            self._in_background()
            return snap
        now = time.monotonic()
        if now - self._polled >= self.refresh_s:
            self._polled = now
            if self.store.revision() != snap.revision:
                self._in_background()
        return snap

    def catch_up(self) -> Snapshot:
        """The snapshot holding every write made through this store so far: a writer's
        next read sees its write. It waits for the refresh under way, if any."""
        snap = self._snapshot
        if snap is not None and self.holds_writes():
            return snap
        return self._refresh()

    def current(self) -> Snapshot | None:
        """The snapshot there is now, without reading the store (``None`` before the first)."""
        return self._snapshot

    def holds_writes(self) -> bool:
        """Whether the current snapshot holds every write made through this store (then
        :meth:`catch_up` would answer at once): asked without reading the store."""
        snap = self._snapshot
        return snap is not None and self.store.written_revision <= snap.revision

    def stop(self) -> None:
        """Make no more snapshots in the background, and wait for the one being made: the
        store may then be closed (closing it under a reading thread can crash SQLite)."""
        with self._starting:
            self._stopped = True
            worker = self._worker
        if worker is not None:
            worker.join()

    def _in_background(self) -> None:
        with self._starting:
            if self._stopped or (self._worker is not None and self._worker.is_alive()):
                return
            self._worker = threading.Thread(target=self._refresh_quietly,
                                            name="snapshot-refresh", daemon=True)
            self._worker.start()

    def _refresh_quietly(self) -> None:
        try:
            self._refresh()
        except StoreUnavailable as exc:  # readers keep the snapshot they have
            _log.warning("snapshot not refreshed: %s", exc)

    def _refresh(self) -> Snapshot:
        with self._lock:
            old = snap = self._snapshot
            if snap is None:
                snap = build_snapshot(self.store)
            else:
                revision = self.store.revision()  # before the feed: the feed reaches it
                if revision != snap.revision:
                    changes = self.store.changes_since(snap.seq, limit=_FOLLOW_MAX + 1)
                    snap = (advance(snap, changes) if _followable(snap, revision, changes)
                            else build_snapshot(self.store))
            if old is None or snap is not old:
                carry(old or snap, snap, self.indexes)
                self._snapshot = snap
                if old is not None:
                    self._retire(old)
                if self.swapped is not None:
                    self.swapped(snap)
            return snap

    def _retire(self, old: Snapshot) -> None:
        self._replaced.append(old)
        while len(self._replaced) > _KEPT:
            gone = self._replaced.popleft()
            gone.retired = True
            gone.derived = {}
