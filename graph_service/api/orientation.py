"""``orientation(input)``: the plan of :func:`graph_service.orientation.orient`, as in the CLI.

The input is a situation and a place, never an identity: there is no field a
child's name, birth date or address could go in, and nothing is stored. The
plan's frozen dataclasses are served as they are: the GraphQL types below
declare their fields under the same names and GraphQL reads them by attribute
(these types implement no interface, so no type check applies), hence the API
cannot drift from the plan; ``json`` is :meth:`~graph_service.orientation.Plan.to_json`.
"""

from __future__ import annotations

from typing import Annotated, cast

import strawberry

from .. import orientation as planning
from ..domain.eligibility import Need
from ..domain.errors import ValidationFailed
from ..domain.taxonomy import STAGE_ORDER
from ..store import run_blocking
from .annuaire import Channel, Hours, Service, related
from .context import Info
from .results import ValidationError
from .vocabulary import (
    AccessMode,
    GapKind,
    Language,
    LinkKind,
    Sector,
    ServiceType,
    Sex,
    Situation,
    Stage,
)

__all__ = ["OrientationInput", "OrientationPlan", "OrientationQuery"]


@strawberry.input(description="A situation and where the child is — never who. Give exactly "
                              "one place: a commune, a province, or lat/lon.")
class OrientationInput:
    situations: list[Situation]
    age: int | None = None
    sex: Sex | None = None
    urgent: bool = False
    disability: bool = False
    language: Language | None = None
    commune: str | None = strawberry.field(
        default=None, description="HCP code or name, French or Arabic (« Salé », « سلا »).")
    province: str | None = strawberry.field(default=None, description="HCP code or name.")
    lat: float | None = None
    lon: float | None = None
    start_stage: Stage | None = strawberry.field(
        default=None, description="The stage the child has reached; default the first.")
    max_km: float | None = None
    alternatives: int = 3

    def request(self) -> planning.Request:
        """The orientation request; :class:`ValidationFailed` names every bad field."""
        need = Need(situations=tuple(self.situations), age=self.age, sex=self.sex,
                    urgent=self.urgent, disability=self.disability, language=self.language)
        where = planning.Where(commune=self.commune, province=self.province, lat=self.lat,
                               lon=self.lon)
        return planning.Request(need, where, start_stage=self.start_stage or STAGE_ORDER[0],
                                max_km=self.max_km, alternatives=self.alternatives)


@strawberry.type(name="Area", description="A territory by HCP code, French and Arabic name.")
class AreaRef:
    code: str
    name: str
    name_ar: str


@strawberry.type(description="An organisation by id, name and sector.")
class OrganizationRef:
    id: str
    name: str
    sector: Sector
    name_ar: str = strawberry.field(description="Arabic name; empty when it has none.")


@strawberry.type(description="The referral from the previous stage's service to this one; "
                             "through `viaServiceId` when it passes by an intermediate service.")
class LinkRef:
    id: str
    from_service_id: str
    kind: LinkKind
    typical_delay_hours: int | None
    via_service_id: str | None


@strawberry.type(description="A service proposed for a stage. For a confidential site only the "
                             "commune is given (`locationPrecision: commune`, empty address).")
class ServiceChoice:
    id: str
    name: str
    name_ar: str = strawberry.field(description="Arabic name; empty when it has none.")
    type: ServiceType
    organization: OrganizationRef
    site_id: str | None
    address: str
    commune: AreaRef | None
    province: AreaRef
    lat: float
    lon: float
    location_precision: str = strawberry.field(description="exact, commune or province.")
    confidential: bool
    distance_km: float
    in_province: bool
    emergency_24_7: bool
    hours: list[Hours]
    schedule_note: str
    access: AccessMode
    documents: list[str] = strawberry.field(description="What to bring: the link's, then the "
                                                        "service's own.")
    channels: list[Channel]
    linked_from: LinkRef | None
    reasons: list[str]
    competent: bool | None = strawberry.field(
        description="An authority (court, police, gendarmerie) whose jurisdiction covers the "
                    "child; `null` where competence does not apply.")
    out_of_area: bool = strawberry.field(
        description="Proposed outside the area it serves (none of the child's area is "
                    "eligible), within `maxKm`.")
    verified: bool = strawberry.field(
        description="Confirmed by a coordinator since its last change; false: « à vérifier ».")
    receives_children: bool

    @strawberry.field(description="The full annuaire entry (contacts for professionals).")
    def service(self, info: Info) -> Service | None:
        return related(info, Service, self.id)


@strawberry.type(description="One remaining stage: the recommended service and alternatives, "
                             "or why there is none (`skipped`).")
class StagePlan:
    stage: Stage
    label: str
    service: ServiceChoice | None
    alternatives: list[ServiceChoice]
    reasons: list[str]
    skipped: str | None


@strawberry.type(name="OrientationGap",
                 description="A stage with no eligible provider of the child's area.")
class Gap:
    stage: Stage
    kind: GapKind
    province: AreaRef
    nearest: ServiceChoice | None = strawberry.field(
        description="`competent_missing`: none; `none_in_province`: the nearest service "
                    "proposed out of area; `beyond_max_km`: for information only, not proposed.")
    distance_km: float | None
    reason: str
    institution: str = strawberry.field(
        description="`competent_missing`: the competent institution absent from the annuaire.")
    institution_ar: str


@strawberry.type(description="A public national short number, shown with urgent plans.")
class EmergencyNumber:
    number: str
    label: str
    label_ar: str


@strawberry.type(description="The question, echoed.")
class OrientationQuestion:
    situations: list[Situation]
    age: int | None
    sex: Sex | None
    urgent: bool
    disability: bool
    language: Language | None
    start_stage: Stage
    max_km: float = strawberry.field(description="How far an out-of-area service may be "
                                                 "proposed (the deployment's default if unset).")


@strawberry.type(description="Where the child is and the point distances start from.")
class Location:
    commune: AreaRef | None
    province: AreaRef
    lat: float
    lon: float


@strawberry.type(description="The plan: per remaining stage of the circuit, where to refer.")
class OrientationPlan:
    plan: strawberry.Private[planning.Plan]

    @strawberry.field
    def situation(self) -> OrientationQuestion:
        return cast(OrientationQuestion, self.plan.situation)

    @strawberry.field
    def location(self) -> Location:
        return cast(Location, self.plan.location)

    @strawberry.field
    def stages(self) -> list[StagePlan]:
        return [cast(StagePlan, s) for s in self.plan.stages]

    @strawberry.field
    def gaps(self) -> list[Gap]:
        return [cast(Gap, g) for g in self.plan.gaps]

    @strawberry.field(description="Police 19, gendarmerie 177, protection civile 15: given "
                                  "with every urgent plan.")
    def emergency_numbers(self) -> list[EmergencyNumber]:
        return [cast(EmergencyNumber, n) for n in self.plan.emergency_numbers]

    @strawberry.field(description="The plan as the CLI prints it (sorted keys, deterministic).")
    def json(self) -> str:
        return self.plan.to_json()


OrientationResult = Annotated[OrientationPlan | ValidationError,
                              strawberry.union("OrientationResult")]


@strawberry.type
class OrientationQuery:
    @strawberry.field(description="Where to refer a child in this situation, stage by stage.")
    async def orientation(self, info: Info, input: OrientationInput) -> OrientationResult:
        snapshot = info.context.index.snapshot
        try:
            request = input.request()
            plan = await run_blocking(planning.orient, snapshot, request)
        except ValidationFailed as exc:
            return ValidationError.of(exc)
        return OrientationPlan(plan=plan)
