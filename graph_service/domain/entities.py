"""The things the annuaire holds, as immutable values.

Entities are frozen so that a store can hand the same object to many readers
(the orientation graph, GraphQL loaders) without anyone mutating shared state;
a change is always ``dataclasses.replace`` + an explicit store write carrying
the version it was based on. Nothing here describes a child: orientation input
lives in :mod:`graph_service.orientation` and is never stored.
"""

from __future__ import annotations

import dataclasses
import sys
import types
import typing
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

REFERENCE_SCHEME = "reference"
"""Identifier scheme of the reference entries (``reference:backbone:<row id>``)."""

EntityKind = Literal["organization", "site", "service", "contact", "referral_link", "membership"]
ENTITY_KINDS: tuple[EntityKind, ...] = typing.get_args(EntityKind)


@dataclass(frozen=True, slots=True, kw_only=True)
class Channel:
    """An official way to reach an institution or a person (phone in E.164, e-mail, URL)."""

    kind: str
    value: str
    label: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Hours:
    """A weekly opening slot, in the iCalendar day codes HSDS schedules use (``MO,TU``)."""

    byday: str
    opens_at: str
    closes_at: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Territory:
    """A région, province/préfecture or commune, with the census figures coverage needs.

    ``children`` is an estimate of residents aged 0–17 from the 2024 census age
    structure of the commune (see :mod:`graph_service.territories`).
    """

    code: str
    level: str
    name_fr: str
    name_ar: str
    parent_code: str | None = None
    region_code: str | None = None
    province_code: str | None = None
    type: str = ""
    population: int = 0
    children: int = 0
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Entity:
    """Fields every annuaire entry carries.

    ``version`` drives optimistic concurrency. ``last_modified`` changes on every
    edit, while ``verified_at``/``verified_by`` record that a coordinator checked
    the entry: a verification is not an edit, and an edit after the last
    verification makes the entry unverified again (see :attr:`is_verified`).
    """

    kind: ClassVar[EntityKind]
    id: str
    version: int = 0
    last_modified: str = ""
    verified_at: str | None = None
    verified_by: str | None = None
    created_by: str | None = None
    """Who created the entry through the pages or the API; ``None`` for imports and the
    seed. A coordinator reviews what people create, not what an operator imported."""

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None and self.verified_at >= self.last_modified


@dataclass(frozen=True, slots=True, kw_only=True)
class Organization(Entity):
    kind: ClassVar[EntityKind] = "organization"
    name: str
    name_ar: str = ""
    org_kind: str
    sector: str
    parent_id: str | None = None
    province_code: str | None = None
    description: str = ""
    website: str = ""
    email: str = ""
    channels: tuple[Channel, ...] = ()
    identifiers: tuple[str, ...] = ()

    @property
    def is_reference(self) -> bool:
        """A reference entry of the national backbone (``seed/reference``): an institution
        known by its kind and seat only, until a coordinator confirms its details."""
        return any(i.startswith(REFERENCE_SCHEME + ":") for i in self.identifiers)


@dataclass(frozen=True, slots=True, kw_only=True)
class Site(Entity):
    """A physical location; ``confidential`` hides everything but the commune from the public."""

    kind: ClassVar[EntityKind] = "site"
    organization_id: str
    name: str
    address: str = ""
    commune_code: str
    lat: float | None = None
    lon: float | None = None
    coordinates_precision: str = "commune"
    confidential: bool = False
    description: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Service(Entity):
    kind: ClassVar[EntityKind] = "service"
    organization_id: str
    name: str
    name_ar: str = ""
    type: str
    stages: tuple[str, ...] = ()
    situations: tuple[str, ...] = ()
    site_ids: tuple[str, ...] = ()
    age_min: int | None = None
    age_max: int | None = None
    sex: str | None = None
    disability_accepted: bool = False
    languages: tuple[str, ...] = ()
    emergency_24_7: bool = False
    hours: tuple[Hours, ...] = ()
    schedule_note: str = ""
    access: str = "drop_in"
    documents: tuple[str, ...] = ()
    cost: str = ""
    status: str = "active"
    description: str = ""
    channels: tuple[Channel, ...] = ()
    area_codes: tuple[str, ...] = ()
    """HCP codes (communes, provinces, régions) of the territories served; empty: derived
    by :func:`graph_service.domain.competence.derive_area`."""
    receives_children: bool | None = None
    """Whether a child can be referred here; ``None``: follows the service type
    (:func:`graph_service.domain.competence.receives_children`)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Contact(Entity):
    """A focal point: a function, optionally a person. Personal data (law 09-08): never public."""

    kind: ClassVar[EntityKind] = "contact"
    organization_id: str
    service_id: str | None = None
    function: str
    person_name: str = ""
    channels: tuple[Channel, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class ReferralLink(Entity):
    """An edge of the circuit: a service refers children to another one."""

    kind: ClassVar[EntityKind] = "referral_link"
    from_service_id: str
    to_service_id: str
    link_kind: str = "practice"
    documents: tuple[str, ...] = ()
    typical_delay_hours: int | None = None
    description: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Membership(Entity):
    """An organisation's seat in a coordination body (CPPE, CAPE network, CCPES)."""

    kind: ClassVar[EntityKind] = "membership"
    organization_id: str
    body_id: str
    role: str = ""


AnyEntity = Organization | Site | Service | Contact | ReferralLink | Membership

ENTITY_CLASSES: dict[EntityKind, type[AnyEntity]] = {
    "organization": Organization,
    "site": Site,
    "service": Service,
    "contact": Contact,
    "referral_link": ReferralLink,
    "membership": Membership,
}

REFERENCES: dict[EntityKind, dict[str, EntityKind]] = {
    "organization": {"parent_id": "organization"},
    "site": {"organization_id": "organization"},
    "service": {"organization_id": "organization", "site_ids": "site"},
    "contact": {"organization_id": "organization", "service_id": "service"},
    "referral_link": {"from_service_id": "service", "to_service_id": "service"},
    "membership": {"organization_id": "organization", "body_id": "organization"},
}
"""Which fields point at which kind: the edges of the graph, used by every store."""


READ_CONTACTS = "read_contacts"
"""Audit action: a professional read a contact's personal data (law 09-08)."""
SIGN_IN, SIGN_IN_FAILED = "sign_in", "sign_in_failed"
"""Audit actions of a sign-in (``after`` holds the client address; never the password)."""
REQUEST_CORRECTION = "request_correction"
"""Audit action: a coordinator sent an entry back to its organisation with a message
(``after`` holds ``message`` and the ``version`` it is about). It writes nothing to the entry;
the request stays open until the entry is next updated, verified or deleted."""


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditEntry:
    """One audited event: a write (create, update, verify, delete) or a read of contact data."""

    seq: int
    at: str
    actor: str
    action: str
    entity_kind: str
    entity_id: str
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class User:
    """A signed-in professional. Only the argon2 hash of the password is kept."""

    username: str
    role: str
    password_hash: str
    organization_id: str | None = None
    province_code: str | None = None
    created_at: str = ""


ROLES = ("professional", "association", "coordinator", "admin")


@dataclass(frozen=True, slots=True)
class Counts:
    organizations: int = 0
    sites: int = 0
    services: int = 0
    contacts: int = 0
    referral_links: int = 0
    memberships: int = 0
    regions: int = 0
    provinces: int = 0
    communes: int = 0


# --- records: the plain-JSON form every store persists -----------------------------

_NESTED: dict[str, type[Channel] | type[Hours]] = {"channels": Channel, "hours": Hours}


def to_record(entity: AnyEntity | Territory) -> dict[str, Any]:
    """Plain JSON-able dict of an entity (tuples as lists, nested values as dicts)."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(entity):
        value = getattr(entity, f.name)
        if isinstance(value, tuple):
            value = [_plain(v) for v in value]
        out[f.name] = value
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, Channel | Hours):
        return dataclasses.asdict(value)
    return value


def from_record(kind: EntityKind, record: dict[str, Any]) -> AnyEntity:
    """Rebuild an entity from :func:`to_record` output; unknown keys are ignored."""
    cls = ENTITY_CLASSES[kind]
    return cls(**_coerce(cls, record))


def territory_from_record(record: dict[str, Any]) -> Territory:
    return Territory(**_coerce(Territory, record))


def _coerce(cls: type, record: dict[str, Any]) -> dict[str, Any]:
    """The fields of ``cls`` found in ``record``, tuples and nested values rebuilt and
    strings shared (:func:`_shared`)."""
    kwargs: dict[str, Any] = {}
    for name, as_tuple, nested in _shapes(cls):
        if name not in record:
            continue
        value = record[name]
        if as_tuple and value is not None:
            value = tuple(nested(**{k: _shared(x) for k, x in v.items()})
                          if nested is not None and isinstance(v, dict) else _shared(v)
                          for v in value)
        else:
            value = _shared(value)
        kwargs[name] = value
    return kwargs


_SHARED_MAX = 120
"""Longer texts (descriptions) are rarely repeated: they are not looked up."""


def _shared(value: Any) -> Any:
    """``value``, the same string object as every equal one if it is a short string:
    entries read back repeat the same ids, codes and dates (171,000 links name 43,000
    services; every service lists its stage and situation codes), and decoding makes a
    new string each time — a hundred MiB of copies in a national snapshot."""
    if value.__class__ is str and len(value) <= _SHARED_MAX:
        return sys.intern(value)
    return value


_SHAPES: dict[type, tuple[tuple[str, bool, type[Channel] | type[Hours] | None], ...]] = {}


def _shapes(cls: type) -> tuple[tuple[str, bool, type[Channel] | type[Hours] | None], ...]:
    """Each field of ``cls``: its name, whether it is a tuple, of which nested class."""
    if cls not in _SHAPES:
        tuples = _tuple_fields(cls)
        _SHAPES[cls] = tuple((f.name, f.name in tuples, _NESTED.get(f.name))
                             for f in dataclasses.fields(cls))
    return _SHAPES[cls]


def _tuple_fields(cls: type) -> frozenset[str]:
    hints = typing.get_type_hints(cls)
    return frozenset(name for name, hint in hints.items()
                     if typing.get_origin(hint) is tuple
                     or (isinstance(hint, types.GenericAlias) and hint.__origin__ is tuple))
