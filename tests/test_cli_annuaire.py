"""The operator's commands, run as a person runs them: seed, stats, import, export."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from graph_service.cli import main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "tests" / "data" / "hsds_example"
Run = Callable[..., Result]


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Run:
    monkeypatch.setenv("GRAPH_SERVICE_DB", str(tmp_path / "cli.sqlite3"))
    monkeypatch.setenv("GRAPH_SERVICE_STORE", "embedded")
    runner = CliRunner()
    return lambda *args: runner.invoke(main, list(args), catch_exceptions=False)


def _stats(run: Run) -> dict[str, int]:
    result = run("stats", "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_seed_loads_territories_and_the_annuaire_and_is_idempotent(run: Run) -> None:
    assert run("seed").exit_code == 0
    first = _stats(run)
    assert (first["regions"], first["provinces"], first["communes"]) == (12, 83, 1503)
    assert first["organizations"] >= 28 and first["referral_links"] >= 25
    assert first["services"] > first["organizations"]
    again = run("seed")
    assert again.exit_code == 0 and " 0 created, 0 updated" in again.stdout
    assert _stats(run) == first
    assert "seed skipped" in run("seed", "--if-empty").stdout


def test_import_refuses_the_published_example_naming_file_line_field(run: Run) -> None:
    result = run("import", str(EXAMPLE))
    assert result.exit_code == 2
    assert "locations.csv:2" in result.stderr and "latitude" in result.stderr
    assert _stats(run)["organizations"] == 0


def test_export_then_import_round_trips(run: Run, tmp_path: Path) -> None:
    run("seed")
    seeded = _stats(run)
    out = tmp_path / "export"
    assert run("export", str(out)).exit_code == 0
    assert (out / "datapackage.json").exists() and (out / "services.csv").exists()
    reimport = run("import", str(out))
    assert reimport.exit_code == 0 and " 0 updated" in reimport.stdout
    assert _stats(run) == seeded
