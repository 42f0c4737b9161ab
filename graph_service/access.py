"""Who may see and change what: the one policy the API and the web pages both apply.

Roles (issue #4): the public sees institutions, services, hours and official
channels; every signed-in role is a professional of the network and sees
contact persons and confidential addresses (law 09-08: personal data only for
those who need it); an association edits its own organisation only; a
coordinator edits and verifies within their province; an admin does anything.

A write is judged on everything it touches (:func:`check_can_write`): the
entry as stored before the write, the entry as written, and every entry it
newly points to or places itself under (a contact's service, a service's
sites, an organisation's parent…), each by its scope as stored before the
write. So a coordinator gains no province by creating a site somewhere, and an
association cannot hang its entries under another organisation's.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from .domain.entities import (
    AnyEntity,
    Contact,
    EntityKind,
    Membership,
    Organization,
    ReferralLink,
    Service,
    Site,
    User,
)
from .domain.errors import Forbidden
from .store.common import references
from .store.protocol import GraphStore

__all__ = [
    "ANONYMOUS",
    "Principal",
    "Scope",
    "check_can_edit",
    "check_can_verify",
    "check_can_write",
    "public_site",
    "scope_of",
    "verifies_own_edits",
]


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is asking: a signed-in user, or the anonymous public."""

    username: str | None
    role: str
    organization_id: str | None = None
    province_code: str | None = None

    @classmethod
    def of(cls, user: User) -> Principal:
        return cls(user.username, user.role, user.organization_id, user.province_code)

    @property
    def signed_in(self) -> bool:
        return self.username is not None

    @property
    def sees_personal_data(self) -> bool:
        """Contact persons and confidential addresses: signed-in professionals only."""
        return self.signed_in

    @property
    def actor(self) -> str:
        return self.username or "anonymous"


ANONYMOUS = Principal(None, "anonymous")


@dataclass(frozen=True, slots=True)
class Scope:
    """What an entry belongs to, for the policy: its organisation and provinces."""

    organization_id: str | None
    provinces: frozenset[str]


def scope_of(store: GraphStore, entity: AnyEntity) -> Scope:
    """The organisation an entry belongs to and the provinces it is in."""
    org_id = _organization_id(store, entity)
    provinces: set[str] = set()
    if isinstance(entity, Site):
        provinces |= _site_provinces(store, [entity])
    elif org_id is not None:
        org = entity if isinstance(entity, Organization) else store.get("organization", org_id)
        if isinstance(org, Organization) and org.province_code:
            provinces.add(org.province_code)
        sites = [s for s in store.entries("site", where={"organization_id": org_id})
                 if isinstance(s, Site)]
        provinces |= _site_provinces(store, sites)
    return Scope(org_id, frozenset(provinces))


def _organization_id(store: GraphStore, entity: AnyEntity) -> str | None:
    if isinstance(entity, Organization):
        return entity.id
    if isinstance(entity, Site | Service | Contact | Membership):
        return entity.organization_id
    if isinstance(entity, ReferralLink):
        source = store.get("service", entity.from_service_id)
        return source.organization_id if isinstance(source, Service) else None
    raise TypeError(f"no scope for {type(entity).__name__}")


def _site_provinces(store: GraphStore, sites: list[Site]) -> set[str]:
    provinces = set()
    for site in sites:
        commune = store.territory(site.commune_code)
        if commune is not None and commune.province_code:
            provinces.add(commune.province_code)
    return provinces


def public_site(site: Site, principal: Principal) -> Site:
    """The site as ``principal`` may see it: for the public a confidential one (a shelter)
    keeps only its commune — no name, address, coordinates or description."""
    if not site.confidential or principal.sees_personal_data:
        return site
    return dataclasses.replace(site, name="", address="", lat=None, lon=None, description="")


def check_can_edit(principal: Principal, scope: Scope, target: str) -> None:
    """Raise :class:`Forbidden` unless ``principal`` may create or change an entry of ``scope``."""
    if not _may_edit(principal, scope):
        raise Forbidden("edit", target, _EDIT_RULE.get(
            principal.role, f"the {principal.role} role cannot edit the annuaire"))


_EDIT_RULE = {"association": "an association edits its own organisation only",
              "coordinator": "a coordinator edits entries of their own province"}


def _may_edit(principal: Principal, scope: Scope) -> bool:
    if principal.role == "admin":
        return True
    if principal.role == "association":
        return scope.organization_id == principal.organization_id
    if principal.role == "coordinator":
        return _in_province(principal, scope)
    return False


def _in_province(principal: Principal, scope: Scope) -> bool:
    return principal.province_code in scope.provinces


POINTS_AT_ONLY = frozenset({("referral_link", "to_service_id"), ("membership", "body_id")})
"""References that only have to exist: "we refer children to X", "we sit in body X" say
nothing about X, so the writer need not be allowed to edit X (the store checks it exists).
Every other reference places the entry under the referenced one and needs edit rights there."""


def check_can_write(principal: Principal, store: GraphStore, entity: AnyEntity,
                    current: AnyEntity | None) -> None:
    """Raise :class:`Forbidden` unless ``principal`` may write ``entity`` over ``current``.

    ``current`` is the entry as stored (``None`` for a create); the caller has already
    checked it with :func:`check_can_edit` (before validation, so a stranger learns
    nothing from error messages). Here: the entry as written, and every entry it newly
    points to, each scope read from the store before the write, so nothing the write
    adds counts. References an update keeps are not judged again: they were judged when
    set (or set by an operator's import).
    """
    check_can_edit(principal, scope_of(store, entity), f"{entity.kind} {entity.id}")
    for kind, ref_id in _new_references(entity, current):
        referenced = store.get(kind, ref_id)
        if referenced is not None:  # a dangling reference is the store's ValidationFailed
            check_can_edit(principal, scope_of(store, referenced), f"{kind} {ref_id}")


def _new_references(entity: AnyEntity, current: AnyEntity | None) -> list[tuple[EntityKind, str]]:
    """The entries ``entity`` points to that ``current`` did not, except :data:`POINTS_AT_ONLY`."""
    before = set(references(current)) if current is not None else set()
    return [(kind, ref_id) for field, kind, ref_id in references(entity)
            if (field, kind, ref_id) not in before and (entity.kind, field) not in POINTS_AT_ONLY]


def check_can_verify(principal: Principal, scope: Scope, target: str) -> None:
    """Raise :class:`Forbidden` unless ``principal`` may verify an entry of ``scope``."""
    if not (principal.role == "admin"
            or (principal.role == "coordinator" and _in_province(principal, scope))):
        raise Forbidden("verify", target, "coordinators verify entries of their own province, "
                                          "admins any")


def verifies_own_edits(principal: Principal) -> bool:
    """Coordinators' and admins' edits count as verified; an association's wait for review."""
    return principal.role in ("coordinator", "admin")
