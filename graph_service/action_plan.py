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
from pathlib import Path

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
from .domain.taxonomy import STAGES
from .text import search_key, thousands

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
    "write_action_plan",
]

PRIORITY = ("Détection, prise en charge et suivi des enfants victimes de violence, abus, "
            "négligence et exploitation")
"""The PPIPEM strand the circuit de prise en charge belongs to (guide, § 2, volet 1)."""
OBJECTIVE_COMPLETE = "Compléter le circuit de prise en charge dans la province"
OBJECTIVE_CLOSER = "Rapprocher les services des enfants qui en sont éloignés"
OBJECTIVE_CONFIRM = "Confirmer les institutions publiques inscrites d'office à l'annuaire"
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
    objective_text: str
    specific: int
    specific_text: str
    action: str
    expected: str
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
        label = STAGES[stage].fr
        specific = (f"Mettre en place l'étape « {label} » dans la province (aucun prestataire "
                    f"actif recensé ; {thousands(summary.children)} enfants de 0 à 17 ans)")
        expected = f"Au moins un prestataire actif de l'étape « {label} » dans la province"
        if stage in JURISDICTION_STAGES:
            actions = [_register(stage, None)]
        else:
            actions = [f"Identifier les acteurs de la province qui peuvent assurer l'étape "
                       f"« {label} » (services extérieurs, associations) et les inscrire à "
                       "l'annuaire"]
            nearest = _nearest_for_most_children(coverage, stage, province)
            if (nearest is not None and nearest.nearest_service_id is not None
                    and nearest.nearest_service_id not in snap.authorities):
                actions.append(
                    f"En attendant, formaliser l'orientation vers {_provider(nearest)} "
                    f"({_km(nearest.distance_km)} de {nearest.name_fr}) par une convention")
        rows += [PlanRow(1, 1, OBJECTIVE_COMPLETE, n, specific, a, expected, stage,
                         summary.children, ()) for a in actions]
    far = sorted((s for s in summary.stages if not s.gap and s.children_beyond_30_km > 0),
                 key=lambda s: (-s.children_beyond_30_km, s.stage))
    for n, stage_summary in enumerate(far, start=1):
        stage, label = stage_summary.stage, stage_summary.label_fr
        beyond = stage_summary.children_beyond_30_km
        share = 100 * beyond / summary.children if summary.children else 0.0
        specific = (f"Réduire le nombre d'enfants à plus de {FAR_KM} km de l'étape « {label} » "
                    f"({thousands(beyond)} enfants, {share:.0f} % des enfants de la province)")
        expected = (f"Moins d'enfants à plus de {FAR_KM} km de l'étape « {label} » "
                    f"(situation de départ : {thousands(beyond)})")
        reachable = [c for c in stage_summary.farthest if c.distance_km is not None]
        steps: list[tuple[str, tuple[str, ...]]] = []
        if reachable:
            places = ", ".join(f"{c.name_fr} ({thousands(c.children)} enfants, "
                               f"{_km(c.distance_km)})" for c in reachable)
            steps.append((f"Organiser des permanences, une équipe mobile ou une antenne dans "
                            f"les communes les plus concernées : {places}",
                            tuple(c.code for c in reachable)))
        steps += _register_unserved(coverage, stage, province)
        if reachable and reachable[0].nearest_service_name:
            steps.append((f"Organiser le transport et l'accompagnement des enfants et des "
                            f"familles vers {_provider(reachable[0])}", (reachable[0].code,)))
        rows += [PlanRow(1, 2, OBJECTIVE_CLOSER, n, specific, a, expected, stage, beyond, codes)
                 for a, codes in steps]
    n = 0
    for stage_summary in summary.stages:
        entries = _unverified_references(coverage, stage_summary.stage, province)
        if not entries:
            continue
        n += 1
        label = stage_summary.label_fr
        specific = (f"Confirmer les institutions de l'étape « {label} » inscrites d'office à "
                    f"l'annuaire ({len(entries)} entrée(s) de référence non vérifiée(s))")
        expected = (f"Les prestataires de l'étape « {label} » recensés dans la province sont "
                    "confirmés (existence, adresse, contacts, horaires, ressort) et vérifiés")
        action = ("Confirmer auprès des institutions, compléter et marquer comme vérifiées les "
                  "entrées de référence : " + " ; ".join(entries))
        rows.append(PlanRow(1, 3, OBJECTIVE_CONFIRM, n, specific, action, expected,
                            stage_summary.stage, summary.children, ()))
    return ActionPlan(summary, snap.revision, tuple(rows))


def _register(stage: str, commune: Territory | None) -> str:
    """The action for a missing competent institution: register it, or confirm it."""
    institution = competent_institution(stage, commune).fr
    return (f"Recenser / confirmer {institution} et l'inscrire à l'annuaire : seule "
            "l'autorité compétente pour la commune de l'enfant peut recevoir le signalement, "
            "aucune autre juridiction ne peut s'y substituer")


def _register_unserved(coverage: Coverage, stage: str,
                       province: str) -> list[tuple[str, tuple[str, ...]]]:
    """One action per competent institution missing for some communes of ``province`` (a
    stage whose providers may not serve them: the gendarmerie of rural communes when only
    the police is recorded…), naming the communes with the most children."""
    snap = coverage.snapshot
    unserved: dict[str, list[CommuneReach]] = defaultdict(list)
    for reach in commune_reach(coverage, stage):
        if reach.province_code == province and reach.distance_km is None:
            unserved[_register(stage, snap.territories.get(reach.code))].append(reach)
    out = []
    for action, communes in sorted(unserved.items()):
        communes.sort(key=lambda c: (-c.children, c.code))
        names = ", ".join(f"{c.name_fr} ({thousands(c.children)} enfants)"
                          for c in communes[:_FAR_COMMUNES])
        more = len(communes) - _FAR_COMMUNES
        names += f" et {more} autre(s) commune(s)" if more > 0 else ""
        out.append((f"{action} (aucun service compétent recensé pour : {names})",
                    tuple(c.code for c in communes)))
    return out


def _unverified_references(coverage: Coverage, stage: str, province: str) -> list[str]:
    """The unverified reference entries (:attr:`~graph_service.snapshot.Snapshot.provisional`)
    among the providers of ``stage`` delivered in ``province``, named."""
    snap = coverage.snapshot
    out = []
    for sid in coverage.stage(stage).providers_in([province]):
        if sid in snap.provisional:
            service = snap.services[sid]
            org = snap.organizations.get(service.organization_id)
            out.append(f"« {service.name} »" + (f" ({org.name})" if org else ""))
    return out


def _nearest_for_most_children(coverage: Coverage, stage: str,
                               province: str) -> CommuneReach | None:
    rows = [r for r in commune_reach(coverage, stage) if r.province_code == province]
    return min(rows, key=lambda r: (-r.children, r.code), default=None)


def _provider(reach: CommuneReach) -> str:
    org = f" ({reach.nearest_organization_name})" if reach.nearest_organization_name else ""
    return f"« {reach.nearest_service_name} »{org}"


def _km(km: float | None) -> str:
    return "distance inconnue" if km is None else f"{km:.0f} km"


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


PRIORITY_AR = "رصد الأطفال ضحايا العنف والاعتداء والإهمال والاستغلال والتكفل بهم وتتبعهم"
OBJECTIVES = {1: (OBJECTIVE_COMPLETE, "استكمال مسار التكفل في الإقليم"),
              2: (OBJECTIVE_CLOSER, "تقريب الخدمات من الأطفال البعيدين عنها"),
              3: (OBJECTIVE_CONFIRM, "تأكيد المؤسسات العمومية المسجلة تلقائيا في الدليل")}
"""Each general objective in French and Arabic."""
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
             "والمؤشرات والتتبع. نص الأهداف الخاصة والإجراءات محرر بالفرنسية."),
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
"""The words of the plan's frame, in French and Arabic (the actions are drafted in French)."""


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
        if not objectives or objectives[-1].heading != w(
                "objective", n=r.objective, text=OBJECTIVES[r.objective][ar]):
            objectives.append(Objective(w("objective", n=r.objective,
                                          text=OBJECTIVES[r.objective][ar]), ()))
            specific = 0
        first = r.specific != specific  # the objective and its result head its first action
        specific = r.specific
        line = (f"{r.objective}.{r.specific} {r.specific_text}" if first else "", r.action,
                r.expected if first else "")
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
        priority=w("priority", priority=PRIORITY_AR if ar else PRIORITY),
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


def write_action_plan(plan: ActionPlan, directory: Path) -> tuple[Path, Path]:
    """Write ``plan-action-<code>-<name>.md`` and ``.csv`` (UTF-8 with BOM, for spreadsheets)."""
    directory.mkdir(parents=True, exist_ok=True)
    stem = f"plan-action-{plan.summary.code}-{search_key(plan.summary.name_fr).replace(' ', '-')}"
    markdown = directory / f"{stem}.md"
    table = directory / f"{stem}.csv"
    markdown.write_text(to_markdown(plan), encoding="utf-8")
    table.write_text(to_csv(plan), encoding="utf-8-sig")
    return markdown, table
