"""``graph-service gaps``, ``plan`` and ``map`` over a copy of the real seed."""

from __future__ import annotations

import csv
import dataclasses
import json
import re
import shutil
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pytest
from api_support import gql
from app_client import AppClient
from click.testing import CliRunner, Result

from graph_service.action_plan import CANVAS_COLUMNS
from graph_service.app import create_app
from graph_service.cli import main
from graph_service.domain.taxonomy import STAGE_ORDER
from graph_service.settings import Settings
from graph_service.snapshot import build_snapshot
from graph_service.store.embedded import EmbeddedStore
from graph_service.territories import load_territories


@pytest.fixture
def run(seed_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """``run(*args)``: the command over a private copy of the seeded store."""
    path = tmp_path / "annuaire.sqlite3"
    shutil.copyfile(seed_db, path)
    monkeypatch.setenv("GRAPH_SERVICE_DB", str(path))
    monkeypatch.delenv("GRAPH_SERVICE_TILE_URL", raising=False)

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(main, list(args), catch_exceptions=False)

    return invoke


def gaps_json(run: Any, *args: str) -> dict[str, Any]:
    result = run("gaps", "--json", *args)
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_gaps_json_gives_national_and_per_province_figures(run: Any) -> None:
    data = gaps_json(run)
    territories = load_territories()
    regions = [t for t in territories if t.level == "region"]
    national = data["national"]
    assert national["children"] == sum(r.children for r in regions)
    assert [s["stage"] for s in national["stages"]] == list(STAGE_ORDER)
    provinces = {p["code"]: p for p in data["provinces"]}
    with_communes = {t.province_code for t in territories if t.level == "commune"}
    assert set(provinces) == with_communes
    assert sum(p["children"] for p in provinces.values()) == national["children"]
    covered = {s["stage"] for s in national["stages"] if s["providers"]}
    assert covered and set(provinces["04.441"]["missing_stages"]).isdisjoint(covered)
    # The backbone gives every province a competent authority for the signalement.
    assert all("signalement" not in p["missing_stages"] for p in provinces.values())


def test_gaps_for_one_province_and_stage(run: Any) -> None:
    data = gaps_json(run, "--province", "sale", "--stage", "detection", "--top", "2")
    assert data["national"] is None
    assert data["filters"]["stage"] == "detection"
    [sale] = data["provinces"]
    assert (sale["code"], sale["name_fr"]) == ("04.441", "Salé")
    [detection] = sale["stages"]
    assert detection["stage"] == "detection" and len(detection["farthest"]) <= 2
    assert detection["children"] == sale["children"]


def test_gaps_filters_narrow_the_providers(run: Any) -> None:
    everyone = gaps_json(run)["national"]["stages"]
    data = gaps_json(run, "--situation", "violence_sexuelle", "--type", "hebergement")
    assert data["filters"]["situations"] == ["violence_sexuelle"]
    narrowed = data["national"]["stages"]
    assert all(n["providers"] <= e["providers"] for n, e in zip(narrowed, everyone, strict=True))
    assert sum(n["providers"] for n in narrowed) < sum(e["providers"] for e in everyone)


def test_gaps_text_lists_the_provinces_with_a_missing_stage(run: Any) -> None:
    result = run("gaps")
    assert result.exit_code == 0
    assert result.output.startswith("Maroc : ")
    assert "\n  Accompagnement et prise en charge : " in result.output
    assert "Provinces ayant une étape sans aucun service : " in result.output


def test_gaps_text_in_arabic_gives_the_same_figures(run: Any) -> None:
    french, arabic = run("gaps", "--province", "Salé"), run("gaps", "--province", "Salé",
                                                              "--lang", "ar")
    assert arabic.exit_code == 0, arabic.output
    assert arabic.output.startswith("سلا (04.441): ")
    assert "المواكبة والتكفل: " in arabic.output and "enfants" not in arabic.output
    assert re.findall(r"\d[\d\u202f ]*", arabic.output) == re.findall(r"\d[\d\u202f ]*",
                                                                      french.output)


@pytest.mark.parametrize(("args", "message"), [
    (("gaps", "--province", "Atlantide"),
     "province: aucune province ne correspond à « Atlantide »"),
    (("gaps", "--situation", "inconnue"),
     "situations: code inconnu 'inconnue' ; codes possibles : violence_sexuelle"),
    (("gaps", "--type", "teleportation"), "type: code inconnu 'teleportation'"),
    (("gaps", "--stage", "nowhere"), "'nowhere' is not one of"),
    (("plan",), "Missing option '--province'"),
    (("map", "route", "--commune", "Salé", "--situation", "negligence", "--age", "x"),
     "age: « x » n'est pas un nombre entier (exemple : 12)"),
])
def test_bad_input_is_one_clear_line(run: Any, args: tuple[str, ...], message: str) -> None:
    result = run(*args)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_plan_writes_the_canvas_as_markdown_and_csv(run: Any, tmp_path: Path) -> None:
    out = tmp_path / "plans"
    result = run("plan", "--province", "Kénitra", "--out", str(out))
    assert result.exit_code == 0, result.output
    markdown = out / "plan-action-04.281-kenitra.md"
    table = out / "plan-action-04.281-kenitra.csv"
    assert f"wrote {markdown}" in result.output and f"wrote {table}" in result.output
    text = markdown.read_text(encoding="utf-8")
    assert text.startswith("# PLAN D'ACTION PROVINCIAL DE PROTECTION DE L'ENFANCE")
    assert "Kénitra — القنيطرة (04.281)" in text
    for column in ("Objectifs spécifiques", "Moyens / actions", "Résultats attendus",
                   *CANVAS_COLUMNS):
        assert column in text
    with table.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows, "Kénitra has children far from some stages"
    for row in rows:
        assert all(row[c] == "" for c in CANVAS_COLUMNS)  # for the committee to fill
        assert row["Priorité"].startswith("1. ") and row["Moyens / actions"]
    kenitra = gaps_json(run, "--province", "04.281")["provinces"][0]
    far = {s["stage"]: s["children_beyond_30_km"] for s in kenitra["stages"]}
    for row in rows:
        if row["Objectif général"].startswith("2."):
            assert int(row["Enfants concernés"]) == far[row["Étape (code)"]] > 0
    assert {r["Étape (code)"] for r in rows if r["Objectif général"].startswith("1.")} == set(
        kenitra["missing_stages"])


def test_plan_in_arabic_writes_word_and_excel_with_the_actions_in_arabic(
        run: Any, tmp_path: Path) -> None:
    out = tmp_path / "plans"
    result = run("plan", "--province", "Kénitra", "--out", str(out), "--lang", "ar")
    assert result.exit_code == 0, result.output
    stem = "plan-action-04.281-kenitra-ar"
    assert {p.name for p in out.iterdir()} == {
        f"{stem}.{ext}" for ext in ("md", "csv", "docx", "xlsx")}
    canvas = openpyxl.load_workbook(out / f"{stem}.xlsx").worksheets[0]
    assert canvas.sheet_view.rightToLeft
    rows = [[c or "" for c in row] for row in canvas.iter_rows(values_only=True)]
    header = next(i for i, r in enumerate(rows) if r[0] == "الهدف العام")
    actions = [r[2] for r in rows[header + 1:]]
    assert actions and all(re.match(r"[\u0600-\u06ff]", a) for a in actions), actions
    assert any("سوق الأربعاء" in a for a in actions)  # the commune by its Arabic name
    paragraphs = "\n".join(p.text for p in docx.Document(str(out / f"{stem}.docx"))
                           .paragraphs)
    assert "الأولوية 1: رصد الأطفال ضحايا العنف" in paragraphs
    assert "Compléter le circuit" not in (out / f"{stem}.md").read_text(encoding="utf-8")


def plan_rows(run: Any, out: Path, province: str) -> list[dict[str, str]]:
    result = run("plan", "--province", province, "--out", str(out))
    assert result.exit_code == 0, result.output
    [table] = out.glob("*.csv")
    with table.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def test_plan_of_a_province_known_by_its_reference_entries_asks_to_confirm_them(
        run: Any, tmp_path: Path) -> None:
    rows = plan_rows(run, tmp_path, "Tata")
    assert not [r for r in rows if r["Objectif général"].startswith("1.")]
    confirm = {r["Étape (code)"]: r["Moyens / actions"] for r in rows
               if r["Objectif général"].startswith("3.")}
    assert list(confirm) == list(STAGE_ORDER)  # every stage has its reference entries
    assert all(a.startswith("Confirmer") for a in confirm.values())
    assert "(Tribunal de première instance de Tata)" in confirm["signalement"]
    assert "(Gendarmerie royale — Compagnie de Tata)" in confirm["signalement"]


def test_plan_of_a_province_whose_courts_and_police_are_missing_registers_them(
        run: Any, tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "annuaire.sqlite3")  # the copy ``run`` works on
    snap = build_snapshot(store)
    tata = "09.551"
    gone = [sid for sid in sorted(snap.authorities)
            if {p.province_code for p in snap.places.get(sid, ())} == {tata}]
    assert {snap.organizations[snap.services[sid].organization_id].sector for sid in gone} == {
        "justice", "surete_nationale", "gendarmerie"}
    for sid in gone:
        store.delete("service", sid, expected_version=snap.services[sid].version, actor="test")
    store.close()
    rows = plan_rows(run, tmp_path / "plans", "Tata")
    report = [r for r in rows if r["Étape (code)"] == "signalement"]
    assert [r["Objectif général"][:2] for r in report] == ["1."]
    action = report[0]["Moyens / actions"]
    assert action.startswith("Recenser / confirmer le parquet (procureur du Roi)")
    assert "gendarmerie royale" in action and "convention" not in action
    # No court, police or gendarmerie of another jurisdiction is named anywhere.
    others = {snap.organizations[snap.services[sid].organization_id].name
              for sid in snap.authorities} - {
        snap.organizations[snap.services[sid].organization_id].name for sid in gone}
    text = " ".join(r["Moyens / actions"] for r in rows)
    assert not [name for name in others if name in text]


def test_moving_a_shelter_inside_its_commune_changes_no_figure(
        run: Any, tmp_path: Path) -> None:
    path = tmp_path / "annuaire.sqlite3"
    query = """query($p: String) { coverage(province: $p) { __typename
        ... on AreaCoverage { code children missingStages stages { stage providers
          childrenWithin10Km childrenWithin30Km childrenWithin60Km childrenBeyond30Km
          farthest { code distanceKm nearestServiceId } } } } }"""
    with AppClient(create_app(Settings({"GRAPH_SERVICE_DB": str(path)}))) as client:
        store = client.app.state.store  # type: ignore[attr-defined]
        shelters = [s for s in build_snapshot(store).sites.values() if s.confidential]
        assert shelters, "the seed has confidential sites"
        provinces = sorted({s.commune_code[:6] for s in shelters})

        def figures() -> tuple[Any, ...]:
            api = [gql(client, query, p=p) for p in (None, *provinces)]
            cli = [gaps_json(run, *args) for args in ((), *(("--province", p)
                                                           for p in provinces))]
            for data in cli:
                assert data.pop("revision") > 0  # the only thing a move changes
            return api, cli

        before = figures()
        territories = {t.code: t for t in load_territories()}
        for site in shelters:
            commune = territories[site.commune_code]
            assert commune.lat is not None and commune.lon is not None
            store.update(dataclasses.replace(site, lat=commune.lat + 0.004,
                                             lon=commune.lon - 0.003),
                         expected_version=site.version, actor="test")
        moved = build_snapshot(store)
        assert all(p.exact_lat != p.lat for ps in moved.places.values() for p in ps
                   if p.confidential), "the shelters did move"
        assert figures() == before


def local_refs(page: str) -> list[str]:
    refs = re.findall(r'<(?:script|link)[^>]*(?:src|href)="([^"]+)"', page)
    assert refs
    for ref in refs:
        assert not re.match(r"^(https?:)?//", ref), ref
    return refs


@pytest.mark.parametrize("args", [
    ("gaps", "--stage", "urgence"),
    ("gaps", "--stage", "suivi", "--metric", "children", "--province", "Salé"),
    ("annuaire",),
    ("annuaire", "--province", "Skhirate-Témara"),
    ("route", "--commune", "Salé", "--situation", "violence_sexuelle", "--age", "12",
     "--urgent"),
])
def test_map_commands_write_pages_that_work_offline(run: Any, tmp_path: Path,
                                                    args: tuple[str, ...]) -> None:
    output = tmp_path / "maps" / "map.html"
    result = run("map", *args, "-o", str(output))
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"wrote {output}"
    page = output.read_text(encoding="utf-8")
    for ref in local_refs(page):
        assert (output.parent / ref).is_file(), ref


@pytest.mark.parametrize("args", [
    ("gaps", "--stage", "urgence"),
    ("annuaire", "--province", "Salé"),
    ("route", "--commune", "Salé", "--situation", "violence_sexuelle", "--age", "12"),
])
def test_map_commands_write_arabic_maps(run: Any, tmp_path: Path, args: tuple[str, ...]) -> None:
    pages = {}
    for lang in ("fr", "ar"):
        output = tmp_path / lang / "map.html"
        result = run("map", *args, "--lang", lang, "-o", str(output))
        assert result.exit_code == 0, result.output
        pages[lang] = output.read_text(encoding="utf-8")
    assert re.search("[\u0600-\u06ff]", pages["ar"])  # its legend, in Arabic letters
    assert 'dir="rtl"' in pages["ar"] and 'dir="rtl"' not in pages["fr"]
