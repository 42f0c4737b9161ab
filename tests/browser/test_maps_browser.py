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
    annuaire = write_html(build_annuaire_map(snap, province="04.441", lang="ar", assets=BESIDE),
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
    assert popup.locator('[dir="rtl"][lang="ar"]').count() == 1  # the Arabic map's popup
    assert outside == [] and errors == []
    page.close()


def test_the_legend_folds_on_a_phone_and_popups_say_how_to_reach(browser: Any,
                                                                 served: Any) -> None:
    phone = browser.new_context(base_url=served.url, viewport={"width": 390, "height": 844})
    page = phone.new_page()
    page.goto("/maps/annuaire?province=04.441")
    page.wait_for_selector(".gs-pin")
    legend = page.locator("#legend")
    assert legend.evaluate("e => e.open") is False  # folded: the map stays visible
    box = legend.bounding_box()
    assert box is not None and box["width"] * box["height"] < 390 * 844 / 10
    page.locator("#legend summary").click()
    assert legend.evaluate("e => e.open") is True and page.get_by_text("Secteurs").is_visible()
    unfolded = legend.bounding_box()
    assert unfolded is not None and unfolded["height"] <= 844 * 0.4 + 1
    page.locator(".gs-pin").first.dispatch_event("click")
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert popup.locator('a[href^="tel:"]').count() >= 1 or "non renseigné" in popup.inner_text()
    phone.close()
    wide = browser.new_context(base_url=served.url, viewport={"width": 1280, "height": 800})
    page = wide.new_page()
    page.goto("/maps/annuaire?province=04.441")
    page.wait_for_selector(".gs-pin")
    assert page.locator("#legend").evaluate("e => e.open") is True
    wide.close()
