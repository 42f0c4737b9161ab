"""The coordinator's desk: coverage figures, the gap map, the action-plan draft, stale entries."""

from __future__ import annotations

import dataclasses
import html
import re
from collections.abc import Callable

import pytest
from starlette.testclient import TestClient
from web_support import Web, form_of, open_web, sign_in, submit

from graph_service.action_plan import draft_action_plan, to_csv, to_markdown
from graph_service.coverage import cached_coverage, summarize
from graph_service.domain.entities import Channel, Hours, Service
from graph_service.domain.taxonomy import ACCESS_MODES
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
                      r"<td><bdi dir=\"ltr\">([\d\u202f]+)</bdi></td>", page)
    assert [(int(providers), int(near.replace("\u202f", ""))) for _, providers, near in rows] == [
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


def _edited_by_the_association(web: Web) -> Service:
    """The association's service, its access mode, hours and phone changed by the association."""
    service = web.store.get("service", web.association.service.id)
    assert isinstance(service, Service)
    access = "appointment" if service.access != "appointment" else "referral"
    edited = dataclasses.replace(
        service, access=access,
        channels=(Channel(kind="phone", value="+212522000001"),),
        hours=(Hours(byday="MO,TU", opens_at="08:30", closes_at="16:30"),))
    stored = web.store.update(edited, expected_version=service.version, actor="asso")
    assert isinstance(stored, Service)
    return stored


def test_a_change_reads_with_field_labels_vocabulary_labels_and_names(web: Web) -> None:
    service = _edited_by_the_association(web)
    page = web.client.get(f"/coordination/revue/{service.id}")
    assert page.status_code == 200
    text = html.unescape(page.text)
    changed = dict(re.findall(r'<tr class="changed" data-field="([^"]+)">\s*<th scope="row">'
                              r'([^<]+)</th>', page.text))
    assert changed["access"] == "Accès" and changed["channels"] == "Joindre"
    assert ACCESS_MODES[service.access].fr in text and f">{service.access}<" not in text
    assert "Téléphone : 05 22 00 00 01" in text and "lun., mar. 08:30–16:30" in text
    org = web.association.org
    assert re.search(rf'data-field="organization_id">.*?<td class="after">{re.escape(org.name)}'
                     r"</td>", text, re.S)  # unchanged fields too: a name, not an id
    assert f'id="entry-name">{service.name}<' in text
    assert f'href="/services/{service.id}/modifier" id="edit-entry"' in page.text
    history = re.findall(r'<li data-action="update">(.*?)</li>', text, re.S)
    assert history and "champs : Accès" in history[-1] and "Horaires" in history[-1]


def test_bulk_verify_verifies_each_ticked_entry_at_the_version_shown(web: Web) -> None:
    desk = web.client.get("/coordination")
    form = form_of(desk.text, "/coordination/verifier")
    ticks = re.findall(r'name="entry" value="([^"]+)"', desk.text)
    assert len(ticks) >= 3
    chosen = ticks[:3]
    stale_id, stale_version = chosen[2].rsplit(":", 1)
    kind = IndexCache(web.store).get().kind_of(stale_id)
    assert kind is not None
    current = web.store.get(kind, stale_id)
    assert current is not None and current.version == int(stale_version)
    # changed by someone else after the coordinator loaded the desk: left for review
    web.store.update(current, expected_version=current.version, actor="asso")
    answer = web.client.post("/coordination/verifier", data=form.values(entry=chosen),
                             follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/coordination#pending"  # back where the list was
    desk = web.client.get("/coordination")
    assert "2 fiche(s) vérifiée(s) ; 1 laissée(s)" in html.unescape(desk.text)
    for value in chosen[:2]:
        entity_id = value.rsplit(":", 1)[0]
        kind = IndexCache(web.store).get().kind_of(entity_id)
        assert kind is not None
        entry = web.store.get(kind, entity_id)
        assert entry is not None and entry.is_verified
    left = web.store.get(kind, stale_id)
    assert left is not None and not left.is_verified


def test_show_keeps_the_page_at_the_section_it_filters(web: Web) -> None:
    page = web.client.get("/coordination").text
    assert 'action="/coordination#gap-map"' in page
    assert 'action="/coordination/verifier"' in page
