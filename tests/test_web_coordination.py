"""The coordinator's desk: coverage figures, the gap map, the action-plan draft, stale entries."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

import pytest
from starlette.testclient import TestClient
from web_support import Web, open_web, sign_in, submit

from graph_service.action_plan import draft_action_plan, to_csv, to_markdown
from graph_service.coverage import cached_coverage, summarize
from graph_service.search import IndexCache


@pytest.fixture
def web(make_client: Callable[..., TestClient]) -> Web:
    client_web = open_web(make_client)
    sign_in(client_web.client, "coord")
    return client_web


def test_the_desk_shows_the_provinces_coverage_figures(web: Web) -> None:
    page = web.client.get("/coordination").text
    snapshot = IndexCache(web.store).get().snapshot
    summary = summarize(cached_coverage(snapshot), web.association.province)
    rows = re.findall(r"<tr(?: class=\"gap\")?><th scope=\"row\">([^<]+)</th>\s*<td>(\d+)</td>"
                      r"<td>([\d ]+)</td>", page)
    assert [(int(providers), int(near.replace(" ", ""))) for _, providers, near in rows] == [
        (s.providers, s.children_within_10_km) for s in summary.stages]
    assert html.unescape(f"Coordination — {summary.name_fr}") in html.unescape(page)


def test_the_action_plan_draft_downloads_as_markdown_and_csv(web: Web) -> None:
    snapshot = IndexCache(web.store).get().snapshot
    plan = draft_action_plan(cached_coverage(snapshot), web.association.province)
    markdown = web.client.get("/coordination/plan-action.md")
    assert markdown.status_code == 200
    assert markdown.headers["content-type"].startswith("text/markdown")
    assert "attachment" in markdown.headers["content-disposition"]
    assert markdown.text == to_markdown(plan)
    table = web.client.get("/coordination/plan-action.csv")
    assert table.content.decode("utf-8-sig") == to_csv(plan)  # BOM: spreadsheets read UTF-8
    assert web.client.get("/coordination/plan-action.pdf").status_code == 404


def test_the_gap_map_of_the_chosen_stage_is_embedded(web: Web) -> None:
    page = web.client.get("/coordination", params={"stage": "reinsertion"}).text
    src = re.search(r'<iframe src="([^"]+)" title="Carte des manques', page)
    assert src
    url = html.unescape(src.group(1))
    assert "stage=reinsertion" in url and f"province={web.association.province}" in url
    served = web.client.get(url)
    assert served.status_code == 200 and "leaflet" in served.text.lower()


def test_verifying_a_stale_entry_takes_it_off_the_list(web: Web) -> None:
    def stale_count() -> int:
        found = re.search(r"Fiches non vérifiées depuis 12 mois \((\d+)\)",
                          html.unescape(web.client.get("/coordination").text))
        assert found
        return int(found.group(1))

    before = stale_count()
    site = web.association.site
    assert web.store.get("site", site.id).verified_at is None  # type: ignore[union-attr]
    submit(web.client, f"/coordination/revue/{site.id}", f"/coordination/revue/{site.id}/verifier")
    assert stale_count() == before - 1
