"""Which stages of the circuit a situation goes through: the one rule table.

The engagement-13 sheet (DTIPE, ``engagement-13-dtipe-fiche.txt``) lists the
domains a child may need "en fonction des besoins de chaque enfant": détection
et réception des plaintes; assistance immédiate *en cas d'urgence* médicale et
sociale; signalement auprès des autorités judiciaires *en cas de besoin*;
évaluation de la situation sociale; accompagnement et intégration éducative et
sociale; suivi-évaluation. Three of these are conditional, and this table says
when they apply:

- ``urgence`` only when an emergency is declared (and it then comes first);
- ``signalement`` to the parquet / juge des mineurs when the situation is a
  danger the law protects against or an offence — violence (sexual, physical,
  psychological, online), neglect, exploitation, trafficking, child marriage,
  begging, children in street situations, unaccompanied migrants, children
  deprived of family, and children in conflict with the law (the judicial path
  itself). School drop-out, missing civil registration, disability or
  addiction *alone* need no judicial report: they go to education, the
  commune's état civil, rehabilitation or health services directly;
- ``reinsertion`` when the child has left or lost a family, school or social
  setting to return to (street, detention, placement, trafficking, work,
  drop-out, child marriage, addiction), as the provincial action-plan guide
  describes réinsertion / réintégration.

Detection, evaluation, prise en charge and suivi belong to every path.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..domain.eligibility import Need
from ..domain.messages import Bilingual, Message, termed
from ..domain.taxonomy import SITUATIONS, STAGE_ORDER

__all__ = ["STAGE_RULES", "StageRule", "StageVerdict", "stages_for"]


@dataclass(frozen=True, slots=True)
class StageRule:
    """When one stage applies; ``applies``/``skipped`` are the reasons shown (FR/AR)."""

    stage: str
    applies: Message
    skipped: Message | None = None
    always: bool = False
    when_urgent: bool = False
    situations: frozenset[str] = frozenset()


_JUDICIAL = frozenset({
    "violence_sexuelle", "violence_physique", "violence_psychologique", "violence_en_ligne",
    "negligence", "exploitation_economique", "traite", "mariage_precoce", "mendicite",
    "enfant_en_situation_de_rue", "migrant_non_accompagne", "privation_milieu_familial",
    "conflit_avec_la_loi",
})
_REINSERTION = frozenset({
    "enfant_en_situation_de_rue", "conflit_avec_la_loi", "privation_milieu_familial",
    "migrant_non_accompagne", "traite", "exploitation_economique", "mendicite",
    "abandon_scolaire", "mariage_precoce", "addiction",
})

STAGE_RULES: dict[str, StageRule] = {
    r.stage: r
    for r in (
        StageRule("detection", Message("stage_detection"), always=True),
        StageRule("urgence", Message("stage_urgence"), Message("skip_urgence"),
                  when_urgent=True),
        StageRule("signalement", Message("stage_signalement"), Message("skip_signalement"),
                  situations=_JUDICIAL),
        StageRule("evaluation", Message("stage_evaluation"), always=True),
        StageRule("prise_en_charge", Message("stage_prise_en_charge"), always=True),
        StageRule("reinsertion", Message("stage_reinsertion"), Message("skip_reinsertion"),
                  situations=_REINSERTION),
        StageRule("suivi", Message("stage_suivi"), always=True),
    )
}
"""Stage code → its rule, in circuit order (see the module docstring for the sources)."""


@dataclass(frozen=True, slots=True)
class StageVerdict:
    """One remaining stage of a plan: why it applies, or why it is skipped (exactly one is set)."""

    stage: str
    applies: Message | None = None
    skipped: Message | None = None


def stages_for(need: Need, start: str = STAGE_ORDER[0]) -> tuple[StageVerdict, ...]:
    """The remaining stages from ``start``, in the order a plan follows them.

    An urgent case puts ``urgence`` first, wherever the child is in the circuit.

    Examples
    --------
    >>> [v.stage for v in stages_for(Need(situations=("abandon_scolaire",))) if not v.skipped]
    ['detection', 'evaluation', 'prise_en_charge', 'reinsertion', 'suivi']
    """
    order = list(STAGE_ORDER[STAGE_ORDER.index(start):])
    if need.urgent:
        order = ["urgence", *(s for s in order if s != "urgence")]
    return tuple(_verdict(STAGE_RULES[stage], need) for stage in order)


def _verdict(rule: StageRule, need: Need) -> StageVerdict:
    if rule.always:
        return StageVerdict(rule.stage, applies=rule.applies)
    if rule.when_urgent:
        if need.urgent:
            return StageVerdict(rule.stage, applies=rule.applies)
        return StageVerdict(rule.stage, skipped=rule.skipped)
    matched = [s for s in need.situations if s in rule.situations]
    if matched:
        return StageVerdict(rule.stage, applies=Message(
            "applies_for", why=rule.applies, situations=_terms(matched)))
    return StageVerdict(rule.stage, skipped=Message(
        "skipped_for", why=rule.skipped, situations=_terms(need.situations)))


def _terms(situations: Sequence[str]) -> tuple[Bilingual, ...]:
    return tuple(termed(SITUATIONS[s]) for s in situations)
