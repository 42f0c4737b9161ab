"""``graph-service route``: the plan in French, in Arabic or as JSON, and one clear line for bad
input."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from orientation_support import BEYOND, OUT_OF_AREA, cli_args, close_competent_reporting

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
    assert "Numéros d'urgence (appel gratuit) : 19 (Police (Sûreté nationale), en ville) · " \
           "177 (Gendarmerie royale, en milieu rural) · 15 (" in out
    reporting = out[out.index("3. Signalement aux autorités judiciaires"):out.index("4. ")]
    assert "[compétent, à vérifier]" in reporting.split("\n")[1]  # the proposed authority


def test_readable_plan_in_arabic_says_the_same_plan(db: Path) -> None:
    french, arabic = route(db, *SALE_URGENT), route(db, *SALE_URGENT, "--lang", "ar")
    assert arabic.exit_code == 0, arabic.output
    out = arabic.stdout
    assert out.startswith("خطة التوجيه — سلا (سلا)\n")
    assert "الوضعية: العنف الجنسي · أنثى · 12 سنة · استعجال" in out
    assert "1. المساعدة الفورية في حالة الاستعجال" in out
    for label in ("العنوان: ", "للاتصال: ", "عند التعذر: ", "لماذا: ", "بدائل أخرى:"):
        assert label in out
    for french_label in ("Adresse", "Joindre", "À défaut", "Pourquoi", "Autres possibilités",
                         "Étape sans objet", "Situation", " km)", " ans · "):
        assert french_label not in out, french_label
    # the same services proposed, at the same distances: only the words change
    assert _distances(out, "كلم") == _distances(french.stdout, "km") != []


def _distances(text: str, unit: str) -> list[str]:
    """The distance of every service proposed, recommended or alternative, in order."""
    return re.findall(rf"(\d+\.\d) {unit}\)", text)


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


def stage_text(out: str, n: int) -> str:
    start = out.index(f"\n{n}. ")
    return out[start:out.index("\n\n", start + 1)]


def test_gaps_are_listed_with_the_nearest_provider(db: Path) -> None:
    """Beyond the distance asked, the nearest service is named for information, not proposed."""
    result = route(db, *cli_args(BEYOND))
    assert result.exit_code == 0, result.output
    detection = stage_text(result.stdout, 1)
    assert "→" not in detection
    assert "Aucun service à distance raisonnable — Pour information, pas une recommandation : " \
           in detection
    gaps = result.stdout[result.stdout.index("Lacunes de la province :"):]
    assert "  • Détection et signalement : Aucun service à distance raisonnable — Pour " \
           "information, pas une recommandation : " in gaps
    assert "Numéros d'urgence" not in result.stdout  # not urgent


def test_services_outside_their_area_are_marked_and_the_gap_says_so(db: Path) -> None:
    result = route(db, *cli_args(OUT_OF_AREA))
    assert result.exit_code == 0, result.output
    assert "[hors zone, à vérifier]" in stage_text(result.stdout, 1).split("\n")[2]
    gaps = result.stdout[result.stdout.index("Lacunes de la province :"):]
    assert "  • Détection et signalement : Aucun service de la zone : service hors zone proposé " \
           "— Le plus proche : " in gaps


def test_a_missing_competent_authority_is_named_and_nothing_else_is_proposed(db: Path) -> None:
    store = EmbeddedStore(db)
    assert close_competent_reporting(store) > 0
    store.close()
    result = route(db, *SALE_URGENT)
    assert result.exit_code == 0, result.output
    reporting = stage_text(result.stdout, 3)
    assert reporting.split("\n")[1:3] == [
        "3. Signalement aux autorités judiciaires",
        "   Service compétent non recensé — Institution compétente : le parquet (procureur du "
        "Roi) du tribunal de première instance dont le ressort couvre la commune, ou la police "
        "— Sûreté nationale (commune urbaine)."]
    assert "→" not in reporting and "Autres possibilités" not in reporting
    gaps = result.stdout[result.stdout.index("Lacunes de la province :"):]
    assert "  • Signalement aux autorités judiciaires : Service compétent non recensé — " \
           "Institution compétente : le parquet" in gaps


def test_stage_reached_and_province_only(db: Path) -> None:
    result = route(db, "--province", "Skhirate-Témara", "--age", "16", "--sex", "m",
                   "--situation", "conflit_avec_la_loi", "--stage", "prise_en_charge", "--json")
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)
    assert [s["stage"] for s in plan["stages"]] == ["prise_en_charge", "reinsertion", "suivi"]
    assert plan["location"]["commune"] is None
    assert plan["situation"]["sex"] == "M"


@pytest.mark.parametrize(("args", "message"), [
    (["--commune", "Sallé"], "error: commune: aucune commune ne correspond à « Sallé » ; "
                             "vouliez-vous dire : Salé (Salé, 04.441.01.0)"),
    (["--commune", "Salé", "--age", "18"], "error: age: 18 est hors de 0–17 ans"),
    (["--commune", "Salé", "--situation", "violence"],
     "error: situations: code inconnu 'violence' ; voulez-vous dire violence_sexuelle ? ; "
     "codes possibles : violence_sexuelle, violence_physique"),
    (["--commune", "Salé", "--situation", "travail"],
     "error: situations: code inconnu 'travail' ; voulez-vous dire exploitation_economique ?"),
    (["--commune", "Salé", "--stage", "jugement"],
     "error: stage: code inconnu 'jugement' ; voulez-vous dire signalement ? ; "
     "codes possibles : detection, urgence, signalement"),
    (["--commune", "Salé", "--province", "Salé"],
     "error: commune: indiquez une commune, ou une province"),
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


@pytest.mark.parametrize("command", [["route", *SALE_URGENT], ["gaps"],
                                     ["map", "gaps", "--stage", "signalement"]])
def test_a_store_with_no_annuaire_is_refused_rather_than_answered(
        tmp_path: Path, command: list[str]) -> None:
    """An unset or mistyped GRAPH_SERVICE_DB opens a new, empty file: the command says so
    and how to load one, instead of planning as if no service existed anywhere."""
    empty = tmp_path / "typo.sqlite3"
    result = CliRunner().invoke(main, command, env={"GRAPH_SERVICE_DB": str(empty),
                                                    "GRAPH_SERVICE_STORE": "embedded"})
    assert result.exit_code == 1
    assert f"no annuaire in GRAPH_SERVICE_DB={empty}" in result.stderr
    assert "graph-service seed" in result.stderr and result.stdout == ""
