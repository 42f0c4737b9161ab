"""``graph-service route``: where to refer a child, stage by stage, from the command line.

The plan is :func:`graph_service.orientation.orient`'s; ``--json`` prints its
:meth:`~graph_service.orientation.Plan.to_json`, otherwise it is written out in French
(or Arabic, ``--lang ar``) for a social worker, with the pages' words for what
orientation says of each service (competent, out of area, to be verified) and of each gap. Bad input
(unknown commune, age outside 0–17, unknown situation code…) is one line naming the
value, and exit status 2.
"""

from __future__ import annotations

import sys
from datetime import datetime

import click

from ..domain.eligibility import Need
from ..domain.messages import ITEMS_SEPARATOR, LABEL_SEPARATOR, LIST_SEPARATOR
from ..domain.taxonomy import STAGE_ORDER
from ..orientation import MAX_ALTERNATIVES, Gap, Plan, Request, ServiceChoice, Where, orient
from ..reachability import DAY_NAMES, MOROCCO_TZ, NOT_GIVEN, Dial, Reachability, reachability
from ..snapshot import Snapshot, build_snapshot
from ..web.i18n import Lang
from .context import lang_option, opened_store

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
@lang_option
def route_cmd(commune: str | None, province: str | None, lat: float | None, lon: float | None,
              age: int, sex: str, situations: tuple[str, ...], urgent: bool, disability: bool,
              language: str | None, start_stage: str, max_km: float | None, alternatives: int,
              as_json: bool, lang: str) -> None:
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
        click.echo(render_text(plan, snapshot, datetime.now(MOROCCO_TZ), Lang(lang)))


def render_text(plan: Plan, snapshot: Snapshot, at: datetime, lang: Lang = FR) -> str:
    """The plan in ``lang``, as a social worker reads it; each service as the pages show how to
    reach it (:mod:`graph_service.reachability`), open or closed at ``at``."""
    s, loc, code = plan.situation, plan.location, lang.code
    comma = LIST_SEPARATOR[code]
    place = (f"{lang.name(loc.commune)} ({lang.name(loc.province)})" if loc.commune
             else lang.name(loc.province))
    who = [comma.join(_low(lang, lang.term("situation", c)) for c in s.situations)]
    if s.sex:
        who.append(_low(lang, lang.term("sex", s.sex)))
    if s.age is not None:
        who.append(lang.t("cli_age", n=s.age))
    who += [lang.t(key) for flag, key in ((s.urgent, "cli_urgent"),
                                          (s.disability, "cli_disability")) if flag]
    lines = [f"{lang.t('plan_title')} — {place}", _labelled(lang, "situation", " · ".join(who))]
    if plan.emergency_numbers:
        lines.append(_labelled(lang, "emergency_numbers", " · ".join(
            f"{n.number} ({n.label_ar if code == 'ar' and n.label_ar else n.label})"
            for n in plan.emergency_numbers)))
    lines.append("")
    for n, stage in enumerate(plan.stages, 1):
        lines.append(f"{n}. {lang.term('stage', stage.stage)}")
        if stage.skipped:
            lines.append(f"   {lang.t('cli_stage_not_needed', why=lang.say(stage.skipped))}")
        elif stage.service is None:
            gap = next((g for g in plan.gaps if g.stage == stage.stage), None)
            lines.append(f"   {_gap(lang, gap)}." if gap else f"   {lang.t('cli_no_service')}")
        else:
            lines += _service(lang, stage.service, "→ ", _reach(snapshot, stage.service, at))
            if stage.alternatives:
                lines.append(f"   {lang.t('cli_alternatives')}")
                for alternative in stage.alternatives:
                    lines += _service(lang, alternative, "  · ")
        lines += [f"   ({lang.say(note)})" for note in stage.reasons if not stage.skipped]
        lines.append("")
    if plan.gaps:
        lines.append(lang.t("cli_gaps"))
        lines += [f"  • {lang.term('stage', gap.stage)}{LABEL_SEPARATOR[code]}{_gap(lang, gap)}"
                  for gap in plan.gaps]
    return "\n".join(lines).rstrip() + "\n"


def _low(lang: Lang, text: str) -> str:
    """A term inside a sentence: lower case in French (Arabic has none)."""
    return text.lower() if lang.code == "fr" else text


def _labelled(lang: Lang, key: str, text: str) -> str:
    """« Label : text » with the language's punctuation."""
    return f"{lang.t(key)}{LABEL_SEPARATOR[lang.code]}{text}"


def _gap(lang: Lang, gap: Gap) -> str:
    """The kind of a gap and what it names: the competent institution to find, or the nearest
    service — for information only when it lies beyond the distance asked."""
    text = lang.term("gap_kind", gap.kind)
    institution = gap.institution_ar if lang.code == "ar" and gap.institution_ar \
        else gap.institution
    if institution:
        text += f" — {lang.t('competent_institution', name=institution)}"
    if gap.nearest is not None:
        key = "for_information" if gap.kind == "beyond_max_km" else "gap_nearest"
        name = f"{lang.name(gap.nearest)} ({lang.name(gap.nearest.organization)})"
        text += f" — {lang.t(key, name=name, km=gap.distance_km)}"
    return text


def _reach(snapshot: Snapshot, c: ServiceChoice, at: datetime) -> Reachability:
    return reachability(snapshot, snapshot.services[c.id], snapshot.sites.get(c.site_id or ""),
                        at, c.documents)


def _service(lang: Lang, c: ServiceChoice, bullet: str,
             reach: Reachability | None = None) -> list[str]:
    """A proposed service: its head line; with ``reach`` (the recommended one), how to reach it."""
    code, comma = lang.code, LIST_SEPARATOR[lang.code]
    where = lang.name(c.commune) if c.commune else lang.name(c.province)
    flags = [lang.t(key) for key, on in (("competent", c.competent),
                                         ("out_of_area", c.out_of_area),
                                         ("to_verify", not c.verified)) if on]
    head = f"   {bullet}{lang.name(c)} — {lang.name(c.organization)} ({where}{comma}" + \
        f"{c.distance_km:.1f} {lang.t('cli_km')})" + \
        (f" [{comma.join(flags)}]" if flags else "")
    if reach is None:
        return [head]
    missing = NOT_GIVEN[code]
    hours = ITEMS_SEPARATOR[code].join(
        f"{' '.join(DAY_NAMES[code].get(d, d) for d in h.byday.split(','))} "
        f"{h.opens_at}–{h.closes_at}" for h in reach.hours)
    address = (lang.t("confidential_address") if reach.confidential
               else reach.address or missing) + "".join(
        f"{comma}{lang.name(t)}" for t in (reach.commune, reach.province) if t)
    lines = [head,
             f"     {reach.open_now.text(code)}" + (f" · {hours}" if hours else "")
             + (f" · {reach.schedule_note}" if reach.schedule_note else "")
             + f" · {_low(lang, lang.term('access', reach.access))}",
             f"     {_labelled(lang, 'address', address)}"]
    if c.linked_from:
        lines.append("     " + _labelled(lang, "cli_link", _low(
            lang, lang.term("link_kind", c.linked_from.kind))))
    lines.append("     " + _labelled(lang, "cli_bring", comma.join(reach.documents) or missing))
    lines.append("     " + _labelled(lang, "cli_reach", comma.join(
        _dial(lang, d) for d in reach.channels) or missing))
    if reach.fallback:
        lines.append("     " + _labelled(lang, "cli_fallback", comma.join(
            _dial(lang, d) for d in reach.fallback)))
    lines.append("     " + _labelled(lang, "why", ITEMS_SEPARATOR[code].join(
        lang.say(r) for r in c.reasons)))
    return lines


def _dial(lang: Lang, d: Dial) -> str:
    return f"{d.text} ({d.named(lang.code)}" + (f" — {d.own_label})" if d.own_label else ")")
