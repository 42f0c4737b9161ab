"""What orientation answers: a plain, frozen tree every interface renders.

The CLI prints it, GraphQL and the web pages will render the very same object,
and :meth:`Plan.to_json` gives its JSON form: sorted keys, no timestamp, no
revision, distances rounded to 100 m, so that the same question over the same
annuaire gives the same bytes. A confidential site (a shelter) appears only as
its commune: its own coordinates and address never leave the service.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass

from ..domain.entities import Channel, Hours, Territory
from ..domain.messages import Message

__all__ = [
    "Area",
    "EmergencyNumber",
    "Gap",
    "LinkRef",
    "Location",
    "Named",
    "Plan",
    "ServiceChoice",
    "Situation",
    "StagePlan",
    "area",
]


@dataclass(frozen=True, slots=True)
class Named:
    """An organisation by id, name, sector and Arabic name (``""`` when it has none)."""

    id: str
    name: str
    sector: str = ""
    name_ar: str = ""


@dataclass(frozen=True, slots=True)
class Area:
    """A territory by HCP code, French and Arabic name."""

    code: str
    name: str
    name_ar: str = ""


def area(territory: Territory) -> Area:
    """The plan's reference to a territory."""
    return Area(territory.code, territory.name_fr, territory.name_ar)


@dataclass(frozen=True, slots=True)
class LinkRef:
    """The established referral from the previous stage's service to this one.

    ``id`` is the link leaving the previous service; when the referral passes
    through an intermediate service (``via_service_id``), ``kind`` is the weaker
    of the two links and ``typical_delay_hours`` their sum (unknown if either is).
    """

    id: str
    from_service_id: str
    kind: str
    typical_delay_hours: int | None
    via_service_id: str | None = None


@dataclass(frozen=True, slots=True)
class ServiceChoice:
    """A service proposed for a stage, with where to go and what to bring.

    ``location_precision`` is ``exact`` (the site's own point), ``commune`` (the
    commune's point: no exact coordinates, or a confidential site) or
    ``province`` (a service known only by its organisation's province).
    ``documents`` are those the referral link asks for, then the service's own.
    ``competent`` is whether an authority's jurisdiction covers the child (``None``
    for services competence does not apply to); ``out_of_area`` marks a service
    proposed outside the area it serves; ``verified`` whether a coordinator confirmed
    the entry since its last change.
    """

    id: str
    name: str
    name_ar: str
    type: str
    organization: Named
    site_id: str | None
    address: str
    commune: Area | None
    province: Area
    lat: float
    lon: float
    location_precision: str
    confidential: bool
    distance_km: float
    in_province: bool
    emergency_24_7: bool
    hours: tuple[Hours, ...]
    schedule_note: str
    access: str
    documents: tuple[str, ...]
    channels: tuple[Channel, ...]
    linked_from: LinkRef | None
    reasons: tuple[Message, ...]
    competent: bool | None
    out_of_area: bool
    verified: bool
    receives_children: bool


@dataclass(frozen=True, slots=True)
class StagePlan:
    """One remaining stage: the recommended service and ranked alternatives, or why there is none.

    ``reasons`` are about the stage (why it applies, why no provider was found
    in the province); each service carries its own reasons. ``skipped`` is set
    (and ``service`` is ``None``) when the situation does not go through this stage.
    """

    stage: str
    label: str
    service: ServiceChoice | None
    alternatives: tuple[ServiceChoice, ...]
    reasons: tuple[Message, ...]
    skipped: Message | None = None


@dataclass(frozen=True, slots=True)
class Gap:
    """A stage with no eligible provider of the child's area.

    ``kind`` (:data:`~graph_service.domain.taxonomy.GAP_KINDS`): ``competent_missing``
    (a jurisdiction stage: ``institution`` names the competent one, absent from the
    annuaire, and nothing is proposed), ``none_in_province`` (out-of-area services
    within the distance asked are proposed; ``nearest`` is the nearest of them) or
    ``beyond_max_km`` (``nearest`` is given for information, not proposed).
    """

    stage: str
    kind: str
    province: Area
    nearest: ServiceChoice | None
    distance_km: float | None
    reason: Message
    institution: str = ""
    institution_ar: str = ""


@dataclass(frozen=True, slots=True)
class EmergencyNumber:
    """A public national short number, shown with every urgent plan."""

    number: str
    label: str
    label_ar: str


@dataclass(frozen=True, slots=True)
class Situation:
    """The question, echoed: a situation, never an identity."""

    situations: tuple[str, ...]
    age: int | None
    sex: str | None
    urgent: bool
    disability: bool
    language: str | None
    start_stage: str
    max_km: float


@dataclass(frozen=True, slots=True)
class Location:
    """Where the child is: a commune (or only a province), and the point distances start from."""

    commune: Area | None
    province: Area
    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class Plan:
    situation: Situation
    location: Location
    stages: tuple[StagePlan, ...]
    gaps: tuple[Gap, ...]
    emergency_numbers: tuple[EmergencyNumber, ...] = ()

    def to_json(self, indent: int | None = 2) -> str:
        """The plan as JSON with sorted keys: byte-identical for the same question and data."""
        return json.dumps(dataclasses.asdict(self), sort_keys=True, ensure_ascii=False,
                          indent=indent)
