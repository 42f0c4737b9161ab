"""Directory queries: find organisations and services, fetch one, list what is stale.

Filtering runs over the read model (:mod:`.search`), on the event loop: it is
a few milliseconds at most of work in memory over indexes built before the
request (:func:`~.context.build_context`), which a worker thread would not run
any sooner (one interpreter lock) and the hop there and back costs about 0.1 ms
of CPU. Only the page's entries missing from the snapshot are loaded from the
store, in one batch per kind.
"""

from __future__ import annotations

import strawberry

from ..domain import entities as domain
from ..domain.errors import ValidationFailed
from ..domain.validation import search_text_errors
from ..review import entries_of, provinces_of, stale
from ..search import Filter, Near, organization_ids, service_ids
from ..store import run_blocking
from .annuaire import Entry, Organization, Service, entry_of, related, wrap
from .context import Info
from .errors import BadInput, refused_text
from .pagination import Connection, window
from .vocabulary import Language, OrganizationKind, Sector, ServiceType, Situation, Stage

__all__ = ["AnnuaireFilter", "AnnuaireQuery", "NearInput"]

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
        refused_text(search_text_errors("filter.text", self.text))
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
        found = await ctx.loaders.of("organization").load_many(page.keys)
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
        found = await ctx.loaders.of("service").load_many(page.keys)
        return page.connection([wrap(Service, e) for e in found if e is not None])

    @strawberry.field
    def organization(self, info: Info, id: strawberry.ID) -> Organization | None:
        return related(info, Organization, id)

    @strawberry.field
    def service(self, info: Info, id: strawberry.ID) -> Service | None:
        return related(info, Service, id)

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

        def find() -> dict[str, domain.AnyEntity]:  # every entry: off the event loop
            entries = entries_of(ctx.index, with_contacts=ctx.principal.sees_personal_data)
            if province is not None:
                entries = [e for e in entries if province in provinces_of(ctx.index, e)]
            return {f"{e.verified_at or ''} {e.id}": e for e in stale(entries, older_than_days)}

        found = await run_blocking(find)
        page = window(sorted(found), first, after)
        return page.connection([entry_of(found[k]) for k in page.keys])
