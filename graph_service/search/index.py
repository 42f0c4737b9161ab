"""The read model of list queries: the snapshot plus set indexes, built once per revision.

At national scale (tens of thousands of services) a search must not scan every
entry: each criterion is a set looked up here (services by type, stage,
situation, language, sector…; entries by word; places by province, commune
or within a circle, through a k-d tree), and a query intersects the sets,
smallest first. The index is kept in its snapshot's ``derived`` slot, so it lives
and dies with the revision it indexes; the next snapshot's is carried from it
(:data:`SEARCH_INDEX`), re-indexing only the entries the edit touched.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache
from typing import Any

from immutables import Map
from rapidfuzz import fuzz, process
from scipy.spatial import cKDTree

from ..coverage import km_to_chord, unit_vectors
from ..domain.entities import (
    ENTITY_KINDS,
    Contact,
    EntityKind,
    Organization,
    ReferralLink,
    Service,
    Site,
)
from ..domain.taxonomy import (
    ORGANIZATION_KINDS,
    SECTORS,
    SERVICE_TYPES,
    SITUATIONS,
    STAGES,
    Term,
)
from ..snapshot import Delta, Derived, Place, Snapshot, SnapshotCache, derive, site_place
from ..store.protocol import GraphStore
from ..text import search_key
from .postings import Postings

__all__ = ["SEARCH_INDEX", "Index", "IndexCache", "PlaceTable", "TextIndex", "build_index",
           "index_of"]

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

    by_word: Postings
    words: tuple[str, ...] = ()

    @classmethod
    def of(cls, names: Iterable[tuple[str, Iterable[str]]]) -> TextIndex:
        by_word: dict[str, set[str]] = defaultdict(set)
        for entry_id, texts in names:
            for text in texts:
                for word in _words(text):
                    by_word[word].add(entry_id)
        return cls(Postings.of(by_word), tuple(sorted(by_word)))

    def advance(self, before: Mapping[str, Iterable[str]], after: Mapping[str, Iterable[str]]
                ) -> TextIndex:
        """The index with the texts of the entries in ``before`` (their texts until now)
        replaced by those in ``after`` (an entry absent there is gone)."""
        def words(texts: Iterable[str]) -> set[str]:
            return {w for text in texts for w in _words(text)}

        gone: dict[str, set[str]] = defaultdict(set)
        added: dict[str, set[str]] = defaultdict(set)
        for entry_id in before.keys() | after.keys():
            old, new = words(before.get(entry_id, ())), words(after.get(entry_id, ()))
            for word in old - new:
                gone[word].add(entry_id)
            for word in new - old:
                added[word].add(entry_id)
        if not gone and not added:
            return self
        by_word = self.by_word.changed(gone, added)
        came = [word for word in added if word not in self.by_word]
        went = [word for word in gone if word not in by_word]
        if not came and not went:
            return TextIndex(by_word, self.words)
        ordered = list(self.words)
        for word in went:
            del ordered[bisect.bisect_left(ordered, word)]
        for word in came:
            bisect.insort(ordered, word)
        return TextIndex(by_word, tuple(ordered))

    def matching(self, text: str) -> frozenset[str] | None:
        """Entries matching every word of ``text``; None when it has no word (no criterion)."""
        words = search_key(text).split()
        if not words:
            return None
        found: frozenset[str] | None = None
        for query in sorted(set(words), key=len, reverse=True):
            ids = self.by_word.union(self.words_like(query))
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


@dataclass(frozen=True)
class _Rows:
    """The places of one province: row ``i`` is ``places[i]`` of entry ``owner[i]``.

    Its k-d trees are made on the first circle asked of the province, not when an
    edit re-indexes it: few searches draw a circle, and an edit should cost what its
    rows cost, not two trees per province it touched.
    """

    owner: tuple[str, ...]
    places: tuple[Place, ...]
    by_commune: Mapping[str, frozenset[int]]

    @classmethod
    def of(cls, rows: Sequence[tuple[str, Place]]) -> _Rows:
        by_commune: dict[str, set[int]] = defaultdict(set)
        for row, (_, place) in enumerate(rows):
            by_commune[place.commune_code].add(row)
        return cls(
            owner=tuple(o for o, _ in rows),
            places=tuple(p for _, p in rows),
            by_commune={k: frozenset(v) for k, v in by_commune.items()},
        )

    @cached_property
    def exact(self) -> cKDTree:
        return _tree([(p.exact_lat, p.exact_lon) for p in self.places])

    @cached_property
    def public(self) -> cKDTree:
        return _tree([(p.lat, p.lon) for p in self.places])

    def owners(self, commune: str | None, near: tuple[float, float, float] | None,
               exact: bool) -> Iterable[str]:
        rows: Iterable[int] = range(len(self.owner))
        if commune is not None:
            rows = self.by_commune.get(commune, frozenset())
        if near is not None:
            tree = self.exact if exact else self.public
            lat, lon, radius_km = near
            circle = tree.query_ball_point(unit_vectors([lat], [lon])[0],
                                           km_to_chord(radius_km))
            rows = frozenset(circle) if commune is None else frozenset(circle) & set(rows)
        return (self.owner[r] for r in rows)


@dataclass(frozen=True, slots=True)
class PlaceTable:
    """Where entries are, one row per place, by province: look-ups by province, commune and
    circle. An edit re-indexes the provinces of the places it moved, no other.

    The public trees hold the places' public points (a confidential site at its
    commune's point, :class:`~graph_service.snapshot.Place`), so a radius search by the
    public cannot locate a shelter; the exact trees serve signed-in professionals.
    """

    provinces: Mapping[str, _Rows]

    @classmethod
    def of(cls, places: Iterable[tuple[str, Place]]) -> PlaceTable:
        by_province: dict[str, list[tuple[str, Place]]] = defaultdict(list)
        for owner, place in places:
            by_province[place.province_code].append((owner, place))
        return cls({k: _Rows.of(v) for k, v in by_province.items()})

    def advance(self, before: Mapping[str, Iterable[Place]],
                after: Mapping[str, Iterable[Place]]) -> PlaceTable:
        """The table with the places of the owners in ``before`` (their places until now)
        replaced by those in ``after``; itself when none moved."""
        owners = before.keys() | after.keys()
        if all(tuple(before.get(o, ())) == tuple(after.get(o, ())) for o in owners):
            return self
        provinces = {p.province_code for places in (*before.values(), *after.values())
                     for p in places}
        out = dict(self.provinces)
        for province in provinces:
            old = out.get(province)
            rows = [(o, p) for o, p in zip(old.owner, old.places, strict=True)
                    if o not in owners] if old is not None else []
            rows += [(o, p) for o in sorted(after) for p in after[o]
                     if p.province_code == province]
            if rows:
                out[province] = _Rows.of(rows)
            else:
                out.pop(province, None)
        return PlaceTable(out)

    def owners(self, province: str | None, commune: str | None,
               near: tuple[float, float, float] | None, exact: bool) -> frozenset[str] | None:
        """Entries with one place meeting every given criterion; None when none is given."""
        if province is None and commune is None and near is None:
            return None
        parts = (self.provinces.values() if province is None
                 else [self.provinces[province]] if province in self.provinces else [])
        return frozenset(o for part in parts for o in part.owners(commune, near, exact))


def _tree(points: Sequence[tuple[float, float]]) -> cKDTree:
    lat, lon = zip(*points, strict=True)
    return cKDTree(unit_vectors(lat, lon))


@dataclass(frozen=True, slots=True)
class Index:
    """The snapshot, relations by owner, and the set indexes of list queries."""

    snapshot: Snapshot
    service_order: tuple[str, ...]
    org_order: tuple[str, ...]
    sites_by_org: Map[str, tuple[str, ...]]
    services_by_org: Map[str, tuple[str, ...]]
    contacts_by_org: Map[str, tuple[str, ...]]
    contacts_by_service: Map[str, tuple[str, ...]]
    links_from: Map[str, tuple[str, ...]]
    links_to: Map[str, tuple[str, ...]]
    org_places: Map[str, tuple[Place, ...]]
    """Organisation id → places of its sites and services (where it works)."""
    services_by: dict[str, Postings]
    """Criterion (type, stage, situation, language, sector, org_kind) → code → service ids."""
    orgs_by: dict[str, Postings]
    """Criterion (sector, org_kind, seat) → code → organisation ids."""
    service_text: TextIndex
    org_text: TextIndex
    service_places: PlaceTable
    org_place_table: PlaceTable
    territory_keys: dict[str, str]

    def kind_of(self, entity_id: str) -> EntityKind | None:
        """Which kind of entry an id names (ids are unique across kinds)."""
        return next((kind for kind in ENTITY_KINDS if entity_id in self.snapshot.held(kind)),
                    None)


Keys = Callable[[Snapshot, str], Iterable[str]]
"""The keys an entry (by id) is filed under in a snapshot; none when it is not there."""


def _of(kind: Callable[[Snapshot], Mapping[str, object]], keys: Callable[[Any], Iterable[str]]
        ) -> Keys:
    def filed(snap: Snapshot, entry_id: str) -> Iterable[str]:
        entry = kind(snap).get(entry_id)
        return keys(entry) if entry is not None else ()
    return filed


def _org_of(attribute: str) -> Keys:
    """A service filed under an attribute of its organisation."""
    def filed(snap: Snapshot, sid: str) -> Iterable[str]:
        service = snap.services.get(sid)
        org = snap.organizations.get(service.organization_id) if service else None
        return (getattr(org, attribute),) if org is not None else ()
    return filed


def _sites(s: Snapshot) -> Mapping[str, Site]:
    return s.sites


def _services(s: Snapshot) -> Mapping[str, Service]:
    return s.services


def _contacts(s: Snapshot) -> Mapping[str, Contact]:
    return s.contacts


def _links(s: Snapshot) -> Mapping[str, ReferralLink]:
    return s.links


def _orgs(s: Snapshot) -> Mapping[str, Organization]:
    return s.organizations


_RELATIONS: tuple[tuple[str, str, Keys], ...] = (
    ("sites_by_org", "site", _of(_sites, lambda e: (e.organization_id,))),
    ("services_by_org", "service", _of(_services, lambda e: (e.organization_id,))),
    ("contacts_by_org", "contact", _of(_contacts, lambda e: (e.organization_id,))),
    ("contacts_by_service", "contact",
     _of(_contacts, lambda e: (e.service_id,) if e.service_id else ())),
    ("links_from", "referral_link", _of(_links, lambda e: (e.from_service_id,))),
    ("links_to", "referral_link", _of(_links, lambda e: (e.to_service_id,))),
)
"""(relation of :class:`Index`, the kind of entry it files, under which owners), sorted ids."""

_SERVICES_BY: dict[str, Keys] = {
    "type": _of(_services, lambda e: (e.type,)),
    "stage": _of(_services, lambda e: e.stages),
    "situation": _of(_services, lambda e: e.situations),
    "language": _of(_services, lambda e: e.languages),
    "sector": _org_of("sector"),
    "org_kind": _org_of("org_kind"),
}
_ORGS_BY: dict[str, Keys] = {
    "sector": _of(_orgs, lambda e: (e.sector,)),
    "org_kind": _of(_orgs, lambda e: (e.org_kind,)),
    "seat": _of(_orgs, lambda e: (e.province_code,) if e.province_code else ()),
}
_KINDS: dict[str, Callable[[Snapshot], Mapping[str, object]]] = {
    "site": _sites, "service": _services, "contact": _contacts, "referral_link": _links}


def build_index(snap: Snapshot) -> Index:
    """Index a snapshot. Cost grows with the annuaire, once at start."""
    org_places = Map(_org_places(snap))
    service_texts = {sid: _service_text(snap, sid) for sid in snap.services}
    return Index(
        snapshot=snap,
        service_order=tuple(sorted(snap.services)),
        org_order=tuple(sorted(snap.organizations)),
        **{name: Map(_filed(snap, _KINDS[kind](snap), keys, _sorted))
           for name, kind, keys in _RELATIONS},
        org_places=org_places,
        services_by={c: Postings.of(_filed(snap, snap.services, keys, frozenset), keep=True)
                     for c, keys in _SERVICES_BY.items()},
        orgs_by={c: Postings.of(_filed(snap, snap.organizations, keys, frozenset), keep=True)
                 for c, keys in _ORGS_BY.items()},
        service_text=TextIndex.of((sid, texts) for sid, texts in service_texts.items()),
        org_text=TextIndex.of((oid, _org_text(snap, oid, org_places, service_texts))
                              for oid in snap.organizations),
        service_places=_place_table(snap.places),
        org_place_table=_place_table(org_places),
        territory_keys={code: f"{search_key(t.name_fr)} {search_key(t.name_ar)}"
                        for code, t in snap.territories.items()},
    )


@lru_cache(maxsize=1 << 16)
def _words(text: str) -> tuple[str, ...]:
    """The words ``text`` is found by: texts repeat (an organisation's name on each of its
    services, labels, commune names), and folding them is most of what re-indexing costs."""
    return tuple(search_key(text).split())


def _sorted(ids: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(ids))


def _filed(snap: Snapshot, entries: Iterable[str], keys: Keys,
           make: Callable[[Iterable[str]], Any]) -> dict[str, Any]:
    groups: dict[str, list[str]] = defaultdict(list)
    for entry_id in entries:
        for key in keys(snap, entry_id):
            groups[key].append(entry_id)
    return {k: make(v) for k, v in groups.items()}


def _refiled(groups: Map[str, tuple[str, ...]], old: Snapshot, new: Snapshot,
             entries: Iterable[str], keys: Keys) -> Map[str, tuple[str, ...]]:
    """``groups`` (filed by ``keys`` in ``old``) with ``entries`` filed anew as in ``new``;
    ``groups`` itself when none moved."""
    gone, added = _moves(old, new, entries, keys)
    if not gone and not added:
        return groups
    out = groups.mutate()
    for key in gone.keys() | added.keys():
        ids = (set(out.get(key, ())) - gone.get(key, set())) | added.get(key, set())
        if ids:
            out[key] = _sorted(ids)
        else:
            out.pop(key, None)
    return out.finish()


def _moves(old: Snapshot, new: Snapshot, entries: Iterable[str], keys: Keys
           ) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """Key → the ``entries`` filed under it in ``old`` and no longer in ``new``; key → those
    filed under it in ``new`` and not in ``old``."""
    gone: dict[str, set[str]] = defaultdict(set)
    added: dict[str, set[str]] = defaultdict(set)
    for entry_id in entries:
        was, now = set(keys(old, entry_id)), set(keys(new, entry_id))
        for key in was - now:
            gone[key].add(entry_id)
        for key in now - was:
            added[key].add(entry_id)
    return gone, added


def _place_table(places: Mapping[str, tuple[Place, ...]]) -> PlaceTable:
    return PlaceTable.of((owner, p) for owner in sorted(places) for p in places[owner])


def advance_index(old: Index, snap: Snapshot, delta: Delta) -> Index:
    """:func:`build_index` of ``snap``, carried from ``old`` (the index of the snapshot
    ``delta`` starts from): the entries ``delta`` names are filed anew, the rest shared."""
    was = old.snapshot
    changed = delta.changed
    services = set(delta.services)
    orgs = set(changed.get("organization", ()))
    for s in (was, snap):
        services |= {sid for org in orgs for sid in s.services_of_org.get(org, ())}
        orgs |= {s.services[sid].organization_id for sid in services if sid in s.services}
        orgs |= {s.sites[i].organization_id for i in changed.get("site", ()) if i in s.sites}
    edited = old.org_places.mutate()
    fresh = _org_places(snap, orgs)
    for oid in orgs:
        if oid in fresh:
            edited[oid] = fresh[oid]
        else:
            edited.pop(oid, None)
    org_places = edited.finish()

    def texts(s: Snapshot, places: Mapping[str, tuple[Place, ...]]
              ) -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]:
        of_services = {sid: _service_text(s, sid) for sid in services if sid in s.services}
        return of_services, {oid: _org_text(s, oid, places) for oid in orgs
                             if oid in s.organizations}

    (old_services, old_orgs), (new_services, new_orgs) = (texts(was, old.org_places),
                                                          texts(snap, org_places))
    relations: dict[str, Any] = {
        name: _refiled(getattr(old, name), was, snap, changed.get(kind, ()), keys)
        for name, kind, keys in _RELATIONS}
    return replace(
        old,
        snapshot=snap,
        service_order=_reordered(old.service_order, was.services, snap.services, services),
        org_order=_reordered(old.org_order, was.organizations, snap.organizations, orgs),
        **relations,
        org_places=org_places,
        services_by={c: old.services_by[c].changed(*_moves(was, snap, services, keys))
                     for c, keys in _SERVICES_BY.items()},
        orgs_by={c: old.orgs_by[c].changed(*_moves(was, snap, orgs, keys))
                 for c, keys in _ORGS_BY.items()},
        service_text=old.service_text.advance(old_services, new_services),
        org_text=old.org_text.advance(old_orgs, new_orgs),
        service_places=old.service_places.advance(
            {sid: was.places.get(sid, ()) for sid in services},
            {sid: snap.places.get(sid, ()) for sid in services}),
        org_place_table=old.org_place_table.advance(
            {oid: old.org_places.get(oid, ()) for oid in orgs},
            {oid: org_places.get(oid, ()) for oid in orgs}),
    )


def _reordered(order: tuple[str, ...], was: Mapping[str, object], now: Mapping[str, object],
               ids: Iterable[str]) -> tuple[str, ...]:
    """``order`` (sorted ids of ``was``) as the sorted ids of ``now``, given that only
    ``ids`` may have come or gone."""
    came = [i for i in ids if i in now and i not in was]
    went = [i for i in ids if i in was and i not in now]
    if not came and not went:
        return order
    out = list(order)
    for i in went:  # by bisection: a few moves of the list, no walk over 43,000 ids
        del out[bisect.bisect_left(out, i)]
    for i in came:
        bisect.insort(out, i)
    return tuple(out)


SEARCH_INDEX = Derived(__name__, build_index, advance_index)


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


def _service_text(snap: Snapshot, sid: str) -> tuple[str, ...]:
    """What a service is found by: its names and description, its type, stages and situations
    (French and Arabic labels: « parquet », « violence », « عنف »), its organisation's names
    and the communes and provinces where it is delivered (French and Arabic)."""
    s = snap.services[sid]
    org: Organization | None = snap.organizations.get(s.organization_id)
    return tuple(dict.fromkeys(t for t in (
        s.name, s.name_ar, s.description, *((org.name, org.name_ar) if org else ()),
        *_labels(SERVICE_TYPES, (s.type,)), *_labels(STAGES, s.stages),
        *_labels(SITUATIONS, s.situations),
        *_territory_names(snap, snap.places.get(s.id, ()))) if t))


def _org_text(snap: Snapshot, oid: str, org_places: Mapping[str, tuple[Place, ...]],
              service_texts: Mapping[str, tuple[str, ...]] | None = None) -> tuple[str, ...]:
    """An organisation is found by its own names, description, kind and sector, where it
    works, and by what finds any of its services (« parquet » finds the tribunal);
    ``service_texts``: those already known."""
    o = snap.organizations[oid]
    services = sorted(snap.services_of_org.get(oid, ()))
    return tuple(dict.fromkeys(t for t in (
        o.name, o.name_ar, o.description, *_labels(ORGANIZATION_KINDS, (o.org_kind,)),
        *_labels(SECTORS, (o.sector,)), *_territory_names(snap, org_places.get(oid, ())),
        *(t for sid in services for t in (service_texts[sid] if service_texts is not None
                                          else _service_text(snap, sid)))) if t))


def _org_places(snap: Snapshot, orgs: Iterable[str] | None = None
                ) -> dict[str, tuple[Place, ...]]:
    """Each organisation's (of ``orgs``, default all) sites, and the places of its services
    not at those sites."""
    out: dict[str, tuple[Place, ...]] = {}
    for oid in snap.organizations if orgs is None else orgs:
        known: dict[tuple[str | None, str], Place] = {}
        for site_id in sorted(snap.sites_of_org.get(oid, ())):
            place = site_place(snap, "", snap.sites[site_id])
            if place is not None:
                known[(site_id, place.province_code)] = place
        for sid in sorted(snap.services_of_org.get(oid, ())):
            for place in snap.places.get(sid, ()):
                known.setdefault((place.site_id, place.province_code), place)
        if known:
            out[oid] = tuple(known.values())
    return out


def index_of(snap: Snapshot) -> Index:
    """The index of a snapshot: carried from the previous one, or built by its first reader."""
    return derive(snap, SEARCH_INDEX)
class IndexCache:
    """The index of the store's current revision, for readers holding a store."""

    def __init__(self, store: GraphStore, snapshots: SnapshotCache | None = None) -> None:
        self.snapshots = snapshots or SnapshotCache(store)

    def get(self) -> Index:
        """Blocking before the first snapshot (at start): call through ``run_blocking``."""
        return index_of(self.snapshots.get())

    def current(self) -> Index | None:
        """The index of the snapshot there is now, without reading the store: after a
        write, the one :class:`~graph_service.api.priority.WritesFirst` brought up to it
        (``None`` before the first snapshot)."""
        snap = self.snapshots.current()
        return index_of(snap) if snap is not None else None
