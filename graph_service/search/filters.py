"""Filtering and text search over the read model: which entries a list query returns.

A list query ("services in Salé for sexual violence, in Arabic, near here")
must not become one store query per candidate, nor a scan of the country: it
intersects the sets of :mod:`.index` for the snapshot of the current store
revision and returns sorted ids. The entries themselves are then loaded in
batches by the DataLoaders. Nothing here knows GraphQL, so the web pages
filter the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz

from ..domain.errors import FieldError, ValidationFailed
from ..text import search_key
from .index import Index, IndexCache, index_of

__all__ = [
    "MAX_RADIUS_KM",
    "Filter",
    "Index",
    "IndexCache",
    "Near",
    "Suggestion",
    "by_relevance",
    "index_of",
    "organization_ids",
    "service_ids",
    "suggestions",
]

MAX_RADIUS_KM = 500.0


@dataclass(frozen=True, slots=True)
class Near:
    """A circle: entries with a place within ``radius_km`` of (lat, lon)."""

    lat: float
    lon: float
    radius_km: float

    def __post_init__(self) -> None:
        errors = []
        if not -90.0 <= self.lat <= 90.0:
            errors.append(FieldError("near.lat", f"{self.lat} is not a latitude"))
        if not -180.0 <= self.lon <= 180.0:
            errors.append(FieldError("near.lon", f"{self.lon} is not a longitude"))
        if not 0.0 < self.radius_km <= MAX_RADIUS_KM:
            errors.append(FieldError("near.radiusKm", f"must be in (0, {MAX_RADIUS_KM:g}] km"))
        if errors:
            raise ValidationFailed(errors)


@dataclass(frozen=True, slots=True)
class Filter:
    """Every criterion is optional; given ones must all hold (AND)."""

    province: str | None = None
    commune: str | None = None
    sector: str | None = None
    org_kind: str | None = None
    service_type: str | None = None
    stage: str | None = None
    situation: str | None = None
    language: str | None = None
    text: str | None = None
    near: Near | None = None

    def circle(self) -> tuple[float, float, float] | None:
        return (self.near.lat, self.near.lon, self.near.radius_km) if self.near else None


def service_ids(index: Index, f: Filter, *, exact_places: bool) -> list[str]:
    """Ids of the services matching ``f``, sorted.

    ``exact_places`` is False for the public: a confidential site then counts
    as being at its commune's centre, so a radius search cannot locate it.
    """
    sets = _service_sets(index, f, with_organization=True)
    if f.text is not None:
        sets.append(index.service_text.matching(f.text))
    sets.append(index.service_places.owners(f.province, f.commune, f.circle(), exact_places))
    return _sorted(index.service_order, sets)


def organization_ids(index: Index, f: Filter, *, exact_places: bool) -> list[str]:
    """Ids of the organisations matching ``f``, sorted.

    An organisation is *in* a province or commune, or near a point, when one
    of its sites or services is (or, for a province alone, its seat); service
    criteria (type, stage, situation, language) hold when one of its services
    meets them all.
    """
    orgs_by = index.orgs_by
    sets = [
        None if f.sector is None else orgs_by["sector"].get(f.sector, frozenset()),
        None if f.org_kind is None else orgs_by["org_kind"].get(f.org_kind, frozenset()),
        None if f.text is None else index.org_text.matching(f.text),
    ]
    service_sets = _service_sets(index, f, with_organization=False)
    if any(s is not None for s in service_sets):
        services = _intersection(service_sets)
        assert services is not None
        snap = index.snapshot
        sets.append(frozenset(snap.services[s].organization_id for s in services))
    located = index.org_place_table.owners(f.province, f.commune, f.circle(), exact_places)
    if located is not None and f.province is not None and f.commune is None and f.near is None:
        located |= orgs_by["seat"].get(f.province, frozenset())
    sets.append(located)
    return _sorted(index.org_order, sets)


def _service_sets(index: Index, f: Filter,
                  with_organization: bool) -> list[frozenset[str] | None]:
    """The sets of the service criteria given (organisation ones too if asked)."""
    criteria = [("type", f.service_type), ("stage", f.stage), ("situation", f.situation),
                ("language", f.language)]
    if with_organization:
        criteria += [("sector", f.sector), ("org_kind", f.org_kind)]
    return [None if code is None else index.services_by[name].get(code, frozenset())
            for name, code in criteria]


def _intersection(sets: Iterable[frozenset[str] | None]) -> frozenset[str] | None:
    """Entries in every given set (smallest first); None when no criterion was given."""
    given = sorted((s for s in sets if s is not None), key=len)
    if not given:
        return None
    found = given[0]
    for other in given[1:]:
        found = found & other
    return found


def _sorted(order: tuple[str, ...], sets: Iterable[frozenset[str] | None]) -> list[str]:
    found = _intersection(sets)
    return list(order) if found is None else sorted(found)


def _name_score(query: str, names: Iterable[str]) -> float:
    """How well a folded ``query`` matches the best of ``names`` (0–100)."""
    return max((fuzz.WRatio(query, search_key(n)) for n in names if n), default=0.0)


def by_relevance(index: Index, organization_ids: Iterable[str], text: str) -> list[str]:
    """Organisations found by ``text``, those whose name or one of whose services' names
    matches it best first (then by id): « parquet » puts the tribunals first.

    For the pages only: the API keeps the id order its cursors page through.
    """
    query = search_key(text)
    snap = index.snapshot

    def score(oid: str) -> float:
        org = snap.organizations[oid]
        names = [org.name, org.name_ar]
        for sid in index.services_by_org.get(oid, ()):
            names += (snap.services[sid].name, snap.services[sid].name_ar)
        return _name_score(query, names)

    return sorted(organization_ids, key=lambda i: (-score(i), i))


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A name to complete a search box with: an organisation or a service (``kind``)."""

    kind: str
    id: str
    name: str
    name_ar: str
    organization_id: str


def suggestions(index: Index, text: str, limit: int = 8) -> list[Suggestion]:
    """The organisations and services whose names best match ``text`` as typed so far."""
    snap = index.snapshot
    query = search_key(text)
    found: list[tuple[float, Suggestion]] = []
    for oid in index.org_text.matching(text) or ():
        o = snap.organizations[oid]
        found.append((_name_score(query, (o.name, o.name_ar)),
                      Suggestion("organization", o.id, o.name, o.name_ar, o.id)))
    for sid in index.service_text.matching(text) or ():
        s = snap.services[sid]
        found.append((_name_score(query, (s.name, s.name_ar)),
                      Suggestion("service", s.id, s.name, s.name_ar, s.organization_id)))
    found.sort(key=lambda pair: (-pair[0], pair[1].name, pair[1].id))
    seen: set[str] = set()
    out: list[Suggestion] = []
    for _, suggestion in found:
        if suggestion.name not in seen:
            seen.add(suggestion.name)
            out.append(suggestion)
        if len(out) == limit:
            break
    return out
