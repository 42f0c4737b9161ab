"""Coverage gaps, the provincial action-plan draft and the maps, from the command line."""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path
from typing import Any

import click

from ..action_plan import draft_action_plan
from ..coverage import AreaSummary, compute_coverage, resolve_area, summaries, summarize
from ..domain.messages import LABEL_SEPARATOR, LIST_SEPARATOR
from ..domain.taxonomy import STAGE_ORDER
from ..maps import (
    BESIDE,
    METRICS,
    build_annuaire_map,
    build_gaps_map,
    build_route_map,
    write_html,
)
from ..maps.params import coverage_filters, route_request
from ..maps.texts import MapLang
from ..orientation import orient
from ..plan_files import write_action_plan
from ..settings import Settings
from ..snapshot import build_snapshot
from ..text import thousands
from ..web.i18n import Lang
from .context import lang_option, opened_store

PLANS_DIR = Path("plans")
MAPS_DIR = Path("maps")

_stage = click.Choice(STAGE_ORDER)
_situation = click.option("--situation", multiple=True,
                          help="Situation code (repeatable): only providers that take it.")
_type = click.option("--type", "service_type", help="Service type code: only these providers.")


@click.command("gaps")
@click.option("--province", help="Province: HCP code or name (French or Arabic).")
@click.option("--stage", type=_stage, help="One stage of the circuit (default: all).")
@_situation
@_type
@click.option("--top", default=5, show_default=True, type=click.IntRange(0, 100),
              help="Communes listed with the most children beyond 30 km.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@lang_option
def gaps_cmd(province: str | None, stage: str | None, situation: tuple[str, ...],
             service_type: str | None, top: int, as_json: bool, lang: str) -> None:
    """Children far from each stage of the circuit, nationally and per province."""
    with opened_store(annuaire=True) as store:
        snap = build_snapshot(store)
        need, service_type = coverage_filters(
            {"situation": list(situation), "type": [service_type or ""]})
        code = resolve_area(snap, province).code if province else None
        coverage = compute_coverage(snap, stages=[stage] if stage else None, need=need,
                                    service_type=service_type)
        national = None if code else summarize(coverage, top=top)
        provinces = [summarize(coverage, code, top=top)] if code else summaries(coverage, top=top)
    if as_json:
        out: dict[str, Any] = {
            "revision": snap.revision,
            "filters": {"stage": stage, "situations": list(situation),
                        "service_type": service_type},
            "national": _plain(national) if national else None,
            "provinces": [_plain(p) for p in provinces],
        }
        json.dump(out, sys.stdout, indent=2, sort_keys=True, ensure_ascii=False)
        sys.stdout.write("\n")
        return
    words = Lang(lang)
    if national is not None:
        _print_area(words, national)
        lacking = [p for p in provinces if p.missing_stages]
        click.echo("\n" + words.t("cli_lacking_provinces", n=len(lacking)))
        for p in lacking:
            stages = LIST_SEPARATOR[lang].join(words.term("stage", s) for s in p.missing_stages)
            click.echo(f"  {p.code}  {words.name(p)}{LABEL_SEPARATOR[lang]}{stages}")
    else:
        _print_area(words, provinces[0])


def _plain(summary: AreaSummary) -> dict[str, Any]:
    return dataclasses.asdict(summary)


def _print_area(lang: Lang, area: AreaSummary) -> None:
    """An area's children by distance to each stage, one line per stage, in ``lang``."""
    name = lang.name(area)
    click.echo(lang.t("cli_area_children", area=f"{name} ({area.code})" if area.code else name,
                      children=thousands(area.children), communes=thousands(area.communes)))
    for s in area.stages:
        figures = " · ".join(f"{lang.t(key)} {thousands(n)}" for key, n in (
            ("within_10", s.children_within_10_km), ("within_30", s.children_within_30_km),
            ("within_60", s.children_within_60_km), ("beyond_30", s.children_beyond_30_km)))
        click.echo(f"  {lang.term('stage', s.stage)}{LABEL_SEPARATOR[lang.code]}"
                   f"{lang.t('cli_services', n=s.providers)} · {figures}"
                   + (f" — {lang.t('cli_gap')}" if s.gap else ""))
        for c in s.farthest:
            km = (lang.t("cli_no_provider") if c.distance_km is None
                  else f"{c.distance_km} {lang.t('cli_km')}")
            click.echo("      " + lang.t("cli_far_commune", name=lang.name(c), code=c.code,
                                             children=thousands(c.children), km=km))


@click.command("plan")
@click.option("--province", required=True, help="Province: HCP code or name.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=PLANS_DIR, show_default=True,
              help="Directory of the Markdown, CSV, Word and Excel files.")
@lang_option
def plan_cmd(province: str, out_dir: Path, lang: str) -> None:
    """Draft the provincial action plan (guide's canvas) from the province's gaps."""
    with opened_store(annuaire=True) as store:
        snap = build_snapshot(store)
        code = resolve_area(snap, province).code
        plan = draft_action_plan(compute_coverage(snap), code)
    for path in write_action_plan(plan, out_dir, lang):
        click.echo(f"wrote {path}")


@click.group("map")
def map_group() -> None:
    """Write a map as an HTML file that works offline (assets copied beside it)."""


def _output(default: str) -> Any:
    return click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
                        default=MAPS_DIR / default, show_default=True, help="HTML file to write.")


@map_group.command("annuaire")
@click.option("--province", help="Only this province: HCP code or name.")
@lang_option
@_output("annuaire.html")
def map_annuaire_cmd(province: str | None, lang: MapLang, output: Path) -> None:
    """Every site of the annuaire, one clustered layer per sector."""
    with opened_store(annuaire=True) as store:
        snap = build_snapshot(store)
        code = resolve_area(snap, province).code if province else None
        m = build_annuaire_map(snap, province=code, lang=lang, assets=BESIDE,
                               tile_url=_tile_url())
        click.echo(f"wrote {write_html(m, output)}")


@map_group.command("gaps")
@click.option("--stage", type=_stage, required=True, help="Stage of the circuit.")
@click.option("--metric", type=click.Choice(METRICS), default="distance", show_default=True,
              help="Colour communes by distance, or by children beyond 30 km.")
@click.option("--province", help="Only this province: HCP code or name.")
@_situation
@_type
@lang_option
@_output("gaps.html")
def map_gaps_cmd(stage: str, metric: str, province: str | None, situation: tuple[str, ...],
                 service_type: str | None, lang: MapLang, output: Path) -> None:
    """Communes coloured by distance to the nearest provider of a stage."""
    with opened_store(annuaire=True) as store:
        snap = build_snapshot(store)
        need, service_type = coverage_filters(
            {"situation": list(situation), "type": [service_type or ""]})
        code = resolve_area(snap, province).code if province else None
        coverage = compute_coverage(snap, stages=[stage], need=need, service_type=service_type)
        m = build_gaps_map(coverage, stage, metric=metric, province=code, lang=lang,
                           assets=BESIDE, tile_url=_tile_url())
        click.echo(f"wrote {write_html(m, output)}")


@map_group.command("route")
@click.option("--commune", help="The child's commune: HCP code or name.")
@click.option("--province", help="Or only the province.")
@click.option("--lat", help="Or a point: latitude…")
@click.option("--lon", help="…and longitude.")
@click.option("--situation", multiple=True, required=True, help="Situation code (repeatable).")
@click.option("--age", help="Age in years (0–17).")
@click.option("--sex", help="F or M.")
@click.option("--urgent", is_flag=True, help="Urgent: prefer services open 24/7.")
@click.option("--disability", is_flag=True, help="The child has a disability.")
@click.option("--language", help="Language code spoken by the child.")
@click.option("--stage", help="Stage the child is at (default: the start of the circuit).")
@click.option("--max-km", help="Farthest distance acceptable, in km.")
@lang_option
@_output("route.html")
def map_route_cmd(output: Path, lang: MapLang, **options: Any) -> None:
    """The orientation plan of a situation: each stage's service, numbered, joined by lines."""
    params = {key: [str(v) for v in value] if isinstance(value, tuple) else
              [] if value is None or value is False else ["1" if value is True else str(value)]
              for key, value in options.items()}
    with opened_store(annuaire=True) as store:
        snap = build_snapshot(store)
        plan = orient(snap, route_request(params))
        m = build_route_map(plan, snap, lang=lang, assets=BESIDE, tile_url=_tile_url())
        click.echo(f"wrote {write_html(m, output)}")


def _tile_url() -> str:
    return str(Settings()["GRAPH_SERVICE_TILE_URL"])
