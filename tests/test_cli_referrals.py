"""``graph-service referrals``: the indicators the API shows, and the clock run by hand."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from graph_service import referrals
from graph_service.access import Principal
from graph_service.cli import main
from graph_service.store.embedded import EmbeddedStore

SENDER = Principal("sara", "association", "org-amej-sale")
REQUEST = referrals.ReferralRequest(
    from_service_id="svc-amej-sale-veille", to_service_id="svc-cape-sale-ecoute",
    stage="evaluation", situations=("negligence",), age_band="age_0_5", sex="F")


@pytest.fixture
def db(seed_db: Path, tmp_path: Path) -> Path:
    """The seed with two referrals from Salé: one sent four days ago, one just now."""
    path = tmp_path / "annuaire.sqlite3"
    shutil.copyfile(seed_db, path)
    store = EmbeddedStore(path)
    referrals.send(store, SENDER, REQUEST, now=datetime.now(UTC) - timedelta(days=4))
    referrals.send(store, SENDER, REQUEST)
    store.close()
    return path


def run(db: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["referrals", *args], env={"GRAPH_SERVICE_DB": str(db)})


def test_expire_marks_the_overdue_one_and_indicators_count_it(db: Path) -> None:
    expired = run(db, "expire")
    assert expired.exit_code == 0, expired.output
    assert expired.stdout.startswith("1 referral(s) expired, 0 older than 730 days")
    result = run(db, "indicators", "--province", "04.441", "--json")
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert (figures["province"], figures["sent"], figures["expired"]) == ("04.441", 2, 1)
    assert figures["by_link"][0]["from_service_id"] == "svc-amej-sale-veille"


def test_indicators_as_text_in_french_and_in_arabic(db: Path) -> None:
    assert run(db, "expire").exit_code == 0
    french = run(db, "indicators", "--province", "04.441")
    arabic = run(db, "indicators", "--province", "04.441", "--lang", "ar")
    assert french.exit_code == 0 and arabic.exit_code == 0, french.output + arabic.output
    assert "Envoyées : 2\n" in french.stdout and "Expirées : 1\n" in french.stdout
    assert "مرسلة: 2\n" in arabic.stdout
    assert "Refus par motif" in french.stdout and "Refus" not in arabic.stdout


def test_an_unknown_province_is_one_clear_line(db: Path) -> None:
    result = run(db, "indicators", "--province", "99.999")
    assert result.exit_code == 2
    assert "province: '99.999' n'est pas un code de province HCP" in result.stderr
