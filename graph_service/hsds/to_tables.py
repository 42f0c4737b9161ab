"""Annuaire entries to the rows of an HSDS 3.0 package and of our ``x_`` tables.

The inverse of :mod:`.to_entities`: reading these rows back gives the same entries. HSDS
columns get what they can hold (so that any HSDS consumer sees organisations, locations,
services with their hours, languages and documents, contacts and phones); the rest goes to
the ``x_`` tables of :mod:`.extension`. Identifiers are UUIDs (:mod:`.ids`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from ..domain.entities import (
    AnyEntity,
    Channel,
    Contact,
    Membership,
    Organization,
    ReferralLink,
    Service,
    Site,
)
from ..domain.taxonomy import LANGUAGES, PHONE_KINDS
from . import codes
from .ids import hsds_id, row_id

Record = dict[str, str]

TABLE_OF_KIND = {
    "organization": "organization",
    "site": "location",
    "service": "service",
    "contact": "contact",
}
"""The HSDS table whose rows are the entries of each kind (links and memberships: x_ only)."""

DOCUMENT_SEPARATOR = "|"


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class TableRows:
    """The rows of every table of the package, filled entry by entry."""

    def __init__(self) -> None:
        self.tables: dict[str, list[Record]] = defaultdict(list)

    def add(self, name: str, /, **cells: object) -> None:
        self.tables[name].append({k: _text(v) for k, v in cells.items()})

    def hid(self, entity: AnyEntity) -> str:
        return self.ref(entity.kind, entity.id)

    def ref(self, kind: str, entity_id: str) -> str:
        """The HSDS id an entry of ``kind`` with id ``entity_id`` is written under."""
        table = TABLE_OF_KIND.get(kind)
        return hsds_id(table, entity_id) if table else entity_id

    def entries(self, entities: Iterable[AnyEntity]) -> dict[str, list[Record]]:
        for entity in entities:
            if entity.kind in TABLE_OF_KIND and self.hid(entity) != entity.id:
                self.add("x_entity_ids", table=TABLE_OF_KIND[entity.kind], id=self.hid(entity),
                         entity_id=entity.id)
            if entity.verified_at:
                self.add("x_verifications", entity_id=entity.id, verified_at=entity.verified_at,
                         verified_by=entity.verified_by)
            if isinstance(entity, Organization):
                self._organization(entity)
            elif isinstance(entity, Site):
                self._site(entity)
            elif isinstance(entity, Service):
                self._service(entity)
            elif isinstance(entity, Contact):
                self._contact(entity)
            elif isinstance(entity, ReferralLink):
                self._referral_link(entity)
            else:
                self._membership(entity)
        return dict(self.tables)

    def _channels(self, owner_column: str, owner: str, channels: tuple[Channel, ...]) -> None:
        for i, ch in enumerate(channels):
            x_id = row_id(owner, "x_channels", i)
            if ch.kind in PHONE_KINDS:
                phone = row_id(owner, "phone", i)
                self.add("phone", id=phone, number=ch.value, description=ch.label,
                         type=codes.PHONE_TYPE_TO_HSDS[ch.kind], **{owner_column: owner})
                self.add("x_channels", id=x_id, phone_id=phone, kind=ch.kind,
                         **{owner_column: owner})
            else:
                self.add("x_channels", id=x_id, kind=ch.kind, value=ch.value, label=ch.label,
                         **{owner_column: owner})

    def own_row(self, entity: Organization | Site | Service) -> Record:
        """The row of the entry's own HSDS table alone (``organization``, ``location``,
        ``service``), without the dependent rows: what a list of the feed shows, at the cost
        of one row rather than the dozen rows (and their derived ids) of the whole entry."""
        if isinstance(entity, Organization):
            self._organization_row(entity)
        elif isinstance(entity, Site):
            self._site_row(entity)
        else:
            self._service_row(entity)
        return self.tables[TABLE_OF_KIND[entity.kind]][-1]

    def _organization_row(self, o: Organization) -> None:
        self.add(
            "organization", id=self.hid(o), name=o.name, description=o.description or o.name,
            email=o.email, website=o.website,
            parent_organization_id=self.ref("organization", o.parent_id) if o.parent_id else "",
        )

    def _organization(self, o: Organization) -> None:
        hid = self.hid(o)
        self._organization_row(o)
        self.add("x_organization_profile", organization_id=hid, name_ar=o.name_ar,
                 org_kind=o.org_kind, sector=o.sector, province_code=o.province_code)
        for i, identifier in enumerate(o.identifiers):
            scheme, _, value = identifier.rpartition(":")
            self.add("organization_identifier", id=row_id(hid, "organization_identifier", i),
                     organization_id=hid, identifier_scheme=scheme,
                     identifier_type=scheme or "identifier", identifier=value)
        self._channels("organization_id", hid, o.channels)

    def _site_row(self, s: Site) -> None:
        self.add("location", id=self.hid(s), location_type="physical", name=s.name,
                 organization_id=self.ref("organization", s.organization_id),
                 description=s.description, latitude=s.lat, longitude=s.lon)

    def _site(self, s: Site) -> None:
        self._site_row(s)
        self.add("x_location_profile", location_id=self.hid(s), commune_code=s.commune_code,
                 coordinates_precision=s.coordinates_precision, confidential=s.confidential,
                 address=s.address)

    def _service_row(self, s: Service) -> None:
        self.add(
            "service", id=self.hid(s), organization_id=self.ref("organization", s.organization_id),
            name=s.name, description=s.description, status=codes.STATUS_TO_HSDS[s.status],
            url=_first(s.channels, "website"), email=_first(s.channels, "email"),
            fees_description=s.cost, minimum_age=s.age_min, maximum_age=s.age_max,
            last_modified=s.last_modified,
        )

    def _service(self, s: Service) -> None:
        hid = self.hid(s)
        self._service_row(s)
        self.add("x_service_profile", service_id=hid, type=s.type, name_ar=s.name_ar, sex=s.sex,
                 disability_accepted=s.disability_accepted, emergency_24_7=s.emergency_24_7,
                 access=s.access, status=s.status, receives_children=s.receives_children)
        for i, code in enumerate(s.area_codes):
            self.add("service_area", id=row_id(hid, "service_area", i), service_id=hid,
                     name=code, extent=code, extent_type="text",
                     description="Code territorial HCP (commune, province ou région)")
        for stage in s.stages:
            self.add("x_service_stages", service_id=hid, stage=stage)
        for situation in s.situations:
            self.add("x_service_situations", service_id=hid, situation=situation)
        for i, site in enumerate(s.site_ids):
            self.add("service_at_location", id=row_id(hid, "service_at_location", i),
                     service_id=hid, location_id=self.ref("site", site))
        for i, language in enumerate(s.languages):
            self.add("language", id=row_id(hid, "language", i), service_id=hid,
                     name=LANGUAGES[language].fr, code=codes.LANGUAGE_TO_ISO[language])
        for i, h in enumerate(s.hours):
            self.add("schedule", id=row_id(hid, "schedule", i), service_id=hid, freq="WEEKLY",
                     byday=h.byday, opens_at=f"{h.opens_at}:00", closes_at=f"{h.closes_at}:00")
        if s.schedule_note:
            self.add("schedule", id=row_id(hid, "schedule", len(s.hours)), service_id=hid,
                     description=s.schedule_note)
        for i, document in enumerate(s.documents):
            self.add("required_document", id=row_id(hid, "required_document", i),
                     service_id=hid, document=document)
        self._channels("service_id", hid, s.channels)

    def _contact(self, c: Contact) -> None:
        hid = self.hid(c)
        self.add("contact", id=hid, organization_id=self.ref("organization", c.organization_id),
                 service_id=self.ref("service", c.service_id) if c.service_id else "",
                 name=c.person_name, title=c.function, email=_first(c.channels, "email"))
        self._channels("contact_id", hid, c.channels)

    def _referral_link(self, link: ReferralLink) -> None:
        for document in link.documents:
            if DOCUMENT_SEPARATOR in document:
                raise ValueError(
                    f"referral link {link.id}: document {document!r} contains "
                    f"{DOCUMENT_SEPARATOR!r}, the separator of x_referral_links.documents"
                )
        self.add("x_referral_links", id=link.id,
                 from_service_id=self.ref("service", link.from_service_id),
                 to_service_id=self.ref("service", link.to_service_id), link_kind=link.link_kind,
                 documents=DOCUMENT_SEPARATOR.join(link.documents),
                 typical_delay_hours=link.typical_delay_hours, description=link.description)

    def _membership(self, m: Membership) -> None:
        self.add("x_memberships", id=m.id, role=m.role,
                 organization_id=self.ref("organization", m.organization_id),
                 body_id=self.ref("organization", m.body_id))


def _first(channels: tuple[Channel, ...], kind: str) -> str:
    return next((c.value for c in channels if c.kind == kind), "")
