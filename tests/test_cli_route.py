"""``graph-service route``: the plan in French or as JSON, and one clear line for bad input."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from graph_service.cli import main
from graph_service.domain.eligibility import Need
from graph_service.orientation import Request, Where, orient
from graph_service.snapshot import build_snapshot
from graph_service.store.embedded import EmbeddedStore

SALE_URGENT = ["--commune", "Salé", "--age", "12", "--sex", "F",
               "--situation", "violence_sexuelle", "--urgent"]


@pytest.fixture
def db(seed_db: Path, tmp_path: Path) -> Path:
    shutil.copyfile(seed_db, tmp_path / "annuaire.sqlite3")
    return tmp_path / "annuaire.sqlite3"


def route(db: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["route", *args], env={"GRAPH_SERVICE_DB": str(db)})


def test_readable_plan_in_french(db: Path) -> None:
    result = route(db, *SALE_URGENT)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith("Plan d'orientation — Salé (Salé)\n")
    assert "Situation : violence sexuelle · fille · 12 ans · urgence" in out
    first = out.index("1. Assistance immédiate")
    assert "Hôpital Errazi" in out[first:out.index("2. ")]
    assert "Étape sans objet : pas de rupture familiale" in out
    assert "Pourquoi : prend en charge : violence sexuelle" in out
    assert "Lien d'orientation : protocole ou convention" in out


def test_json_is_the_plan_of_the_library(db: Path) -> None:
    result = route(db, *SALE_URGENT, "--json")
    assert result.exit_code == 0, result.output
    store = EmbeddedStore(db)
    plan = orient(build_snapshot(store), Request(
        Need(situations=("violence_sexuelle",), age=12, sex="F", urgent=True),
        Where(commune="Salé")))
    store.close()
    assert result.stdout == plan.to_json() + "\n"
    stages = json.loads(result.stdout)["stages"]
    assert [s["stage"] for s in stages][:3] == ["urgence", "detection", "signalement"]
    assert {"service", "alternatives", "reasons", "skipped"} <= set(stages[0])
    assert route(db, *SALE_URGENT, "--json").stdout == result.stdout


def test_gaps_are_listed_with_the_nearest_provider(db: Path) -> None:
    result = route(db, "--commune", "Tata", "--age", "9", "--sex", "M",
                   "--situation", "negligence")
    assert result.exit_code == 0, result.output
    gaps = result.stdout[result.stdout.index("Lacunes de la province :"):]
    assert "Diagnostic et évaluation de la situation : aucun service éligible dans la province " \
           "de Tata — le plus proche :" in gaps


def test_stage_reached_and_province_only(db: Path) -> None:
    result = route(db, "--province", "Skhirate-Témara", "--age", "16", "--sex", "m",
                   "--situation", "conflit_avec_la_loi", "--stage", "prise_en_charge", "--json")
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)
    assert [s["stage"] for s in plan["stages"]] == ["prise_en_charge", "reinsertion", "suivi"]
    assert plan["location"]["commune"] is None
    assert plan["situation"]["sex"] == "M"


@pytest.mark.parametrize(("args", "message"), [
    (["--commune", "Sallé"], "error: commune: no commune matches 'Sallé'; did you mean "
                             "Salé (Salé, 04.441.01.0)"),
    (["--commune", "Salé", "--age", "18"], "error: age: 18 est hors de 0–17 ans"),
    (["--commune", "Salé", "--situation", "violence"],
     "error: situations: code inconnu 'violence' ; voulez-vous dire violence_sexuelle ? ; "
     "codes possibles : violence_sexuelle, violence_physique"),
    (["--commune", "Salé", "--situation", "travail"],
     "error: situations: code inconnu 'travail' ; voulez-vous dire exploitation_economique ?"),
    (["--commune", "Salé", "--stage", "jugement"],
     "error: stage: code inconnu 'jugement' ; voulez-vous dire signalement ? ; "
     "codes possibles : detection, urgence, signalement"),
    (["--commune", "Salé", "--province", "Salé"], "error: commune: give exactly one of"),
])
def test_bad_input_is_one_line_naming_the_value_and_exit_2(db: Path, args: list[str],
                                                           message: str) -> None:
    defaults = {"--age": "10", "--sex": "F", "--situation": "negligence"}
    given = set(args[::2])
    full = [*args, *(x for k, v in defaults.items() if k not in given for x in (k, v))]
    result = route(db, *full)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_missing_situation_is_a_usage_error(db: Path) -> None:
    result = route(db, "--commune", "Salé", "--age", "10", "--sex", "F")
    assert result.exit_code == 2
    assert "--situation" in result.stderr
