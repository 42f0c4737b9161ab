"""A draft of the provincial action plan, written from the province's coverage gaps.

The guide for provincial action plans (CPPE/CAPE) asks each province to go
from a self-diagnosis to priorities → general objectives → specific objectives →
actions, each with a pilot, partners, a schedule, resources, a budget and
indicators. The annuaire can do the first half of that diagnosis: which stages
of the circuit have no provider in the province, where children live far
from one or from the authority competent for them, and which public
institutions, inscribed from the public map (reference entries), are still to be
confirmed. This module turns those figures into the guide's canvas, as Markdown
(to read and discuss) and CSV (to fill in a spreadsheet); the columns only the
technical committee can fill stay empty.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass

from .coverage import (
    FAR_KM,
    REACH_KM,
    AreaSummary,
    CommuneReach,
    Coverage,
    commune_reach,
    summarize,
)
from .domain.competence import JURISDICTION_STAGES, competent_institution
from .domain.entities import Territory
from .domain.messages import Bilingual, Items, Message
from .domain.taxonomy import STAGES
from .text import thousands

__all__ = [
    "CANVAS_COLUMNS",
    "ActionPlan",
    "CoverageLine",
    "Objective",
    "PlanRow",
    "PlanText",
    "draft_action_plan",
    "plan_text",
    "to_csv",
    "to_markdown",
]

PRIORITY = Message("plan_priority")
"""The PPIPEM strand the circuit de prise en charge belongs to (guide, § 2, volet 1)."""
OBJECTIVES = {n: Message(code) for n, code in ((1, "plan_objective_complete"),
                                               (2, "plan_objective_closer"),
                                               (3, "plan_objective_confirm"))}
"""The general objectives, by number."""
CANVAS_COLUMNS = ("Pilote(s)", "Partenaires", "Échéancier",
                  "Ressources humaines / matérielles nécessaires", "Budget", "Indicateurs",
                  "Suivi/Révision")
"""The canvas columns left for the technical committee to fill."""
_FAR_COMMUNES = 3
"""Communes named in an action to bring a stage closer."""


@dataclass(frozen=True, slots=True)
class PlanRow:
    """One action of the canvas, with the figures it comes from."""

    priority: int
    objective: int
    objective_text: Message
    specific: int
    specific_text: Message
    action: Message
    expected: Message
    stage: str
    children: int
    communes: tuple[str, ...]
    """HCP codes of the communes the action is about (empty: the whole province)."""


@dataclass(frozen=True, slots=True)
class ActionPlan:
    """The draft for one province: its coverage summary and the canvas rows."""

    summary: AreaSummary
    revision: int
    rows: tuple[PlanRow, ...]


def draft_action_plan(coverage: Coverage, province: str) -> ActionPlan:
    """The canvas rows for ``province`` (HCP code), from its coverage gaps.

    Missing stages come first (general objective 1), in circuit order; then the
    stages that leave children beyond :data:`~graph_service.coverage.FAR_KM`
    (general objective 2), the most children first; then the reference entries
    to confirm (general objective 3), in circuit order.

    Territorial competence (:mod:`graph_service.domain.competence`) shapes the
    actions: where the competent institution of a judicial or police step is
    missing, the action is to register or confirm it (never a convention with a
    service of another jurisdiction, which could not receive the report), and an
    authority of another province is never proposed as a partner.

    Raises
    ------
    NotFound, ValidationFailed
        As :func:`~graph_service.coverage.summarize`.
    """
    summary = summarize(coverage, province, top=_FAR_COMMUNES)
    snap = coverage.snapshot
    rows: list[PlanRow] = []
    for n, stage in enumerate(summary.missing_stages, start=1):
        label = _stage(stage)
        specific = Message("plan_set_up", stage=label, children=thousands(summary.children))
        expected = Message("plan_set_up_expected", stage=label)
        if stage in JURISDICTION_STAGES:
            actions = [_register(stage, None)]
        else:
            actions = [Message("plan_identify", stage=label)]
            nearest = _nearest_for_most_children(coverage, stage, province)
            if (nearest is not None and nearest.nearest_service_id is not None
                    and nearest.nearest_service_id not in snap.authorities):
                actions.append(Message("plan_meanwhile", provider=_provider(nearest),
                                       km=_km(nearest.distance_km), commune=_place(nearest)))
        rows += [PlanRow(1, 1, OBJECTIVES[1], n, specific, a, expected, stage,
                         summary.children, ()) for a in actions]
    far = sorted((s for s in summary.stages if not s.gap and s.children_beyond_30_km > 0),
                 key=lambda s: (-s.children_beyond_30_km, s.stage))
    for n, stage_summary in enumerate(far, start=1):
        stage, label = stage_summary.stage, _stage(stage_summary.stage)
        beyond = stage_summary.children_beyond_30_km
        share = 100 * beyond / summary.children if summary.children else 0.0
        specific = Message("plan_reduce", far=FAR_KM, stage=label, children=thousands(beyond),
                           share=f"{share:.0f}")
        expected = Message("plan_reduce_expected", far=FAR_KM, stage=label,
                           children=thousands(beyond))
        reachable = [c for c in stage_summary.farthest if c.distance_km is not None]
        steps: list[tuple[Message, tuple[str, ...]]] = []
        if reachable:
            places = tuple(Message("plan_place", commune=_place(c),
                                   children=thousands(c.children), km=_km(c.distance_km))
                           for c in reachable)
            steps.append((Message("plan_outreach", places=places),
                          tuple(c.code for c in reachable)))
        steps += _register_unserved(coverage, stage, province)
        if reachable and reachable[0].nearest_service_name:
            steps.append((Message("plan_transport", provider=_provider(reachable[0])),
                          (reachable[0].code,)))
        rows += [PlanRow(1, 2, OBJECTIVES[2], n, specific, a, expected, stage, beyond, codes)
                 for a, codes in steps]
    n = 0
    for stage_summary in summary.stages:
        entries = _unverified_references(coverage, stage_summary.stage, province)
        if not entries:
            continue
        n += 1
        label = _stage(stage_summary.stage)
        rows.append(PlanRow(
            1, 3, OBJECTIVES[3], n, Message("plan_confirm", stage=label, n=len(entries)),
            Message("plan_confirm_action", entries=Items(entries)),
            Message("plan_confirm_expected", stage=label), stage_summary.stage,
            summary.children, ()))
    return ActionPlan(summary, snap.revision, tuple(rows))


def _register(stage: str, commune: Territory | None) -> Message:
    """The action for a missing competent institution: register it, or confirm it."""
    institution = competent_institution(stage, commune)
    return Message("plan_register", institution=Bilingual(institution.fr, institution.ar))


def _register_unserved(coverage: Coverage, stage: str,
                       province: str) -> list[tuple[Message, tuple[str, ...]]]:
    """One action per competent institution missing for some communes of ``province`` (a
    stage whose providers may not serve them: the gendarmerie of rural communes when only
    the police is recorded…), naming the communes with the most children."""
    snap = coverage.snapshot
    unserved: dict[Message, list[CommuneReach]] = defaultdict(list)
    for reach in commune_reach(coverage, stage):
        if reach.province_code == province and reach.distance_km is None:
            unserved[_register(stage, snap.territories.get(reach.code))].append(reach)
    out = []
    for action, communes in sorted(unserved.items()):
        communes.sort(key=lambda c: (-c.children, c.code))
        names = tuple(Message("plan_commune_children", commune=_place(c),
                              children=thousands(c.children))
                      for c in communes[:_FAR_COMMUNES])
        more = len(communes) - _FAR_COMMUNES
        listed = Message("plan_communes_more", names=names, more=more) if more > 0 else names
        out.append((Message("plan_register_for", action=action, communes=listed),
                    tuple(c.code for c in communes)))
    return out


def _unverified_references(coverage: Coverage, stage: str, province: str) -> list[Message]:
    """The unverified reference entries (:attr:`~graph_service.snapshot.Snapshot.provisional`)
    among the providers of ``stage`` delivered in ``province``, named."""
    snap = coverage.snapshot
    out = []
    for sid in coverage.stage(stage).providers_in([province]):
        if sid in snap.provisional:
            service = snap.services[sid]
            org = snap.organizations.get(service.organization_id)
            name = Bilingual(service.name, service.name_ar)
            out.append(Message("plan_provider_of", service=name,
                               organization=Bilingual(org.name, org.name_ar))
                       if org else Message("plan_provider", service=name))
    return out


def _nearest_for_most_children(coverage: Coverage, stage: str,
                               province: str) -> CommuneReach | None:
    rows = [r for r in commune_reach(coverage, stage) if r.province_code == province]
    return min(rows, key=lambda r: (-r.children, r.code), default=None)


def _provider(reach: CommuneReach) -> Message:
    """The nearest service of a commune, named as given (its data)."""
    if reach.nearest_organization_name:
        return Message("plan_provider_of", service=reach.nearest_service_name,
                       organization=reach.nearest_organization_name)
    return Message("plan_provider", service=reach.nearest_service_name)


def _km(km: float | None) -> Message:
    return Message("plan_km_unknown") if km is None else Message("plan_km", km=f"{km:.0f}")


def _stage(stage: str) -> Bilingual:
    return Bilingual(STAGES[stage].fr, STAGES[stage].ar)


def _place(reach: CommuneReach) -> Bilingual:
    return Bilingual(reach.name_fr, reach.name_ar)


# --- output ------------------------------------------------------------------------------------


_HEADERS = ("Priorité", "Objectif général", "Objectif spécifique", "Moyens / actions",
            "Résultats attendus", *CANVAS_COLUMNS, "Étape (code)", "Enfants concernés",
            "Communes (codes HCP)")


def to_csv(plan: ActionPlan) -> str:
    """One line per action, the canvas columns in the guide's order, then the figures."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(_HEADERS)
    for r in plan.rows:
        writer.writerow([
            f"{r.priority}. {PRIORITY}", f"{r.objective}. {r.objective_text}",
            f"{r.objective}.{r.specific} {r.specific_text}", r.action, r.expected,
            *("" for _ in CANVAS_COLUMNS), r.stage, r.children, " ".join(r.communes),
        ])
    return out.getvalue()


CANVAS_COLUMNS_AR = ("المسؤول(ون)", "الشركاء", "الجدول الزمني",
                     "الموارد البشرية / المادية اللازمة", "الميزانية", "المؤشرات",
                     "التتبع/المراجعة")
_WORDS: dict[str, tuple[str, str]] = {
    "title": ("PLAN D'ACTION PROVINCIAL DE PROTECTION DE L'ENFANCE",
              "خطة العمل الإقليمية لحماية الطفولة"),
    "period": ("(Période concernée : à compléter)", "(الفترة المعنية: تستكمل لاحقا)"),
    "note": ("Projet préparé à partir de l'annuaire des acteurs (révision {revision}) : à "
             "discuter et compléter par le comité technique animé par le CAPE, puis à soumettre "
             "au CPPE. Les colonnes pilote(s), partenaires, échéancier, ressources, budget, "
             "indicateurs et suivi sont à remplir.",
             "مشروع معد انطلاقا من دليل الفاعلين (المراجعة {revision}): للمناقشة والاستكمال من "
             "طرف اللجنة التقنية التي ينشطها مركز حماية الطفولة، ثم يعرض على اللجنة الإقليمية "
             "لحماية الطفولة. تملأ أعمدة المسؤول(ين) والشركاء والجدول الزمني والموارد والميزانية "
             "والمؤشرات والتتبع."),
    "context_heading": ("Contexte : couverture du circuit de prise en charge",
                        "السياق: تغطية مسار التكفل"),
    "context": ("{children} enfants de 0 à 17 ans (estimation, RGPH 2024) dans {communes} "
                "communes. Distance de chaque commune au prestataire actif le plus proche de "
                "chaque étape",
                "{children} طفل من 0 إلى 17 سنة (تقدير، الإحصاء العام 2024) في {communes} جماعة. "
                "مسافة كل جماعة إلى أقرب مقدم خدمة نشط في كل مرحلة"),
    "competent": (" ; pour l'étape « {stage} », au seul service compétent pour la commune : "
                  "{institution}", "؛ وفي مرحلة « {stage} »، إلى المصلحة الوحيدة المختصة "
                  "بالنسبة للجماعة: {institution}"),
    "stage": ("Étape", "المرحلة"),
    "providers": ("Prestataires dans la province", "مقدمو الخدمات في الإقليم"),
    "within": ("Enfants à ≤ {km} km", "الأطفال على بعد ≤ {km} كلم"),
    "beyond": ("Enfants à > {km} km", "الأطفال على بعد > {km} كلم"),
    "none": ("aucun", "لا أحد"),
    "priority": ("Priorité 1 : {priority}", "الأولوية 1: {priority}"),
    "no_gap": ("Aucun écart de couverture relevé par l'annuaire : chaque étape a un prestataire "
               "dans la province et aucun enfant n'est à plus de {km} km. Les objectifs restent "
               "à définir par le comité technique.",
               "لم يرصد الدليل أي نقص في التغطية: لكل مرحلة مقدم خدمة في الإقليم ولا يوجد أي طفل "
               "على بعد أكثر من {km} كلم. تبقى الأهداف للتحديد من طرف اللجنة التقنية."),
    "objective": ("Objectif général {n} : {text}", "الهدف العام {n}: {text}"),
    "specific": ("Objectifs spécifiques", "الأهداف الخاصة"),
    "actions": ("Moyens / actions", "الوسائل / الإجراءات"),
    "expected": ("Résultats attendus", "النتائج المنتظرة"),
}
"""The words of the plan's frame, in French and Arabic (its rows are coded messages, said in
the plan's language)."""


@dataclass(frozen=True, slots=True)
class CoverageLine:
    """One stage of the context table: its label, providers (``gap``: none) and figures."""

    stage: str
    providers: int
    gap: bool
    children: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Objective:
    """A general objective's heading and its canvas lines: (specific objective, action,
    expected result), the first two left empty on the following actions of one specific."""

    heading: str
    lines: tuple[tuple[str, str, str], ...]


@dataclass(frozen=True, slots=True)
class PlanText:
    """The plan as every file writes it (Markdown, Word, Excel), in one language: the same
    headings, paragraphs and tables, so that no format says something another does not."""

    lang: str
    title: str
    subtitle: str
    period: str
    note: str
    context_heading: str
    context: str
    coverage_header: tuple[str, ...]
    coverage: tuple[CoverageLine, ...]
    none: str
    """What a stage with no provider says next to its 0."""
    priority: str
    no_gap: str
    """The paragraph in place of the objectives when the annuaire found no gap ("" else)."""
    canvas_header: tuple[str, ...]
    objectives: tuple[Objective, ...]


def plan_text(plan: ActionPlan, lang: str = "fr") -> PlanText:
    """The words and tables of ``plan`` in ``lang`` (``fr`` or ``ar``)."""
    ar = lang == "ar"

    def w(key: str, **values: object) -> str:
        return _WORDS[key][1 if ar else 0].format(**values)

    s = plan.summary
    objectives: list[Objective] = []
    for r in plan.rows:
        heading = w("objective", n=r.objective, text=r.objective_text.say(lang))
        if not objectives or objectives[-1].heading != heading:
            objectives.append(Objective(heading, ()))
            specific = 0
        first = r.specific != specific  # the objective and its result head its first action
        specific = r.specific
        line = (f"{r.objective}.{r.specific} {r.specific_text.say(lang)}" if first else "",
                r.action.say(lang), r.expected.say(lang) if first else "")
        objectives[-1] = Objective(objectives[-1].heading, (*objectives[-1].lines, line))
    return PlanText(
        lang="ar" if ar else "fr",
        title=w("title"), subtitle=f"{s.name_fr} — {s.name_ar} ({s.code})",
        period=w("period"), note=w("note", revision=plan.revision),
        context_heading=w("context_heading"),
        context=w("context", children=thousands(s.children), communes=s.communes)
        + "".join(w("competent", stage=STAGES[j].ar if ar else STAGES[j].fr,
                    institution=(competent_institution(j, None).ar if ar
                                 else competent_institution(j, None).fr))
                  for j in sorted(JURISDICTION_STAGES)) + ".",
        coverage_header=(w("stage"), w("providers"), *(w("within", km=km) for km in REACH_KM),
                         w("beyond", km=FAR_KM)),
        coverage=tuple(CoverageLine(
            STAGES[st.stage].ar if ar else st.label_fr, st.providers, st.gap,
            tuple(thousands(n) for n in (st.children_within_10_km, st.children_within_30_km,
                                         st.children_within_60_km, st.children_beyond_30_km)))
            for st in s.stages),
        none=w("none"),
        priority=w("priority", priority=PRIORITY.say(lang)),
        no_gap="" if plan.rows else w("no_gap", km=FAR_KM),
        canvas_header=(w("specific"), w("actions"), w("expected"),
                       *(CANVAS_COLUMNS_AR if ar else CANVAS_COLUMNS)),
        objectives=tuple(objectives),
    )


def to_markdown(plan: ActionPlan, lang: str = "fr") -> str:
    """The canvas of the guide, with the coverage figures it was drafted from."""
    text = plan_text(plan, lang)
    lines = [f"# {text.title}", f"## {text.subtitle}", "", f"*{text.period}*", "",
             f"> {text.note}", "", f"### {text.context_heading}", "", text.context, "",
             "| " + " | ".join(text.coverage_header) + " |",
             "|---|---:|" + "---:|" * (len(text.coverage_header) - 2)]
    for st in text.coverage:
        gap = f" **({text.none})**" if st.gap else ""
        lines.append(f"| {st.stage} | {st.providers}{gap} | " + " | ".join(st.children) + " |")
    lines += ["", f"### {text.priority}", ""]
    if text.no_gap:
        lines += [text.no_gap, ""]
    blanks = len(text.canvas_header) - 3
    for objective in text.objectives:
        lines += ["", f"#### {objective.heading}", "",
                  "| " + " | ".join(text.canvas_header) + " |",
                  "|" + "---|" * len(text.canvas_header)]
        lines += [f"| {_cell(what)} | {_cell(action)} | {_cell(expected)} |" + " |" * blanks
                  for what, action, expected in objective.lines]
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
