"""``graph-service route``: where to refer a child, stage by stage, from the command line.

The plan is :func:`graph_service.orientation.orient`'s; ``--json`` prints its
:meth:`~graph_service.orientation.Plan.to_json`, otherwise it is written out
in French for a social worker, with the pages' words for what orientation says of
each service (competent, out of area, to be verified) and of each gap. Bad input
(unknown commune, age outside 0–17, unknown situation code…) is one line naming the
value, and exit status 2.
"""

from __future__ import annotations

import sys
from datetime import datetime

import click

from ..domain.eligibility import Need
from ..domain.taxonomy import (
    ACCESS_MODES,
    CHANNEL_KINDS,
    GAP_KINDS,
    LINK_KINDS,
    SEXES,
    SITUATIONS,
    STAGE_ORDER,
)
from ..orientation import MAX_ALTERNATIVES, Gap, Plan, Request, ServiceChoice, Where, orient
from ..reachability import DAY_NAMES, MOROCCO_TZ, NOT_GIVEN, Dial, Reachability, reachability
from ..snapshot import Snapshot, build_snapshot
from ..web.i18n import Lang
from .context import opened_store

FR = Lang("fr")


@click.command("route")
@click.option("--commune", help="Commune of the child: HCP code or name (French or Arabic).")
@click.option("--province", help="Or only the province: HCP code or name.")
@click.option("--lat", type=float, help="Or a point: latitude (with --lon).")
@click.option("--lon", type=float, help="Longitude (with --lat).")
@click.option("--age", type=int, required=True, help="Age in years (0–17).")
@click.option("--sex", required=True, help="F or M.")
@click.option("--situation", "situations", multiple=True, required=True,
              help="Situation code (repeatable), e.g. violence_sexuelle.")
@click.option("--urgent", is_flag=True, help="Medical or social emergency: urgence first.")
@click.option("--disability", is_flag=True, help="The child has a disability.")
@click.option("--language", help="Language code the child speaks, e.g. tachelhit.")
@click.option("--stage", "start_stage", default=STAGE_ORDER[0], show_default=True,
              help=f"Stage the child is at: {', '.join(STAGE_ORDER)}.")
@click.option("--max-km", type=float, help="Farthest distance to propose, in km.")
@click.option("--alternatives", type=int, default=3, show_default=True,
              help=f"Alternatives per stage (0–{MAX_ALTERNATIVES}).")
@click.option("--json", "as_json", is_flag=True, help="The plan as JSON (sorted keys).")
def route_cmd(commune: str | None, province: str | None, lat: float | None, lon: float | None,
              age: int, sex: str, situations: tuple[str, ...], urgent: bool, disability: bool,
              language: str | None, start_stage: str, max_km: float | None, alternatives: int,
              as_json: bool) -> None:
    """Plan where to refer a child: a service per remaining stage of the circuit, and why.

    Only a situation is given, never who the child is.
    """
    with opened_store(annuaire=True) as store:
        request = Request(
            Need(situations=situations, age=age, sex=sex.upper(), urgent=urgent,
                 disability=disability, language=language),
            Where(commune=commune, province=province, lat=lat, lon=lon),
            start_stage=start_stage, max_km=max_km, alternatives=alternatives,
        )
        snapshot = build_snapshot(store)
        plan = orient(snapshot, request)
    if as_json:
        sys.stdout.write(plan.to_json() + "\n")
    else:
        click.echo(render_text(plan, snapshot, datetime.now(MOROCCO_TZ)))


def render_text(plan: Plan, snapshot: Snapshot, at: datetime) -> str:
    """The plan in French, as a social worker reads it; each service as the pages show how to
    reach it (:mod:`graph_service.reachability`), open or closed at ``at``."""
    s, loc = plan.situation, plan.location
    place = f"{loc.commune.name} ({loc.province.name})" if loc.commune else loc.province.name
    who = [", ".join(SITUATIONS[c].fr.lower() for c in s.situations)]
    if s.sex:
        who.append(SEXES[s.sex].fr.lower())
    if s.age is not None:
        who.append(f"{s.age} ans")
    who += [label for flag, label in ((s.urgent, "urgence"), (s.disability, "handicap")) if flag]
    lines = [f"Plan d'orientation — {place}", f"Situation : {' · '.join(who)}"]
    if plan.emergency_numbers:
        lines.append(f"{FR.t('emergency_numbers')} : " + " · ".join(
            f"{n.number} ({n.label})" for n in plan.emergency_numbers))
    lines.append("")
    for n, stage in enumerate(plan.stages, 1):
        lines.append(f"{n}. {stage.label}")
        if stage.skipped:
            lines.append(f"   Étape sans objet : {stage.skipped}.")
        elif stage.service is None:
            gap = next((g for g in plan.gaps if g.stage == stage.stage), None)
            lines.append(f"   {_gap(gap)}." if gap else "   Aucun service à proposer.")
        else:
            lines += _service(stage.service, "→ ", _reach(snapshot, stage.service, at))
            if stage.alternatives:
                lines.append("   Autres possibilités :")
                for alternative in stage.alternatives:
                    lines += _service(alternative, "  · ")
        lines += [f"   ({note})" for note in stage.reasons if not stage.skipped]
        lines.append("")
    if plan.gaps:
        lines.append("Lacunes de la province :")
        lines += [f"  • {_label(plan, gap.stage)} : {_gap(gap)}" for gap in plan.gaps]
    return "\n".join(lines).rstrip() + "\n"


def _gap(gap: Gap) -> str:
    """The kind of a gap and what it names: the competent institution to find, or the nearest
    service — for information only when it lies beyond the distance asked."""
    text = GAP_KINDS[gap.kind].fr
    if gap.institution:
        text += f" — {FR.t('competent_institution', name=gap.institution)}"
    if gap.nearest is not None:
        key = "for_information" if gap.kind == "beyond_max_km" else "gap_nearest"
        name = f"{gap.nearest.name} ({gap.nearest.organization.name})"
        text += f" — {FR.t(key, name=name, km=gap.distance_km)}"
    return text


def _reach(snapshot: Snapshot, c: ServiceChoice, at: datetime) -> Reachability:
    return reachability(snapshot, snapshot.services[c.id], snapshot.sites.get(c.site_id or ""),
                        at, c.documents)


def _service(c: ServiceChoice, bullet: str, reach: Reachability | None = None) -> list[str]:
    """A proposed service: its head line; with ``reach`` (the recommended one), how to reach it."""
    where = c.commune.name if c.commune else c.province.name
    flags = [FR.t(key) for key, on in (("competent", c.competent), ("out_of_area", c.out_of_area),
                                       ("to_verify", not c.verified)) if on]
    head = f"   {bullet}{c.name} — {c.organization.name} ({where}, {c.distance_km:.1f} km)" + \
        (f" [{', '.join(flags)}]" if flags else "")
    if reach is None:
        return [head]
    missing = NOT_GIVEN["fr"]
    hours = "; ".join(f"{' '.join(DAY_NAMES['fr'].get(d, d) for d in h.byday.split(','))} "
                      f"{h.opens_at}–{h.closes_at}" for h in reach.hours)
    lines = [head,
             f"     {reach.open_now.text()}" + (f" · {hours}" if hours else "")
             + (f" · {reach.schedule_note}" if reach.schedule_note else "")
             + f" · {ACCESS_MODES[reach.access].fr.lower()}",
             "     Adresse : " + (FR.t("confidential_address") if reach.confidential
                                  else reach.address or missing)
             + "".join(f", {t.name_fr}" for t in (reach.commune, reach.province) if t)]
    if c.linked_from:
        lines.append(f"     Lien d'orientation : {LINK_KINDS[c.linked_from.kind].fr.lower()}")
    lines.append(f"     À apporter : {', '.join(reach.documents) or missing}")
    lines.append("     Joindre : " + (", ".join(_dial(d) for d in reach.channels) or missing))
    if reach.fallback:
        lines.append("     À défaut : " + ", ".join(_dial(d) for d in reach.fallback))
    lines.append(f"     Pourquoi : {' ; '.join(c.reasons)}")
    return lines


def _dial(d: Dial) -> str:
    return f"{d.text} ({d.label or CHANNEL_KINDS[d.kind].fr})"


def _label(plan: Plan, stage: str) -> str:
    return next((s.label for s in plan.stages if s.stage == stage), stage)
