"""Maps written to disk open in Chromium with every network request blocked."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from graph_service.coverage import compute_coverage
from graph_service.maps import BESIDE, build_annuaire_map, build_gaps_map, write_html
from graph_service.snapshot import build_snapshot
from graph_service.store import GraphStore

pytestmark = pytest.mark.browser


def test_written_maps_work_offline_in_a_browser(
    browser: Any, seeded_store: GraphStore, tmp_path: Path
) -> None:
    snap = build_snapshot(seeded_store)
    gaps = write_html(build_gaps_map(compute_coverage(snap), "signalement", assets=BESIDE),
                      tmp_path / "gaps.html")
    annuaire = write_html(build_annuaire_map(snap, province="04.441", assets=BESIDE),
                          tmp_path / "annuaire.html")
    page = browser.new_page()
    outside: list[str] = []
    errors: list[str] = []
    page.route(re.compile(r"^(?!file:).*"),
               lambda route: (outside.append(route.request.url), route.abort()))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(gaps.as_uri())
    page.wait_for_selector(".leaflet-control-layers")
    assert page.evaluate("L.version") == "1.9.4"
    assert page.locator(".leaflet-control-layers-overlays input").count() == 2
    assert page.locator("#legend").is_visible()
    page.goto(annuaire.as_uri())
    page.wait_for_selector(".gs-pin")
    page.locator(".gs-pin").first.dispatch_event("click")  # a cluster may cover it
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert popup.locator('[dir="rtl"]').count() == 1
    assert outside == [] and errors == []
    page.close()
