"""Directory queries: find organisations and services, fetch one, list what is stale.

Filtering runs over the read model (:mod:`.search`); only the page's entries
are loaded from the store, in one batch per kind.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

import strawberry

from ..domain import entities as domain
from ..domain.errors import ValidationFailed
from ..store import run_blocking
from .annuaire import Entry, Organization, Service, entry_of, wrap
from .context import Info
from .errors import BadInput
from .pagination import Connection, window
from .search import Filter, Index, Near, organization_ids, service_ids
from .vocabulary import Language, OrganizationKind, Sector, ServiceType, Situation, Stage

__all__ = ["AnnuaireFilter", "AnnuaireQuery", "NearInput"]

MAX_TEXT = 200
MAX_DAYS = 36500


@strawberry.input(description="A circle around a point, e.g. where the child is.")
class NearInput:
    lat: float
    lon: float
    radius_km: float = 10.0


@strawberry.input(description="Criteria that must all hold. `text` ignores accents and case and "
                               "matches French and Arabic names.")
class AnnuaireFilter:
    province: str | None = strawberry.field(default=None, description="HCP province code.")
    commune: str | None = strawberry.field(default=None, description="HCP commune code.")
    sector: Sector | None = None
    org_kind: OrganizationKind | None = None
    service_type: ServiceType | None = None
    stage: Stage | None = None
    situation: Situation | None = None
    language: Language | None = None
    text: str | None = None
    near: NearInput | None = None

    def domain(self) -> Filter:
        """The search filter, checked; a bad value is a :class:`BadInput` naming it."""
        if self.text is not None and len(self.text) > MAX_TEXT:
            raise BadInput(f"filter.text: at most {MAX_TEXT} characters")
        try:
            near = (Near(self.near.lat, self.near.lon, self.near.radius_km)
                    if self.near is not None else None)
        except ValidationFailed as exc:
            raise BadInput("; ".join(f"filter.{e.field}: {e.message}" for e in exc.errors)) \
                from exc
        return Filter(province=self.province, commune=self.commune, sector=self.sector,
                      org_kind=self.org_kind, service_type=self.service_type, stage=self.stage,
                      situation=self.situation, language=self.language, text=self.text,
                      near=near)


_NO_FILTER = Filter()


@strawberry.type
class AnnuaireQuery:
    @strawberry.field(description="Organisations matching a filter, by id.")
    async def organizations(
        self, info: Info, filter: AnnuaireFilter | None = None,
        first: int | None = None, after: str | None = None,
    ) -> Connection[Organization]:
        ctx = info.context
        ids = organization_ids(ctx.index, filter.domain() if filter else _NO_FILTER,
                               exact_places=ctx.principal.sees_personal_data)
        page = window(ids, first, after)
        found = await ctx.loaders.organization.load_many(page.keys)
        return page.connection([wrap(Organization, e) for e in found if e is not None])

    @strawberry.field(description="Services matching a filter, by id.")
    async def services(
        self, info: Info, filter: AnnuaireFilter | None = None,
        first: int | None = None, after: str | None = None,
    ) -> Connection[Service]:
        ctx = info.context
        ids = service_ids(ctx.index, filter.domain() if filter else _NO_FILTER,
                          exact_places=ctx.principal.sees_personal_data)
        page = window(ids, first, after)
        found = await ctx.loaders.service.load_many(page.keys)
        return page.connection([wrap(Service, e) for e in found if e is not None])

    @strawberry.field
    async def organization(self, info: Info, id: strawberry.ID) -> Organization | None:
        found = await info.context.loaders.organization.load(id)
        return wrap(Organization, found) if found else None

    @strawberry.field
    async def service(self, info: Info, id: strawberry.ID) -> Service | None:
        found = await info.context.loaders.service.load(id)
        return wrap(Service, found) if found else None

    @strawberry.field(description="Entries not verified for `olderThanDays` days (or never), "
                                  "never-verified first, then oldest verification first. "
                                  "Contacts are listed to signed-in users only.")
    async def stale_entries(
        self, info: Info, older_than_days: int, province: str | None = None,
        first: int | None = None, after: str | None = None,
    ) -> Connection[Entry]:
        if not 0 <= older_than_days <= MAX_DAYS:
            raise BadInput(f"olderThanDays: must be between 0 and {MAX_DAYS}")
        ctx = info.context
        cutoff = (datetime.now(UTC) - timedelta(days=older_than_days)).strftime(
            "%Y-%m-%dT%H:%M:%S.%fZ")

        def stale() -> dict[str, domain.AnyEntity]:  # every entry: off the event loop
            return {
                f"{e.verified_at or ''} {e.id}": e
                for e in _entries(ctx.index, with_contacts=ctx.principal.sees_personal_data)
                if (e.verified_at is None or e.verified_at < cutoff)
                and (province is None or province in _provinces(ctx.index, e))
            }

        found = await run_blocking(stale)
        page = window(sorted(found), first, after)
        return page.connection([entry_of(found[k]) for k in page.keys])


def _entries(index: Index, *, with_contacts: bool) -> list[domain.AnyEntity]:
    snap = index.snapshot
    tables: list[Iterable[domain.AnyEntity]] = [
        snap.organizations.values(), snap.sites.values(), snap.services.values(),
        snap.links.values()]
    if with_contacts:
        tables.append(snap.contacts.values())
    return [e for table in tables for e in table]


def _provinces(index: Index, entity: domain.AnyEntity) -> set[str]:
    """Provinces an entry is in, from the read model (for coordinators' lists)."""
    snap = index.snapshot
    if isinstance(entity, domain.Site):
        commune = snap.territories.get(entity.commune_code)
        return {commune.province_code} if commune and commune.province_code else set()
    if isinstance(entity, domain.Service):
        return {p.province_code for p in snap.places.get(entity.id, ())}
    if isinstance(entity, domain.ReferralLink):
        source = snap.services.get(entity.from_service_id)
        return _provinces(index, source) if source else set()
    org_id = entity.id if isinstance(entity, domain.Organization) else entity.organization_id
    org = snap.organizations.get(org_id)
    provinces = {p.province_code for p in index.org_places.get(org_id, ())}
    if org is not None and org.province_code:
        provinces.add(org.province_code)
    return provinces

