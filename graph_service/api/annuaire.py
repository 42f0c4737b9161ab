"""The annuaire's GraphQL types: organisations, sites, services, contacts, referral links.

What the public sees is decided here, field by field, from the request's
principal (:mod:`graph_service.access`): contact persons only for signed-in
professionals (``contacts`` is ``null`` for the public, distinct from an
empty list), and a confidential site shows the public only its commune.
Reading a contact's personal data is logged once per contact and request.
Related entries come from the read model's relations and are read from the
request's snapshot (:func:`related`, at once), else loaded through the request's
DataLoaders, so nesting never multiplies store calls.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar, cast

import strawberry
from strawberry.types.base import get_object_definition

from ..access import public_site
from ..domain import entities as domain
from ..domain.competence import receives_children
from .context import Info
from .territories import Territory, territory_of
from .vocabulary import (
    AccessMode,
    ChannelKind,
    CoordinatesPrecision,
    Language,
    LinkKind,
    OrganizationKind,
    Sector,
    ServiceStatus,
    ServiceType,
    Sex,
    Situation,
    Stage,
)

__all__ = [
    "Channel",
    "Contact",
    "Entry",
    "Hours",
    "Organization",
    "ReferralLink",
    "Service",
    "Site",
    "entry_of",
    "related",
    "related_all",
    "wrap",
]

CONTACTS_HIDDEN = "`null` when not signed in: contact persons are personal data (law 09-08)."


@strawberry.type(description="An official way to reach an institution or a person.")
class Channel:
    kind: ChannelKind
    value: str = strawberry.field(description="Phone in E.164, e-mail address or URL.")
    label: str


@strawberry.type(description="A weekly opening slot (iCalendar day codes: MO,TU...).")
class Hours:
    byday: str
    opens_at: str
    closes_at: str


def _channels(channels: Sequence[domain.Channel]) -> list[Channel]:
    return [Channel(kind=c.kind, value=c.value, label=c.label) for c in channels]


@strawberry.interface(description="What every annuaire entry carries: its version for edits "
                                  "(`expectedVersion`) and its last verification.")
class Entry:
    id: strawberry.ID
    version: int
    last_modified: str
    verified_at: str | None
    verified_by: str | None
    is_verified: bool = strawberry.field(
        description="Verified by a coordinator and not edited since.")


E = TypeVar("E")


_PLAIN_FIELDS: dict[type, tuple[str, ...]] = {}


def _plain_fields(cls: type) -> tuple[str, ...]:
    """Fields without a resolver: copied from the entity of the same name."""
    if cls not in _PLAIN_FIELDS:
        definition = get_object_definition(cls, strict=True)
        _PLAIN_FIELDS[cls] = tuple(f.python_name for f in definition.fields
                                   if f.base_resolver is None and f.python_name != "e")
    return _PLAIN_FIELDS[cls]


def wrap(cls: type[E], entity: domain.AnyEntity) -> E:
    """The GraphQL object of ``entity``: plain fields copied, the entity kept for resolvers."""
    values: dict[str, Any] = {name: getattr(entity, name) for name in _plain_fields(cls)}
    return cast(Any, cls)(e=entity, **values)


def _sees_personal_data(info: Info) -> bool:
    return info.context.principal.sees_personal_data


R = TypeVar("R")


def _then(found: Sequence[domain.AnyEntity | None] | Awaitable[Sequence[domain.AnyEntity | None]],
          make: Callable[[list[domain.AnyEntity]], R]) -> R:
    """``make`` of the entries found (those missing left out), at once when the request's
    snapshot held them (:meth:`Context.entries`), else once loaded: a resolver may return
    an awaitable, which GraphQL awaits, hence the one cast."""
    if isinstance(found, Sequence):
        return make([e for e in found if e is not None])

    async def loaded() -> R:
        return make([e for e in await found if e is not None])

    return cast(R, loaded())


def related(info: Info, cls: type[E], entity_id: str) -> E | None:
    """The GraphQL object of the entry ``entity_id`` of ``cls``'s kind, None if there is none."""
    return _then(info.context.entries(_KINDS[cls], (entity_id,)),
                 lambda found: wrap(cls, found[0]) if found else None)


def related_all(info: Info, cls: type[E], ids: Sequence[str]) -> list[E]:
    """The GraphQL objects of the entries ``ids`` of ``cls``'s kind that exist, in order."""
    return _then(info.context.entries(_KINDS[cls], ids),
                 lambda found: [wrap(cls, e) for e in found])


@strawberry.type(description="An institution, association or coordination body.")
class Organization(Entry):
    e: strawberry.Private[domain.Organization]
    name: str
    name_ar: str
    org_kind: OrganizationKind
    sector: Sector
    description: str
    website: str
    email: str
    identifiers: list[str]

    @strawberry.field(description="Official channels (switchboard, hotline, e-mail).")
    def channels(self) -> list[Channel]:
        return _channels(self.e.channels)

    @strawberry.field(description="The province or prefecture of its seat.")
    def province(self, info: Info) -> Territory | None:
        return territory_of(info, self.e.province_code)

    @strawberry.field(description="The organisation it depends on (ministry, delegation).")
    def parent(self, info: Info) -> Organization | None:
        if self.e.parent_id is None:
            return None
        return related(info, Organization, self.e.parent_id)

    @strawberry.field
    def sites(self, info: Info) -> list[Site]:
        ids = info.context.index.sites_by_org.get(self.e.id, ())
        return related_all(info, Site, ids)

    @strawberry.field
    def services(self, info: Info) -> list[Service]:
        ids = info.context.index.services_by_org.get(self.e.id, ())
        return related_all(info, Service, ids)

    @strawberry.field(description=f"Focal points of the organisation. {CONTACTS_HIDDEN}")
    def contacts(self, info: Info) -> list[Contact] | None:
        if not _sees_personal_data(info):
            return None
        ids = info.context.index.contacts_by_org.get(self.e.id, ())
        return related_all(info, Contact, ids)


@strawberry.type(description="A place where an organisation receives people. For the public, a "
                             "confidential site (shelter) shows only its commune.")
class Site(Entry):
    e: strawberry.Private[domain.Site]
    coordinates_precision: CoordinatesPrecision
    confidential: bool

    @strawberry.field(description="Empty for the public when the site is confidential.")
    def name(self, info: Info) -> str:
        return self._public(info).name

    @strawberry.field(description="Empty for the public when the site is confidential.")
    def description(self, info: Info) -> str:
        return self._public(info).description

    @strawberry.field(description="`null` for the public when the site is confidential.")
    def address(self, info: Info) -> str | None:
        return self._public(info).address if self._shown(info) else None

    @strawberry.field(description="`null` for the public when the site is confidential.")
    def lat(self, info: Info) -> float | None:
        return self._public(info).lat

    @strawberry.field(description="`null` for the public when the site is confidential.")
    def lon(self, info: Info) -> float | None:
        return self._public(info).lon

    @strawberry.field
    def commune(self, info: Info) -> Territory | None:
        return territory_of(info, self.e.commune_code)

    @strawberry.field
    def organization(self, info: Info) -> Organization | None:
        return related(info, Organization, self.e.organization_id)

    def _shown(self, info: Info) -> bool:
        return not self.e.confidential or _sees_personal_data(info)

    def _public(self, info: Info) -> domain.Site:
        return public_site(self.e, info.context.principal)


@strawberry.type(description="The territories a service serves.")
class ServiceArea:
    codes: list[str] = strawberry.field(description="HCP codes: communes, provinces, régions.")
    milieu: str | None = strawberry.field(
        description="`urban` or `rural`: only the communes of that type (police, gendarmerie).")
    rule: str = strawberry.field(
        description="`stated`, or the rule that derived it: `provinces_of_sites`, "
                    "`police_urban`, `gendarmerie_rural`, `ressort` (a court of appeal).")


@strawberry.type(description="What an organisation does for children, for whom, when, where.")
class Service(Entry):
    e: strawberry.Private[domain.Service]
    name: str
    name_ar: str
    type: ServiceType
    stages: list[Stage]
    situations: list[Situation] = strawberry.field(
        description="Situations it takes; empty: not stated (ranked after services that "
                    "state the child's).")
    age_min: int | None
    age_max: int | None
    sex: Sex | None
    disability_accepted: bool
    languages: list[Language]
    emergency_24_7: bool
    schedule_note: str
    access: AccessMode
    documents: list[str]
    cost: str
    status: ServiceStatus
    description: str
    area_codes: list[str] = strawberry.field(
        description="HCP codes of the territories served as stated on the entry; empty: "
                    "derived (see `area`).")
    receives_children: bool | None = strawberry.field(
        description="As stated on the entry; null: follows the type (see "
                    "`takesChildren`).")

    @strawberry.field(description="The territories it serves, stated or derived.")
    def area(self, info: Info) -> ServiceArea | None:
        area = info.context.index.snapshot.areas.get(self.e.id)
        return ServiceArea(codes=sorted(area.codes), milieu=area.milieu, rule=area.rule) \
            if area is not None else None

    @strawberry.field(description="Whether a child can be referred here (stated or by type).")
    def takes_children(self) -> bool:
        return receives_children(self.e)

    @strawberry.field
    def hours(self) -> list[Hours]:
        return [Hours(byday=h.byday, opens_at=h.opens_at, closes_at=h.closes_at)
                for h in self.e.hours]

    @strawberry.field(description="Official channels of the service.")
    def channels(self) -> list[Channel]:
        return _channels(self.e.channels)

    @strawberry.field
    def organization(self, info: Info) -> Organization | None:
        return related(info, Organization, self.e.organization_id)

    @strawberry.field(description="Where it is delivered; empty: at its organisation's sites.")
    def sites(self, info: Info) -> list[Site]:
        return related_all(info, Site, self.e.site_ids)

    @strawberry.field(description=f"Focal points of this service. {CONTACTS_HIDDEN}")
    def contacts(self, info: Info) -> list[Contact] | None:
        if not _sees_personal_data(info):
            return None
        ids = info.context.index.contacts_by_service.get(self.e.id, ())
        return related_all(info, Contact, ids)

    @strawberry.field(description="Services this one refers children to (next steps).")
    def referrals_to(self, info: Info) -> list[ReferralLink]:
        ids = info.context.index.links_from.get(self.e.id, ())
        return related_all(info, ReferralLink, ids)

    @strawberry.field(description="Services that refer children to this one.")
    def referrals_from(self, info: Info) -> list[ReferralLink]:
        ids = info.context.index.links_to.get(self.e.id, ())
        return related_all(info, ReferralLink, ids)


@strawberry.type(description="A focal point: a function, optionally a named person. Only "
                             "signed-in professionals see contacts; each read is logged.")
class Contact(Entry):
    e: strawberry.Private[domain.Contact]
    function: str

    @strawberry.field(description="`null` when not signed in.")
    async def person_name(self, info: Info) -> str | None:
        if not await self._read(info):
            return None
        return self.e.person_name

    @strawberry.field(description="`null` when not signed in.")
    async def channels(self, info: Info) -> list[Channel] | None:
        if not await self._read(info):
            return None
        return _channels(self.e.channels)

    @strawberry.field
    def organization(self, info: Info) -> Organization | None:
        return related(info, Organization, self.e.organization_id)

    @strawberry.field
    def service(self, info: Info) -> Service | None:
        if self.e.service_id is None:
            return None
        return related(info, Service, self.e.service_id)

    async def _read(self, info: Info) -> bool:
        """Whether the principal may see personal data; if so, the read is logged."""
        if not _sees_personal_data(info):
            return False
        await info.context.loaders.contact_read.load(self.e.id)
        return True


@strawberry.type(description="An edge of the circuit: a service refers children to another.")
class ReferralLink(Entry):
    e: strawberry.Private[domain.ReferralLink]
    link_kind: LinkKind
    documents: list[str]
    typical_delay_hours: int | None
    description: str

    @strawberry.field
    def from_service(self, info: Info) -> Service | None:
        return related(info, Service, self.e.from_service_id)

    @strawberry.field
    def to_service(self, info: Info) -> Service | None:
        return related(info, Service, self.e.to_service_id)


_TYPES: dict[domain.EntityKind, type[Organization | Site | Service | Contact | ReferralLink]] = {
    "organization": Organization,
    "site": Site,
    "service": Service,
    "contact": Contact,
    "referral_link": ReferralLink,
}


_KINDS: dict[type, domain.EntityKind] = {cls: kind for kind, cls in _TYPES.items()}


def entry_of(entity: domain.AnyEntity) -> Organization | Site | Service | Contact | ReferralLink:
    """The GraphQL object of any exposed entry (memberships are not: KeyError)."""
    return wrap(_TYPES[entity.kind], entity)

