"""The controlled vocabularies as GraphQL enums, plus their French and Arabic labels.

Enums make the schema itself list every valid code, so a client cannot send
an unknown stage or situation: GraphQL refuses it before any resolver runs.
Enum values are the taxonomy codes unchanged (``prise_en_charge``), the same
codes the CLI, the HSDS export and the store use. They are built from
:mod:`graph_service.domain.taxonomy`, never copied; their members are ``str``,
so resolvers and the domain handle them as plain codes (mypy sees ``str``).
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import TYPE_CHECKING, TypeAlias, cast

import strawberry

from ..domain.taxonomy import (
    ACCESS_MODES,
    AGE_BANDS,
    CHANNEL_KINDS,
    COORDINATES_PRECISIONS,
    GAP_KINDS,
    LANGUAGES,
    LINK_KINDS,
    ORGANIZATION_KINDS,
    REFERRAL_REASONS,
    REFERRAL_STATUSES,
    SECTORS,
    SERVICE_STATUSES,
    SERVICE_TYPES,
    SEXES,
    SITUATIONS,
    STAGES,
    TERRITORY_LEVELS,
    VOCABULARIES,
    Term,
)


def _enum(name: str, codes: Iterable[str], description: str) -> type[StrEnum]:
    cls = cast(type[StrEnum], StrEnum(name, {code: code for code in codes}))
    return strawberry.enum(cls, description=description)


if TYPE_CHECKING:
    Stage: TypeAlias = str
    Situation: TypeAlias = str
    ServiceType: TypeAlias = str
    Sector: TypeAlias = str
    OrganizationKind: TypeAlias = str
    Language: TypeAlias = str
    ServiceStatus: TypeAlias = str
    AccessMode: TypeAlias = str
    Sex: TypeAlias = str
    LinkKind: TypeAlias = str
    CoordinatesPrecision: TypeAlias = str
    ChannelKind: TypeAlias = str
    TerritoryLevel: TypeAlias = str
    GapKind: TypeAlias = str
    ReferralStatus: TypeAlias = str
    ReferralReason: TypeAlias = str
    AgeBand: TypeAlias = str
else:
    Stage = _enum("Stage", STAGES, "A stage of the circuit de prise en charge, in order.")
    Situation = _enum("Situation", SITUATIONS, "A child protection situation.")
    ServiceType = _enum("ServiceType", SERVICE_TYPES, "What a service does.")
    Sector = _enum("Sector", SECTORS, "The public sector or society an organisation belongs to.")
    OrganizationKind = _enum("OrganizationKind", ORGANIZATION_KINDS, "Kind of organisation.")
    Language = _enum("Language", LANGUAGES, "A language a service is delivered in.")
    ServiceStatus = _enum("ServiceStatus", SERVICE_STATUSES,
                          "Whether a service takes children now (`no_capacity`: do not refer).")
    AccessMode = _enum("AccessMode", ACCESS_MODES, "How a child reaches a service.")
    Sex = _enum("Sex", SEXES, "F or M: a service reserved to girls or boys.")
    LinkKind = _enum("LinkKind", LINK_KINDS, "Whether a referral rests on a protocol or practice.")
    CoordinatesPrecision = _enum("CoordinatesPrecision", COORDINATES_PRECISIONS,
                                 "Whether coordinates are the address or the commune centre.")
    ChannelKind = _enum("ChannelKind", CHANNEL_KINDS, "A way to reach someone.")
    TerritoryLevel = _enum("TerritoryLevel", TERRITORY_LEVELS, "Level of an HCP territory.")
    GapKind = _enum("GapKind", GAP_KINDS, "Why a stage of a plan has no service of the "
                    "child's area.")
    ReferralStatus = _enum("ReferralStatus", REFERRAL_STATUSES,
                           "Where a referral stands: sent → received → accepted | declined → "
                           "in_progress → completed | not_completed; cancelled; expired.")
    ReferralReason = _enum("ReferralReason", REFERRAL_REASONS,
                           "Why a referral was declined or its care not completed.")
    AgeBand = _enum("AgeBand", AGE_BANDS, "The child's age band (never an age or a birth date).")


@strawberry.type(description="One code of a vocabulary with its labels, for menus and legends.")
class VocabularyTerm:
    code: str
    fr: str
    ar: str

    @classmethod
    def of(cls, term: Term) -> VocabularyTerm:
        return cls(code=term.code, fr=term.fr, ar=term.ar)


@strawberry.type(description="A controlled vocabulary (stage, situation, service_type...).")
class Vocabulary:
    name: str
    terms: list[VocabularyTerm]


@strawberry.type
class VocabularyQuery:
    @strawberry.field(description="Every vocabulary with French and Arabic labels, in order.")
    def vocabularies(self) -> list[Vocabulary]:
        return [
            Vocabulary(name=name, terms=[VocabularyTerm.of(t) for t in vocab.values()])
            for name, vocab in VOCABULARIES.items()
        ]
