"""Who may see and change what: the one policy the API and the web pages both apply.

Roles (issue #4): the public sees institutions, services, hours and official
channels; every signed-in role is a professional of the network and sees
contact persons and confidential addresses (law 09-08: personal data only for
those who need it); an association edits its own organisation only; a
coordinator edits and verifies within their province; an admin does anything.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from .domain.entities import (
    AnyEntity,
    Contact,
    Membership,
    Organization,
    ReferralLink,
    Service,
    Site,
    User,
)
from .domain.errors import Forbidden
from .store.protocol import GraphStore

__all__ = [
    "ANONYMOUS",
    "Principal",
    "Scope",
    "check_can_edit",
    "check_can_verify",
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
        org = store.get("organization", org_id)
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
    if principal.role == "admin":
        return
    if principal.role == "association":
        if principal.organization_id and scope.organization_id == principal.organization_id:
            return
        raise Forbidden("edit", target, "an association edits its own organisation only")
    if principal.role == "coordinator":
        if principal.province_code and principal.province_code in scope.provinces:
            return
        raise Forbidden("edit", target, "a coordinator edits entries of their own province")
    raise Forbidden("edit", target, f"the {principal.role} role cannot edit the annuaire")


def check_can_verify(principal: Principal, scope: Scope, target: str) -> None:
    """Raise :class:`Forbidden` unless ``principal`` may verify an entry of ``scope``."""
    if principal.role == "admin":
        return
    if principal.role == "coordinator":
        if principal.province_code and principal.province_code in scope.provinces:
            return
        raise Forbidden("verify", target, "a coordinator verifies entries of their own province")
    raise Forbidden("verify", target, "only coordinators and admins verify entries")


def verifies_own_edits(principal: Principal) -> bool:
    """Coordinators' and admins' edits count as verified; an association's wait for review."""
    return principal.role in ("coordinator", "admin")
