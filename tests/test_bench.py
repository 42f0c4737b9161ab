"""The benchmarks' own claims: the README table comes from the results, the synthetic annuaire
varies eligibility as field entries do. (The figures themselves are never asserted here.)"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from bench.synthetic import generate, invalid_entries
from bench.table import END, RUNS, START, render, rewrite_readme
from bench.targets import TARGETS

README = Path(__file__).resolve().parents[1] / "README.md"


def test_the_readme_table_is_rewritten_from_the_results_only(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"# Title\n\nBefore.\n\n{START}\n| old | table |\n{END}\n\nAfter.\n")
    results = {"orientation_p95_ms": 6.8, "graphql_rps_20_clients": 120.4,
               RUNS: {"orientation": {"at": "2026-11-30 21:50", "load": 5.3, "load_end": 7.1,
                                      "keys": ["orientation_p95_ms"]}}}

    rewrite_readme(readme, results)

    text = readme.read_text()
    assert text.startswith("# Title\n\nBefore.\n\n") and text.endswith(f"{END}\n\nAfter.\n")
    assert "| old | table |" not in text
    rows = {line.split("|")[1].strip(" `"): line for line in text.splitlines()
            if line.startswith("| `")}
    assert set(rows) == set(TARGETS)
    assert rows["orientation_p95_ms"].endswith(
        "| 6.80 | yes | 2026-11-30 21:50, `orientation`, load 5.3–7.1 |")
    assert "| 120 | **no** | older run, not recorded |" in rows["graphql_rps_20_clients"]
    assert "not measured" in rows["snapshot_cold_bolt_s"]
    assert "runs 2026-11-30 21:50 – 2026-11-30 21:50" in text


def test_a_readme_without_markers_is_refused(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# No table here\n")
    with pytest.raises(SystemExit, match="markers"):
        rewrite_readme(readme, {})
    assert readme.read_text() == "# No table here\n"


def test_the_project_readme_holds_the_generated_table() -> None:
    text = README.read_text(encoding="utf-8")
    assert text.count(START) == 1 and text.count(END) == 1
    assert "python -m bench --table" in render({})


def test_the_synthetic_annuaire_varies_eligibility() -> None:
    data = generate(scale=0.05)
    services = data.services
    ages = Counter((s.age_min, s.age_max) for s in services)
    sexes = Counter(s.sex for s in services)
    languages = Counter(language for s in services for language in s.languages)
    situations = Counter(len(s.situations) for s in services)

    assert len(ages) >= 8 and ages[(None, None)] < len(services) * 0.7
    assert sexes["F"] > 0 and sexes["M"] > 0 and sexes[None] > len(services) / 2
    assert {"darija", "arabe", "francais", "espagnol", "anglais"} <= set(languages)
    assert any(0 < n < 4 for n in situations) and situations[0] > 0
    assert not invalid_entries(data, every=5)
