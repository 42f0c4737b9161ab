"""The read model of list queries: the snapshot plus set indexes, built once per revision.

At national scale (tens of thousands of services) a search must not scan every
entry: each criterion is a set looked up here (services by type, stage,
situation, language, sector…; entries by word; places by province, commune
or within a circle, through a k-d tree), and a query intersects the sets,
smallest first. The index is built by the first reader of a snapshot and kept
in its ``derived`` slot, so it lives and dies with the revision it indexes.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from scipy.spatial import cKDTree

from ..coverage import km_to_chord, unit_vectors
from ..domain.entities import EntityKind, Organization, Service
from ..domain.taxonomy import (
    ORGANIZATION_KINDS,
    SECTORS,
    SERVICE_TYPES,
    SITUATIONS,
    STAGES,
    Term,
)
from ..snapshot import Place, Snapshot, SnapshotCache, site_place
from ..store.protocol import GraphStore
from ..text import search_key

__all__ = ["Index", "IndexCache", "PlaceTable", "TextIndex", "build_index", "index_of"]

EMPTY: frozenset[str] = frozenset()


FUZZY_MIN_LENGTH = 4
"""Shorter query words are matched exactly: two letters off in three is another word."""
FUZZY_CUTOFF = 75.0
"""Least similarity (rapidfuzz ``ratio``, 0–100) of a mistyped word to an indexed one:
« amana » finds « amane » (80), « parket » finds « parquet » (77)."""


@dataclass(frozen=True, slots=True)
class TextIndex:
    """Entries by the words of their texts (French and Arabic, as :func:`search_key` folds them).

    A query word matches an entry when it is part of one of the entry's words
    (« sale » finds « Salé », « طفولة » finds « الطفولة »); a word of
    :data:`FUZZY_MIN_LENGTH` letters or more that is part of none matches the words
    closest to it (a typo: « amana » finds « AMANE »).
    """

    by_word: Mapping[str, frozenset[str]]
    words: tuple[str, ...] = ()

    @classmethod
    def of(cls, names: Iterable[tuple[str, Iterable[str]]]) -> TextIndex:
        by_word: dict[str, set[str]] = defaultdict(set)
        words: dict[str, list[str]] = {}  # names repeat (an organisation's, on each service)
        for entry_id, texts in names:
            for text in texts:
                if text not in words:
                    words[text] = search_key(text).split()
                for word in words[text]:
                    by_word[word].add(entry_id)
        return cls({w: frozenset(ids) for w, ids in by_word.items()}, tuple(sorted(by_word)))

    def matching(self, text: str) -> frozenset[str] | None:
        """Entries matching every word of ``text``; None when it has no word (no criterion)."""
        words = search_key(text).split()
        if not words:
            return None
        found: frozenset[str] | None = None
        for query in sorted(set(words), key=len, reverse=True):
            ids = frozenset().union(*(self.by_word[w] for w in self.words_like(query)))
            found = ids if found is None else found & ids
            if not found:
                return EMPTY
        return found


    def words_like(self, query: str) -> list[str]:
        """The indexed words containing ``query`` (a folded word), else those closest to it."""
        found = [w for w in self.words if query in w]
        if found or len(query) < FUZZY_MIN_LENGTH:
            return found
        close = process.extract(query, self.words, scorer=fuzz.ratio, processor=_unarticled,
                                limit=None, score_cutoff=FUZZY_CUTOFF)
        return [word for word, _, _ in close]


def _unarticled(word: str) -> str:
    """An Arabic word without its article: « الرازي » and « الترابي » are not alike."""
    return word[2:] if word.startswith("ال") and len(word) > 4 else word


@dataclass(frozen=True, slots=True)
class PlaceTable:
    """Where entries are, one row per place: look-ups by province, commune and circle.

    The public tree holds the places' public points (a confidential site at its
    commune's point, :class:`~graph_service.snapshot.Place`), so a radius search by the
    public cannot locate a shelter; the exact tree serves signed-in professionals.
    """

    owner: tuple[str, ...]
    province: tuple[str, ...]
    commune: tuple[str, ...]
    by_province: Mapping[str, frozenset[int]]
    by_commune: Mapping[str, frozenset[int]]
    exact: cKDTree | None
    public: cKDTree | None

    @classmethod
    def of(cls, snap: Snapshot, places: Sequence[tuple[str, Place]]) -> PlaceTable:
        owner = tuple(o for o, _ in places)
        by_province: dict[str, set[int]] = defaultdict(set)
        by_commune: dict[str, set[int]] = defaultdict(set)
        for row, (_, place) in enumerate(places):
            by_province[place.province_code].add(row)
            by_commune[place.commune_code].add(row)
        return cls(
            owner=owner,
            province=tuple(p.province_code for _, p in places),
            commune=tuple(p.commune_code for _, p in places),
            by_province={k: frozenset(v) for k, v in by_province.items()},
            by_commune={k: frozenset(v) for k, v in by_commune.items()},
            exact=_tree([(p.exact_lat, p.exact_lon) for _, p in places]),
            public=_tree([(p.lat, p.lon) for _, p in places]),
        )

    def owners(self, province: str | None, commune: str | None,
               near: tuple[float, float, float] | None, exact: bool) -> frozenset[str] | None:
        """Entries with one place meeting every given criterion; None when none is given."""
        rows: frozenset[int] | None = None
        if province is not None:
            rows = self.by_province.get(province, frozenset())
        if commune is not None:
            in_commune = self.by_commune.get(commune, frozenset())
            rows = in_commune if rows is None else rows & in_commune
        if near is not None:
            circle = self._near(*near, exact=exact)
            rows = circle if rows is None else rows & circle
        if rows is None:
            return None
        return frozenset(self.owner[r] for r in rows)

    def _near(self, lat: float, lon: float, radius_km: float, *, exact: bool) -> frozenset[int]:
        tree = self.exact if exact else self.public
        if tree is None:
            return frozenset()
        hits = tree.query_ball_point(unit_vectors([lat], [lon])[0], km_to_chord(radius_km))
        return frozenset(hits)


def _tree(points: Sequence[tuple[float, float]]) -> cKDTree | None:
    if not points:
        return None
    lat, lon = zip(*points, strict=True)
    return cKDTree(unit_vectors(lat, lon))


@dataclass(frozen=True, slots=True)
class Index:
    """The snapshot, relations by owner, and the set indexes of list queries."""

    snapshot: Snapshot
    service_order: tuple[str, ...]
    org_order: tuple[str, ...]
    sites_by_org: dict[str, tuple[str, ...]]
    services_by_org: dict[str, tuple[str, ...]]
    contacts_by_org: dict[str, tuple[str, ...]]
    contacts_by_service: dict[str, tuple[str, ...]]
    links_from: dict[str, tuple[str, ...]]
    links_to: dict[str, tuple[str, ...]]
    org_places: dict[str, tuple[Place, ...]]
    """Organisation id → places of its sites and services (where it works)."""
    services_by: dict[str, dict[str, frozenset[str]]]
    """Criterion (type, stage, situation, language, sector, org_kind) → code → service ids."""
    orgs_by: dict[str, dict[str, frozenset[str]]]
    """Criterion (sector, org_kind, seat) → code → organisation ids."""
    service_text: TextIndex
    org_text: TextIndex
    service_places: PlaceTable
    org_place_table: PlaceTable
    territory_keys: dict[str, str]

    def kind_of(self, entity_id: str) -> EntityKind | None:
        """Which kind of entry an id names (ids are unique across kinds)."""
        snap = self.snapshot
        tables: tuple[tuple[EntityKind, Mapping[str, object]], ...] = (
            ("organization", snap.organizations), ("site", snap.sites),
            ("service", snap.services), ("contact", snap.contacts),
            ("referral_link", snap.links), ("membership", snap.memberships))
        for kind, table in tables:
            if entity_id in table:
                return kind
        return None


def build_index(snap: Snapshot) -> Index:
    """Index a snapshot. Cost grows with the annuaire, once per revision."""
    org_places = _org_places(snap)
    service_texts = _service_texts(snap)
    return Index(
        snapshot=snap,
        service_order=tuple(sorted(snap.services)),
        org_order=tuple(sorted(snap.organizations)),
        sites_by_org=_group((s.organization_id, s.id) for s in snap.sites.values()),
        services_by_org=_group((s.organization_id, s.id) for s in snap.services.values()),
        contacts_by_org=_group((c.organization_id, c.id) for c in snap.contacts.values()),
        contacts_by_service=_group(
            (c.service_id, c.id) for c in snap.contacts.values() if c.service_id),
        links_from=_group((lk.from_service_id, lk.id) for lk in snap.links.values()),
        links_to=_group((lk.to_service_id, lk.id) for lk in snap.links.values()),
        org_places=org_places,
        services_by=_services_by(snap),
        orgs_by={
            "sector": _sets((o.sector, o.id) for o in snap.organizations.values()),
            "org_kind": _sets((o.org_kind, o.id) for o in snap.organizations.values()),
            "seat": _sets((o.province_code, o.id) for o in snap.organizations.values()
                          if o.province_code),
        },
        service_text=TextIndex.of((sid, texts) for sid, texts in service_texts.items()),
        org_text=TextIndex.of(_org_texts(snap, service_texts, org_places)),
        service_places=PlaceTable.of(
            snap, [(sid, p) for sid in sorted(snap.places) for p in snap.places[sid]]),
        org_place_table=PlaceTable.of(
            snap, [(oid, p) for oid in sorted(org_places) for p in org_places[oid]]),
        territory_keys={code: f"{search_key(t.name_fr)} {search_key(t.name_ar)}"
                        for code, t in snap.territories.items()},
    )


def _group(pairs: Iterable[tuple[str, str]]) -> dict[str, tuple[str, ...]]:
    groups: dict[str, list[str]] = defaultdict(list)
    for owner, child in pairs:
        groups[owner].append(child)
    return {k: tuple(sorted(v)) for k, v in groups.items()}


def _sets(pairs: Iterable[tuple[str, str]]) -> dict[str, frozenset[str]]:
    groups: dict[str, set[str]] = defaultdict(set)
    for code, entry_id in pairs:
        groups[code].add(entry_id)
    return {k: frozenset(v) for k, v in groups.items()}


def _services_by(snap: Snapshot) -> dict[str, dict[str, frozenset[str]]]:
    services = snap.services.values()
    orgs = snap.organizations

    def of_org(attribute: str) -> Iterable[tuple[str, str]]:
        for s in services:
            org = orgs.get(s.organization_id)
            if org is not None:
                yield getattr(org, attribute), s.id

    return {
        "type": _sets((s.type, s.id) for s in services),
        "stage": _sets((stage, s.id) for s in services for stage in s.stages),
        "situation": _sets((code, s.id) for s in services for code in s.situations),
        "language": _sets((code, s.id) for s in services for code in s.languages),
        "sector": _sets(of_org("sector")),
        "org_kind": _sets(of_org("org_kind")),
    }


def _labels(vocab: Mapping[str, Term], codes: Iterable[str]) -> Iterable[str]:
    for code in codes:
        term = vocab.get(code)
        if term is not None:
            yield from (term.fr, term.ar)


def _territory_names(snap: Snapshot, places: Iterable[Place]) -> Iterable[str]:
    for place in places:
        for code in (place.commune_code, place.province_code):
            territory = snap.territories.get(code)
            if territory is not None:
                yield from (territory.name_fr, territory.name_ar)


def _service_texts(snap: Snapshot) -> dict[str, tuple[str, ...]]:
    """What a service is found by: its names and description, its type, stages and situations
    (French and Arabic labels: « parquet », « violence », « عنف »), its organisation's names
    and the communes and provinces where it is delivered (French and Arabic)."""
    out: dict[str, tuple[str, ...]] = {}
    for s in snap.services.values():
        org: Organization | None = snap.organizations.get(s.organization_id)
        out[s.id] = tuple(dict.fromkeys(t for t in (
            s.name, s.name_ar, s.description, *((org.name, org.name_ar) if org else ()),
            *_labels(SERVICE_TYPES, (s.type,)), *_labels(STAGES, s.stages),
            *_labels(SITUATIONS, s.situations),
            *_territory_names(snap, snap.places.get(s.id, ()))) if t))
    return out


def _org_texts(snap: Snapshot, service_texts: Mapping[str, tuple[str, ...]],
               org_places: Mapping[str, tuple[Place, ...]],
               ) -> Iterable[tuple[str, tuple[str, ...]]]:
    """An organisation is found by its own names, description, kind and sector, where it
    works, and by what finds any of its services (« parquet » finds the tribunal)."""
    services: dict[str, list[str]] = defaultdict(list)
    for sid, texts in service_texts.items():
        services[snap.services[sid].organization_id].extend(texts)
    for o in snap.organizations.values():
        yield o.id, tuple(dict.fromkeys(t for t in (
            o.name, o.name_ar, o.description, *_labels(ORGANIZATION_KINDS, (o.org_kind,)),
            *_labels(SECTORS, (o.sector,)), *_territory_names(snap, org_places.get(o.id, ())),
            *services.get(o.id, ())) if t))


def _org_places(snap: Snapshot) -> dict[str, tuple[Place, ...]]:
    """Each organisation's sites, and the places of its services not at those sites."""
    out: dict[str, dict[tuple[str | None, str], Place]] = defaultdict(dict)
    for site in snap.sites.values():
        place = site_place(snap, "", site)
        if place is not None:
            out[site.organization_id][(site.id, place.province_code)] = place
    for sid, places in snap.places.items():
        service: Service = snap.services[sid]
        known = out[service.organization_id]
        for place in places:
            known.setdefault((place.site_id, place.province_code), place)
    return {oid: tuple(places.values()) for oid, places in out.items() if places}


_index_lock = threading.Lock()


def index_of(snap: Snapshot) -> Index:
    """The index of a snapshot, built by its first reader and kept with it (``derived``)."""
    index = snap.derived.get(__name__)
    if index is None:
        with _index_lock:
            index = snap.derived.get(__name__)
            if index is None:
                index = snap.derived[__name__] = build_index(snap)
    assert isinstance(index, Index)
    return index


class IndexCache:
    """The index of the store's current revision, for readers holding a store."""

    def __init__(self, store: GraphStore, snapshots: SnapshotCache | None = None) -> None:
        self.snapshots = snapshots or SnapshotCache(store)

    def get(self) -> Index:
        """Blocking (rebuilds after a write): call through ``run_blocking``."""
        return index_of(self.snapshots.get())
