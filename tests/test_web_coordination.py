"""The coordinator's desk: coverage figures, the gap map, the action-plan draft, stale entries."""

from __future__ import annotations

import dataclasses
import html
import io
import re
from collections.abc import Callable

import docx
import openpyxl
import pytest
from api_support import gql
from app_client import AppClient
from starlette.testclient import TestClient
from web_support import Web, form_of, open_web, sign_in, submit

from graph_service.action_plan import draft_action_plan, plan_text, to_csv, to_markdown
from graph_service.coverage import cached_coverage, summarize
from graph_service.domain.entities import Channel, Hours, Service, Site
from graph_service.domain.taxonomy import ACCESS_MODES
from graph_service.review import full_trail, open_correction
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
    number = r'<td><bdi dir="ltr">([\d\u202f]+)</bdi></td>'  # never split nor reordered
    rows = re.findall(r"<tr(?: class=\"gap\")?><th scope=\"row\">([^<]+)</th>\s*"
                      + number + number, page)
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


def test_the_action_plan_downloads_as_word_and_excel_with_the_markdowns_content(
        web: Web) -> None:
    snapshot = IndexCache(web.store).get().snapshot
    plan = draft_action_plan(cached_coverage(snapshot), web.association.province)
    assert plan.rows
    text = plan_text(plan)
    sheet = web.client.get("/coordination/plan-action.xlsx")
    assert sheet.status_code == 200 and "attachment" in sheet.headers["content-disposition"]
    book = openpyxl.load_workbook(io.BytesIO(sheet.content))
    canvas, coverage = book.worksheets
    rows = [[c or "" for c in row] for row in canvas.iter_rows(values_only=True)]
    header = rows.index(["Objectif général", *text.canvas_header])
    assert [r[2] for r in rows[header + 1:]] == [r.action for r in plan.rows]
    assert rows[0][0] == text.title and text.note in [r[0] for r in rows]
    stages = {row[0]: row for row in coverage.iter_rows(values_only=True)}
    assert all(line.stage in stages for line in text.coverage)

    word = docx.Document(io.BytesIO(web.client.get("/coordination/plan-action.docx").content))
    cells = {c.text for table in word.tables for row in table.rows for c in row.cells}
    assert {r.action for r in plan.rows} <= cells
    paragraphs = [p.text for p in word.paragraphs]
    assert text.title in paragraphs and text.context in paragraphs
    assert [o.heading for o in text.objectives] == [
        p.text for p in word.paragraphs if p.style is not None and p.style.name == "Heading 3"]

    submit(web.client, "/coordination", "/langue", lang="ar")
    arabic = openpyxl.load_workbook(io.BytesIO(
        web.client.get("/coordination/plan-action.xlsx").content)).worksheets[0]
    assert arabic.sheet_view.rightToLeft and arabic.title == "خطة العمل"
    assert arabic["A1"].value == "خطة العمل الإقليمية لحماية الطفولة"


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


def test_a_correction_goes_back_to_the_association_until_it_edits_the_entry(web: Web) -> None:
    site = web.store.update(dataclasses.replace(web.association.site, address="rue des Orangers"),
                            expected_version=web.association.site.version, actor="asso")
    review = f"/coordination/revue/{site.id}"
    action = f"{review}/correction"
    # refused: nothing typed, then too long — each error names the field by its label
    empty = submit(web.client, review, action, message="   ")
    assert empty.status_code == 400
    text = html.unescape(empty.text)
    assert "Ce qu'il faut corriger dans la fiche" in text and "est obligatoire" in text
    too_long = submit(web.client, review, action, message="x" * 501)
    assert too_long.status_code == 400
    assert "501 caractères : au plus 500" in html.unescape(too_long.text)
    assert "x" * 501 in too_long.text  # what was typed is kept
    assert open_correction(full_trail(web.store, site.id)) is None
    revision = web.store.revision()
    sent = submit(web.client, review, action, message="L'adresse manque le numéro de rue.")
    assert sent.status_code == 200 and "Demande de correction envoyée" in html.unescape(sent.text)
    assert web.store.revision() == revision  # not an edit: the entry keeps its version
    assert "correction demandée" in html.unescape(web.client.get("/coordination").text)
    reviewed = html.unescape(web.client.get(review).text)
    assert "L'adresse manque le numéro de rue." in reviewed
    assert re.search(r'data-action="request_correction">[^<]*correction demandée', reviewed)

    association = signed_in_elsewhere(web, "asso")
    mine = html.unescape(association.get("/mon-organisation").text)
    assert re.search(rf'id="entry-{site.id}".*?Correction demandée par la coordination le .*?'
                     r"L'adresse manque le numéro de rue\.", mine, re.S)
    token = gql(association, """mutation { login(username: "asso",
        password: "a-long-test-password") { ... on LoginSuccess { token } } }""")["login"]["token"]
    changes = gql(association, """query($id: ID!) { changes(entityId: $id) { ... on
        ChangeConnection { edges { node { action after } } } } }""", token, id=site.id)
    asked = [e["node"] for e in changes["changes"]["edges"]
             if e["node"]["action"] == "request_correction"]
    assert asked[-1]["after"] == {"message": "L'adresse manque le numéro de rue.",
                                  "version": str(site.version)}
    # the association corrects the entry: the request is answered
    current = web.store.get("site", site.id)
    assert isinstance(current, Site)
    web.store.update(dataclasses.replace(current, address="12, rue des Orangers"),
                     expected_version=current.version, actor="asso")
    assert "Correction demandée" not in html.unescape(association.get("/mon-organisation").text)
    assert open_correction(full_trail(web.store, site.id)) is None


def test_a_correction_about_an_entry_changed_since_is_refused(web: Web) -> None:
    site = web.association.site
    review = f"/coordination/revue/{site.id}"
    form = form_of(web.client.get(review).text, f"{review}/correction")
    current = web.store.get("site", site.id)
    assert isinstance(current, Site)
    web.store.update(dataclasses.replace(current, description="changée"),
                     expected_version=current.version, actor="asso")
    answer = web.client.post(f"{review}/correction",
                             data=form.values(message="Le téléphone ne répond pas"))
    assert answer.status_code == 409
    assert "modifiée depuis que vous l'avez ouverte" in html.unescape(answer.text)
    assert "Le téléphone ne répond pas" in html.unescape(answer.text)  # kept to send again
    assert open_correction(full_trail(web.store, site.id)) is None


def signed_in_elsewhere(web: Web, username: str) -> TestClient:
    """A second browser on the same app (its own cookies), signed in as ``username``."""
    client = AppClient(web.client.app)
    sign_in(client, username)
    return client
