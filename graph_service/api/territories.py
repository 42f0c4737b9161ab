"""Régions, provinces/préfectures and communes (HCP codes), read from the snapshot."""

from __future__ import annotations

import strawberry

from ..domain import entities as domain
from ..domain.validation import search_text_errors
from ..store import run_blocking
from ..text import search_key
from .context import Info
from .errors import refused_text
from .pagination import Connection, window
from .vocabulary import TerritoryLevel

__all__ = ["Territory", "TerritoryQuery", "territory_of"]


@strawberry.type(description="An HCP territory with its 2024 census figures.")
class Territory:
    t: strawberry.Private[domain.Territory]

    @strawberry.field(description="HCP code, e.g. `04.441` (province) or `04.441.01.0`.")
    def code(self) -> str:
        return self.t.code

    @strawberry.field
    def level(self) -> TerritoryLevel:
        return self.t.level

    @strawberry.field
    def name_fr(self) -> str:
        return self.t.name_fr

    @strawberry.field
    def name_ar(self) -> str:
        return self.t.name_ar

    @strawberry.field(description="Commune type (urbaine, rurale...), empty above communes.")
    def type(self) -> str:
        return self.t.type

    @strawberry.field
    def population(self) -> int:
        return self.t.population

    @strawberry.field(description="Estimated residents aged 0–17 (census age structure).")
    def child_population(self) -> int:
        return self.t.children

    @strawberry.field
    def lat(self) -> float | None:
        return self.t.lat

    @strawberry.field
    def lon(self) -> float | None:
        return self.t.lon

    @strawberry.field(description="The province (for a commune) or région (for a province).")
    def parent(self, info: Info) -> Territory | None:
        return territory_of(info, self.t.parent_code)


def territory_of(info: Info, code: str | None) -> Territory | None:
    """The territory of a code, from the request's snapshot; None when unknown."""
    found = info.context.index.snapshot.territories.get(code) if code else None
    return Territory(t=found) if found else None


@strawberry.type
class TerritoryQuery:
    @strawberry.field(description="One territory by HCP code.")
    def territory(self, info: Info, code: str) -> Territory | None:
        return territory_of(info, code)

    @strawberry.field(description="Territories by code, filtered; `text` matches FR or AR names "
                                  "ignoring accents and case (« sale », « Salé », « سلا »).")
    async def territories(
        self,
        info: Info,
        level: TerritoryLevel | None = None,
        parent_code: str | None = None,
        text: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Territory]:
        refused_text(search_text_errors("text", text))
        index = info.context.index
        territories = index.snapshot.territories

        def matching() -> list[str]:  # every territory: off the event loop
            words = search_key(text).split() if text else []
            return [
                code for code, t in sorted(territories.items())
                if (level is None or t.level == level)
                and (parent_code is None or t.parent_code == parent_code)
                and all(w in index.territory_keys[code] for w in words)
            ]

        page = window(await run_blocking(matching), first, after)
        return page.connection([Territory(t=territories[c]) for c in page.keys])
