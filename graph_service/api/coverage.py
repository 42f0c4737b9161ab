"""``coverage(province, stage)``: how far children live from each stage of the circuit.

Figures come from :mod:`graph_service.coverage`, computed once per annuaire
revision and filter (``cached_coverage``). As for orientation, its frozen
summaries are served as they are, under GraphQL types with the same fields.
"""

from __future__ import annotations

from typing import Annotated, cast

import strawberry

from .. import coverage as figures
from ..domain.errors import FieldError, NotFound, ValidationFailed
from ..snapshot import Snapshot
from ..store import run_blocking
from .context import Info
from .results import NotFoundError, ValidationError
from .vocabulary import ServiceType, Stage

__all__ = ["AreaCoverage", "CoverageQuery"]

MAX_AREA_TEXT = 200


@strawberry.type(description="One commune's children and distance to the nearest provider.")
class CommuneReach:
    code: str
    name_fr: str
    name_ar: str
    province_code: str
    children: int = strawberry.field(description="Estimated residents aged 0–17.")
    distance_km: float | None = strawberry.field(
        description="`null` when no eligible provider exists anywhere.")
    nearest_service_id: str | None
    nearest_service_name: str | None
    nearest_organization_name: str | None


@strawberry.type(description="One stage in one area: providers there, children by distance.")
class StageCoverage:
    stage: Stage
    label_fr: str
    label_ar: str
    providers: int = strawberry.field(description="Eligible services inside the area.")
    children: int
    children_within_10_km: int
    children_within_30_km: int
    children_within_60_km: int
    children_beyond_30_km: int
    farthest: list[CommuneReach] = strawberry.field(
        description="Communes beyond 30 km with the most children, most first.")
    gap: bool = strawberry.field(description="No eligible provider inside the area.")


@strawberry.type(description="Coverage of a province, a région or the country (`national`).")
class AreaCoverage:
    summary: strawberry.Private[figures.AreaSummary]

    @strawberry.field(description="HCP code; empty for the country.")
    def code(self) -> str:
        return self.summary.code

    @strawberry.field
    def level(self) -> str:
        return self.summary.level

    @strawberry.field
    def name_fr(self) -> str:
        return self.summary.name_fr

    @strawberry.field
    def name_ar(self) -> str:
        return self.summary.name_ar

    @strawberry.field
    def communes(self) -> int:
        return self.summary.communes

    @strawberry.field
    def children(self) -> int:
        return self.summary.children

    @strawberry.field
    def stages(self) -> list[StageCoverage]:
        return [cast(StageCoverage, s) for s in self.summary.stages]

    @strawberry.field(description="Stages with no eligible provider inside the area.")
    def missing_stages(self) -> list[Stage]:
        return list(self.summary.missing_stages)


CoverageResult = Annotated[AreaCoverage | ValidationError | NotFoundError,
                           strawberry.union("CoverageResult")]


@strawberry.type
class CoverageQuery:
    @strawberry.field(description="Children's distance to each stage (or one), for a province "
                                  "or région (HCP code or name) or, when omitted, the country.")
    async def coverage(
        self, info: Info, province: str | None = None, stage: Stage | None = None,
        service_type: ServiceType | None = None,
    ) -> CoverageResult:
        snapshot = info.context.index.snapshot

        def compute() -> figures.AreaSummary:
            if province is not None and len(province) > MAX_AREA_TEXT:
                raise ValidationFailed([FieldError(
                    "province", f"at most {MAX_AREA_TEXT} characters")])
            area = None
            if province is not None:
                level = "region" if _is_region(snapshot, province) else "province"
                area = figures.resolve_area(snapshot, province, level).code
            cov = figures.cached_coverage(snapshot, stages=[stage] if stage else None,
                                          service_type=service_type)
            return figures.summarize(cov, area)

        try:
            summary = await run_blocking(compute)
        except ValidationFailed as exc:
            return ValidationError.of(exc)
        except NotFound as exc:
            return NotFoundError.of(exc)
        return AreaCoverage(summary=summary)


def _is_region(snapshot: Snapshot, text: str) -> bool:
    territory = snapshot.territories.get(text.strip())
    return territory is not None and territory.level == "region"
