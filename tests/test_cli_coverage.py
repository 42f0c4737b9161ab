"""``graph-service gaps``, ``plan`` and ``map`` over a copy of the real seed."""

from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from graph_service.action_plan import CANVAS_COLUMNS
from graph_service.cli import main
from graph_service.domain.taxonomy import STAGE_ORDER
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
    assert any(p["missing_stages"] == list(STAGE_ORDER) for p in provinces.values())


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
    assert result.output.startswith("Maroc: ")
    assert "Provinces with a stage that has no provider:" in result.output


@pytest.mark.parametrize(("args", "message"), [
    (("gaps", "--province", "Atlantide"), "province: no province matches 'Atlantide'"),
    (("gaps", "--situation", "inconnue"),
     "situations: code inconnu 'inconnue' ; codes possibles : violence_sexuelle"),
    (("gaps", "--type", "teleportation"), "type: code inconnu 'teleportation'"),
    (("gaps", "--stage", "nowhere"), "'nowhere' is not one of"),
    (("plan",), "Missing option '--province'"),
    (("map", "route", "--commune", "Salé", "--situation", "negligence", "--age", "x"),
     "age: 'x' is not a whole number"),
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


def test_plan_of_a_province_without_actors_starts_with_every_missing_stage(
        run: Any, tmp_path: Path) -> None:
    result = run("plan", "--province", "Tata", "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    [table] = tmp_path.glob("*.csv")
    with table.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    missing = [r["Étape (code)"] for r in rows if r["Objectif général"].startswith("1.")]
    assert list(dict.fromkeys(missing)) == list(STAGE_ORDER)


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
