"""The annuaire as the objects of the HSDS 3.0 API (the feed at ``/api/hsds/``), public view.

Objects are the rows :class:`.to_tables.TableRows` writes for the tabular export, typed as
the HSDS table schema says and nested as the API nests them, so that the export and the
feed never disagree on what an HSDS field holds. The feed adds only what a table cannot
hold: an address naming the commune, province and région of a location (HSDS addresses need
a postal code the annuaire does not keep, so the export leaves them out) and the taxonomy
terms a service is tagged with (:mod:`.taxonomies`).

The feed is public: it is built from the entries as the anonymous public sees them
(:func:`graph_service.access.public_site`): no contact person ever appears, only
institutional channels, and a confidential site keeps only its commune. Lists are filtered
through the search index of the read model (:mod:`graph_service.search`), so a page costs
the entries on it, not the size of the annuaire.
"""

from __future__ import annotations

import bisect
import functools
import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..access import ANONYMOUS, public_site
from ..domain.entities import AnyEntity, Service, Site
from ..search import Filter, Index, service_ids
from ..text import search_key
from .ids import row_id
from .reading import all_schemas
from .schema import FieldSpec, parse_boolean, parse_number
from .taxonomies import TAXONOMIES, Taxonomy, TaxonomyTerm, service_terms
from .to_tables import Record, TableRows

__all__ = ["HSDS_VERSION", "Feed", "PageRequest", "ServiceQuery", "feed_of"]

HSDS_VERSION = "3.0"
KEPT_QUERIES = 256
"""Id lists of service queries kept per revision: every taxonomy term's, and the searches."""

Json = dict[str, Any]


@dataclass(frozen=True, slots=True)
class PageRequest:
    """Which page of a list, numbered from 1."""

    number: int = 1
    size: int = 50

    def envelope(self, ids: Sequence[Any], render: Callable[[Any], Json]) -> Json:
        """The paginated answer of the HSDS API: totals, flags and the page's objects."""
        start = (self.number - 1) * self.size
        contents = [render(i) for i in ids[start:start + self.size]]
        total_pages = max(1, math.ceil(len(ids) / self.size))
        return {
            "total_items": len(ids),
            "total_pages": total_pages,
            "page_number": self.number,
            "size": len(contents),
            "first_page": self.number == 1,
            "last_page": self.number >= total_pages,
            "empty": not contents,
            "contents": contents,
        }


@dataclass(frozen=True, slots=True)
class ServiceQuery:
    """The filters of ``/services`` and ``/service_at_locations``; given ones all hold (AND).

    ``modified_after`` is in the stores' timestamp form (:func:`graph_service.store.common.iso`).
    """

    search: str | None = None
    taxonomy_term_id: str | None = None
    taxonomy_id: str | None = None
    organization_id: str | None = None
    modified_after: str | None = None


@functools.cache
def _specs(table: str) -> dict[str, FieldSpec]:
    return {f.name: f for f in all_schemas()[table].fields}


def _typed(table: str, row: Record) -> Json:
    """A tabular row as an HSDS object: empty cells left out, numbers and booleans typed."""
    specs = _specs(table)
    out: Json = {}
    for name, text in row.items():
        if text == "":
            continue
        kind = specs[name].type
        if kind in ("number", "integer"):
            number = parse_number(text)
            out[name] = int(number) if number.is_integer() else number
        elif kind == "boolean":
            out[name] = parse_boolean(text)
        else:
            out[name] = text
    return out


def _matches(query: str | None, *texts: str) -> bool:
    """Every word of ``query`` is part of a word of ``texts`` (accents, case, Arabic folded)."""
    if not query:
        return True
    haystack = search_key(" ".join(texts)).split()
    return all(any(word in h for h in haystack) for word in search_key(query).split())


class Feed:
    """The HSDS ids of one read-model revision and the feed's objects, rendered on demand.

    What lists serve again and again is kept for the revision, filled by the requests that
    first ask (a revision's entries never change; a write brings a new feed): the id lists
    of the last :data:`KEPT_QUERIES` queries, and each service's list record. Kept records
    are shared by every answer, so nothing may change one after it is made.
    """

    def __init__(self, index: Index) -> None:
        self.index = index
        snap = index.snapshot
        self._ref = TableRows().ref
        self.services = {self._ref("service", sid): sid for sid in index.service_order}
        self.organizations = {self._ref("organization", oid): oid for oid in index.org_order}
        self.service_at_locations: dict[str, tuple[str, int]] = {}
        for sid in index.service_order:
            service_hid = self._ref("service", sid)
            for i in range(len(snap.services[sid].site_ids)):
                self.service_at_locations[row_id(service_hid, "service_at_location", i)] = (sid, i)
        self.taxonomies = {t.id: t for t in TAXONOMIES}
        self.terms = {term.id: term for t in TAXONOMIES for term in t.terms()}
        self._tagged = {t.id: frozenset().union(*index.services_by[t.criterion].values())
                        for t in TAXONOMIES}
        self._modified = sorted((s.last_modified, s.id) for s in snap.services.values())
        self._found: OrderedDict[ServiceQuery, list[str]] = OrderedDict()
        self._listed: dict[str, Json] = {}
        self._lock = threading.Lock()

    # --- lists -------------------------------------------------------------------------

    def service_ids(self, q: ServiceQuery) -> list[str]:
        """Our ids of the services matching every filter of ``q``, in the feed's order
        (the same list object for a repeated query: never change it)."""
        with self._lock:
            found = self._found.get(q)
            if found is not None:
                self._found.move_to_end(q)
                return found
        found = self._service_ids(q)
        with self._lock:
            self._found[q] = found
            while len(self._found) > KEPT_QUERIES:
                self._found.popitem(last=False)
        return found

    def _service_ids(self, q: ServiceQuery) -> list[str]:
        codes: dict[str, str] = {}
        if q.taxonomy_term_id is not None:
            term = self.terms.get(q.taxonomy_term_id)
            if term is None:
                return []
            codes[term.taxonomy.criterion] = term.code
        found = service_ids(self.index, Filter(
            text=q.search, service_type=codes.get("type"), stage=codes.get("stage"),
            situation=codes.get("situation"), language=codes.get("language"),
        ), exact_places=False)
        sets: list[frozenset[str]] = []
        if q.taxonomy_id is not None:
            sets.append(self._tagged.get(q.taxonomy_id, frozenset()))
        if q.organization_id is not None:
            oid = self.organizations.get(q.organization_id)
            sets.append(frozenset(self.index.services_by_org.get(oid, ())) if oid else frozenset())
        if q.modified_after is not None:
            start = bisect.bisect_left(self._modified, (q.modified_after, ""))
            sets.append(frozenset(sid for _, sid in self._modified[start:]))
        for kept in sorted(sets, key=len):
            found = [sid for sid in found if sid in kept]
        return found

    def service_at_location_ids(self, q: ServiceQuery) -> list[str]:
        snap = self.index.snapshot
        return [row_id(self._ref("service", sid), "service_at_location", i)
                for sid in self.service_ids(q) for i in range(len(snap.services[sid].site_ids))]

    def organization_ids(self, search: str | None) -> list[str]:
        found = self.index.org_text.matching(search) if search else None
        return list(self.index.org_order) if found is None else sorted(found)

    def taxonomy_list(self, search: str | None) -> list[Taxonomy]:
        return [t for t in TAXONOMIES if _matches(search, t.name, t.description, t.key)]

    def term_list(self, search: str | None, taxonomy_id: str | None,
                  parent_id: str | None) -> list[TaxonomyTerm]:
        """Terms, filtered; ours are all top-level, so a ``parent_id`` matches none."""
        if parent_id is not None:
            return []
        return [term for term in self.terms.values()
                if (taxonomy_id is None or term.taxonomy.id == taxonomy_id)
                and _matches(search, term.name, term.code)]

    # --- objects -----------------------------------------------------------------------

    def _tables(self, entity: AnyEntity) -> dict[str, list[Record]]:
        return TableRows().entries([entity])

    def service(self, sid: str, *, full: bool) -> Json:
        """A service: its one-to-one fields (lists, kept), or nested with everything public."""
        if not full:
            record = self._listed.get(sid)
            if record is None:
                record = self._listed[sid] = _typed(
                    "service", TableRows().own_row(self.index.snapshot.services[sid]))
            return record
        service = self.index.snapshot.services[sid]
        tables = self._tables(service)
        record = _typed("service", tables["service"][0])
        record |= self._children(tables, "phone", "schedule", "language", "required_document",
                                 "service_area")
        record["service_at_locations"] = [
            self._service_at_location(sid, i, row, full=True, with_service=False)
            for i, row in enumerate(tables.get("service_at_location", []))
        ]
        record["organization"] = self.organization(service.organization_id, full=False)
        record["contacts"] = []  # contact persons are never public
        record["attributes"] = self._attributes(record["id"], service)
        return record

    def minimal_service(self, sid: str) -> Json:
        """What ``minimal=true`` lists: the id and the time of the last change."""
        record = self.service(sid, full=False)
        return {k: record[k] for k in ("id", "last_modified") if k in record}

    def service_at_location(self, hid: str, *, full: bool) -> Json:
        sid, i = self.service_at_locations[hid]
        rows = self._tables(self.index.snapshot.services[sid])["service_at_location"]
        return self._service_at_location(sid, i, rows[i], full=full, with_service=True)

    def _service_at_location(self, sid: str, i: int, row: Record, *, full: bool,
                             with_service: bool) -> Json:
        snap = self.index.snapshot
        record = _typed("service_at_location", row)
        record["location"] = self.location(snap.services[sid].site_ids[i], full=full)
        if with_service:
            record["service"] = self.service(sid, full=False)
        return record

    def location(self, site_id: str, *, full: bool) -> Json:
        """A site as the public sees it; in full, with the address of its commune."""
        site = public_site(self.index.snapshot.sites[site_id], ANONYMOUS)
        record = _typed("location", TableRows().own_row(site))
        if full:
            record["addresses"] = [self._address(record["id"], site)]
        return record

    def _address(self, location_hid: str, site: Site) -> Json:
        """Street (empty for a confidential site), commune, province and région.

        HSDS requires a postal code; the annuaire holds none, so it is empty."""
        territories = self.index.snapshot.territories
        commune = territories[site.commune_code]
        province = territories.get(commune.province_code or "")
        region = territories.get(commune.region_code or "")
        address: Json = {
            "id": row_id(location_hid, "address", 0), "location_id": location_hid,
            "address_1": site.address, "city": commune.name_fr,
            "state_province": region.name_fr if region else "", "postal_code": "",
            "country": "MA", "address_type": "physical",
        }
        if province is not None:
            address["region"] = province.name_fr
        return address

    def organization(self, oid: str, *, full: bool, services: str | None = None) -> Json:
        """An organisation; in full with its phones, identifiers and (public) sites;
        ``services`` ``"list"`` or ``"full"`` adds its services in that form."""
        organization = self.index.snapshot.organizations[oid]
        if full:
            tables = self._tables(organization)
            record = _typed("organization", tables["organization"][0])
            record |= self._children(tables, "phone", "organization_identifier")
            record["locations"] = [self.location(site_id, full=True)
                                   for site_id in self.index.sites_by_org.get(oid, ())]
            record["contacts"] = []  # contact persons are never public
        else:
            record = _typed("organization", TableRows().own_row(organization))
        if services is not None:
            record["services"] = [self.service(sid, full=services == "full")
                                  for sid in self.index.services_by_org.get(oid, ())]
        return record

    def _children(self, tables: dict[str, list[Record]], *names: str) -> Json:
        """The rows of dependent tables, under the plural key the API nests them by."""
        return {f"{name}s": [_typed(name, row) for row in tables.get(name, [])]
                for name in names}

    def _attributes(self, service_hid: str, service: Service) -> list[Json]:
        return [
            {"id": row_id(service_hid, "attribute", i), "link_id": service_hid,
             "link_entity": "service", "taxonomy_term_id": term.id,
             "taxonomy_term": term.record()}
            for i, term in enumerate(service_terms(service))
        ]


_feed_lock = threading.Lock()


def feed_of(index: Index) -> Feed:
    """The feed of an index's revision, built by its first reader and kept with its snapshot."""
    derived = index.snapshot.derived
    feed = derived.get(__name__)
    if feed is None:
        with _feed_lock:
            feed = derived.get(__name__)
            if feed is None:
                feed = derived[__name__] = Feed(index)
    assert isinstance(feed, Feed)
    return feed
