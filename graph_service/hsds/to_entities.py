"""HSDS rows (and our ``x_`` rows) to annuaire entries.

The tables reaching this module have passed :mod:`.checks`: required cells are there, codes
and numbers are well formed and required links resolve. What is left is the mapping itself,
and the rules for what HSDS allows but the annuaire cannot hold:

- a location that is not ``physical``, or belongs to no organisation of the package, is left
  out with a warning; one whose ``organization_id`` points nowhere goes to the organisation of
  a service delivered there, if any (a contact likewise, through its service or location);
- phones and other channels follow :mod:`.channels_in`, services :mod:`.services_in`;
- a service's ``maximum_age`` above 17 means "children of any age": no upper limit;
- weekly schedules (``freq`` WEEKLY with ``byday``, ``opens_at``, ``closes_at``) become opening
  hours; schedule descriptions become the schedule note; other schedules are left out;
- an organisation description that only repeats its name counts as none (HSDS requires a
  description, so an export writes the name where the annuaire has nothing).

Each entry remembers which file, line and column each field came from (:class:`Draft`), so
that the domain validation's complaints can name them.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..domain.entities import (
    AnyEntity,
    Contact,
    Membership,
    Organization,
    ReferralLink,
    Site,
)
from ..domain.errors import FieldError
from ..domain.validation import normalize_email
from . import codes
from .channels_in import ChannelReader
from .extension import ENTITY_TABLES
from .places import Places
from .schema import parse_boolean
from .services_in import ServiceParts
from .tabular import Problems, Row, Table

Origin = tuple[str, str]
"""(file:line, column) a value was read from."""


@dataclass(frozen=True, slots=True)
class Draft:
    """An entry read from the package, with where each of its fields came from."""

    entity: AnyEntity
    where: str
    origins: Mapping[str, Origin] = field(default_factory=dict)

    def locate(self, entity_field: str) -> Origin:
        """Where to point for an error on ``entity_field`` (``channels[1].value`` included)."""
        root = entity_field.split("[")[0].split(".")[0]
        for key in (entity_field, root):
            if key in self.origins:
                return self.origins[key]
        return self.where, entity_field


class EntityReader:
    """Builds the entries of one checked package; problems go to ``problems``."""

    def __init__(self, tables: Mapping[str, Table], places: Places, problems: Problems) -> None:
        self.tables, self.places, self.problems = tables, places, problems
        self.orgs = self._index("organization")
        self.services = self._index("service")
        self.sal = self._index("service_at_location")
        self.ids = {
            (r.get("table"), r.get("id")): r.get("entity_id") for r in self.rows("x_entity_ids")
        }
        self.location_org: dict[str, str] = {}
        self.contact_org: dict[str, str] = {}
        self.site_commune: dict[str, str] = {}

    # --- helpers ---------------------------------------------------------------------------
    def rows(self, table: str) -> tuple[Row, ...]:
        return self.tables[table].rows if table in self.tables else ()

    def _index(self, table: str) -> dict[str, Row]:
        return {r.get("id"): r for r in self.rows(table)}

    def group(self, table: str, column: str) -> dict[str, list[Row]]:
        """Rows of ``table`` by the value of ``column``."""
        out: dict[str, list[Row]] = defaultdict(list)
        for r in self.rows(table):
            out[r.get(column)].append(r)
        return out

    def eid(self, table: str, hsds: str) -> str:
        """The annuaire id of an HSDS row (``x_entity_ids``, else the HSDS id itself)."""
        return self.ids.get((table, hsds), hsds)

    def warn(self, row: Row, column: str, message: str) -> None:
        self.problems.warnings.append(FieldError(column, message, row.where))

    def fail(self, row: Row, column: str, message: str) -> None:
        self.problems.errors.append(FieldError(column, message, row.where))

    def _org_of_service(self, service: str) -> str:
        row = self.services.get(service)
        return row.get("organization_id") if row else ""

    def _first_org(self, *candidates: str) -> str:
        return next((c for c in candidates if c in self.orgs), "")

    # --- the whole package -----------------------------------------------------------------
    def read(self) -> list[Draft]:
        """Every entry of the package, kind by kind (organisations first)."""
        self._attach_locations()
        self._attach_contacts()
        found = ChannelReader(self)
        sites = self._sites()
        drafts = [
            *self._organizations(found),
            *sites,
            *self._services(found),
            *self._contacts(found),
            *self._referral_links(),
            *self._memberships(),
        ]
        known = {table: set(self._index(table)) for table in ENTITY_TABLES}
        for r in self.rows("x_entity_ids"):
            if r.get("id") not in known.get(r.get("table"), set()):
                self.warn(r, "id", f"{r.get('table')} {r.get('id')!r} does not exist; ignored")
        return self._verified(drafts)

    def _attach_locations(self) -> None:
        offered = self.group("service_at_location", "location_id")
        for r in self.rows("location"):
            if r.get("location_type") != "physical":
                self.warn(r, "location_type", "only physical locations become sites; left out")
                continue
            services = (self._org_of_service(s.get("service_id")) for s in offered[r.get("id")])
            org = self._first_org(r.get("organization_id"), *services)
            if org:
                self.location_org[r.get("id")] = org
            else:
                self.warn(r, "organization_id", "the location belongs to no organisation; left out")

    def _attach_contacts(self) -> None:
        for r in self.rows("contact"):
            sal = self.sal.get(r.get("service_at_location_id"))
            org = self._first_org(
                r.get("organization_id"),
                self._org_of_service(r.get("service_id")),
                self._org_of_service(sal.get("service_id")) if sal else "",
                self.location_org.get(r.get("location_id"), ""),
            )
            if org:
                self.contact_org[r.get("id")] = org
            else:
                self.warn(r, "organization_id", "the contact belongs to no organisation; left out")

    # --- organisations and sites -----------------------------------------------------------
    def _organizations(self, found: ChannelReader) -> list[Draft]:
        profiles = self._index_by("x_organization_profile", "organization_id")
        identifiers = self.group("organization_identifier", "organization_id")
        first_site: dict[str, str] = {}
        for location, org in self.location_org.items():
            first_site.setdefault(org, location)
        drafts = []
        for hid, r in self.orgs.items():
            p = profiles.get(hid)
            parent = r.get("parent_organization_id")
            if parent and parent not in self.orgs:
                self.warn(r, "parent_organization_id",
                          f"organization {parent!r} does not exist; link left out")
                parent = ""
            email = self._email(r, "email")
            channels, origins = found.of(("organization", hid), r)
            origins.update({k: (r.where, c) for k, c in _ORGANIZATION_COLUMNS.items()})
            if p is not None:
                origins.update({k: (p.where, k) for k in _PROFILE_COLUMNS["organization"]})
                province = p.get("province_code") or None
            else:
                commune = self.places.get(self.site_commune.get(first_site.get(hid, ""), ""))
                province = commune.province_code if commune else None
            entity = Organization(
                id=self.eid("organization", hid),
                name=r.get("name"),
                name_ar=p.get("name_ar") if p else "",
                org_kind=p.get("org_kind") if p else codes.DEFAULT_ORG_KIND,
                sector=p.get("sector") if p else codes.DEFAULT_SECTOR,
                parent_id=self.eid("organization", parent) if parent else None,
                province_code=province,
                description="" if r.get("description") == r.get("name") else r.get("description"),
                website=r.get("website"),
                email=email,
                channels=channels,
                identifiers=tuple(_identifier(i) for i in identifiers[hid]),
            )
            drafts.append(Draft(entity, r.where, origins))
        return drafts

    def _index_by(self, table: str, column: str) -> dict[str, Row]:
        return {r.get(column): r for r in self.rows(table)}

    def _email(self, row: Row, column: str) -> str:
        """The normalised address (empty, with an error, if it is not one)."""
        if not row.get(column):
            return ""
        try:
            return normalize_email(row.get(column))
        except ValueError as exc:
            self.fail(row, column, str(exc))
            return ""

    def _sites(self) -> list[Draft]:
        profiles = self._index_by("x_location_profile", "location_id")
        addresses = self.group("address", "location_id")
        drafts = []
        for r in self.rows("location"):
            hid = r.get("id")
            if hid not in self.location_org:
                continue
            p = profiles.get(hid)
            lat, lon = r.number("latitude"), r.number("longitude")
            address, origins = _address(addresses[hid])
            origins.update({k: (r.where, c) for k, c in _LOCATION_COLUMNS.items()})
            if p is not None:
                commune = self.places.get(p.get("commune_code"))
                code = p.get("commune_code")
                precision = p.get("coordinates_precision")
                origins.update({k: (p.where, k) for k in _PROFILE_COLUMNS["location"]})
            else:
                if lat is not None and lon is not None:
                    commune, precision = self.places.nearest(lat, lon), "exact"
                else:
                    city = next((a.get("city") for a in addresses[hid] if a.get("city")), "")
                    commune, precision = self.places.named(city), "commune"
                code = commune.code if commune else ""
                origins["commune_code"] = (r.where, "latitude")
            if not code:
                self.fail(r, "latitude", "cannot place the location in a commune: give its "
                          "latitude and longitude, or its commune in x_location_profile")
                continue
            if lat is None and lon is None and commune is not None:
                if precision == "exact":
                    self.fail(r, "latitude", "coordinates_precision is exact but the location "
                              "has no latitude and longitude")
                lat, lon = commune.lat, commune.lon
            self.site_commune[hid] = code
            org = self.location_org[hid]
            entity = Site(
                id=self.eid("location", hid),
                organization_id=self.eid("organization", org),
                name=r.get("name") or self.orgs[org].get("name"),
                address=p.get("address") if p and p.get("address") else address,
                commune_code=code,
                lat=lat,
                lon=lon,
                coordinates_precision=precision,
                confidential=parse_boolean(p.get("confidential")) if p else False,
                description=r.get("description"),
            )
            drafts.append(Draft(entity, r.where, origins))
        return drafts

    # --- services --------------------------------------------------------------------------
    def _services(self, found: ChannelReader) -> list[Draft]:
        parts = ServiceParts(self)
        drafts = []
        for hid, r in self.services.items():
            channels, origins = found.of(("service", hid), r, _SERVICE_HSDS_CHANNELS)
            entity, more = parts.service(hid, r, channels)
            origins.update(more)
            drafts.append(Draft(entity, r.where, origins))
        return drafts

    # --- contacts, circuit, coordination ---------------------------------------------------
    def _contacts(self, found: ChannelReader) -> list[Draft]:
        drafts = []
        for r in self.rows("contact"):
            hid = r.get("id")
            if hid not in self.contact_org:
                continue
            channels, origins = found.of(("contact", hid), r, (("email", "email"),))
            origins.update({"function": (r.where, "title"), "person_name": (r.where, "name"),
                            "service_id": (r.where, "service_id")})
            service = r.get("service_id")
            entity = Contact(
                id=self.eid("contact", hid),
                organization_id=self.eid("organization", self.contact_org[hid]),
                service_id=self.eid("service", service) if service in self.services else None,
                function=r.get("title") or r.get("department"),
                person_name=r.get("name"),
                channels=channels,
            )
            drafts.append(Draft(entity, r.where, origins))
        return drafts

    def _referral_links(self) -> list[Draft]:
        drafts = []
        for r in self.rows("x_referral_links"):
            delay = r.get("typical_delay_hours")
            entity = ReferralLink(
                id=r.get("id"),
                from_service_id=self.eid("service", r.get("from_service_id")),
                to_service_id=self.eid("service", r.get("to_service_id")),
                link_kind=r.get("link_kind"),
                documents=tuple(d.strip() for d in r.get("documents").split("|") if d.strip()),
                typical_delay_hours=int(delay) if delay else None,
                description=r.get("description"),
            )
            drafts.append(Draft(entity, r.where))
        return drafts

    def _memberships(self) -> list[Draft]:
        return [
            Draft(
                Membership(
                    id=r.get("id"),
                    organization_id=self.eid("organization", r.get("organization_id")),
                    body_id=self.eid("organization", r.get("body_id")),
                    role=r.get("role"),
                ),
                r.where,
            )
            for r in self.rows("x_memberships")
        ]

    def _verified(self, drafts: list[Draft]) -> list[Draft]:
        checks = self._index_by("x_verifications", "entity_id")
        ids = {d.entity.id for d in drafts}
        for entity_id, r in checks.items():
            if entity_id not in ids:
                self.warn(r, "entity_id", f"entry {entity_id!r} is not in the package; ignored")
        return [
            dataclasses.replace(
                d,
                entity=dataclasses.replace(
                    d.entity,
                    verified_at=checks[d.entity.id].get("verified_at"),
                    verified_by=checks[d.entity.id].get("verified_by"),
                ),
            )
            if d.entity.id in checks
            else d
            for d in drafts
        ]


_SERVICE_HSDS_CHANNELS = (("email", "email"), ("website", "url"))
_ORGANIZATION_COLUMNS = {
    "id": "id", "name": "name", "description": "description", "website": "website",
    "email": "email", "parent_id": "parent_organization_id",
}
_LOCATION_COLUMNS = {
    "id": "id", "name": "name", "description": "description", "lat": "latitude",
    "lon": "longitude", "organization_id": "organization_id",
}
_PROFILE_COLUMNS = {
    "organization": ("name_ar", "org_kind", "sector", "province_code"),
    "location": ("commune_code", "coordinates_precision", "confidential", "address"),
}


def _address(rows: list[Row]) -> tuple[str, dict[str, Origin]]:
    """The location's physical address (else its first one) as one line, and its origin."""
    ordered = sorted(rows, key=lambda a: a.get("address_type") != "physical")
    if not ordered:
        return "", {}
    a = ordered[0]
    text = ", ".join(v for v in (a.get("address_1"), a.get("address_2")) if v)
    return text, {"address": (a.where, "address_1")}


def _identifier(row: Row) -> str:
    scheme = row.get("identifier_scheme")
    return f"{scheme}:{row.get('identifier')}" if scheme else row.get("identifier")
