"""Review that flows, in Chromium: a coordinator reviews an association's change, asks for a
correction (read by the association on « Mon organisation »), verifies in bulk and downloads
the action plan as a workbook — French, and Arabic for the review page.

Each page reached passes :func:`page_checks.check_page` (accessibility basics, screenshots at
1280 and 390 px under ``test-artifacts/screenshots/``, no horizontal overflow on a phone).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from page_checks import DESKTOP, PHONE, Served, check_page
from test_reach_browser import REORDERED
from test_web_browser import PASSWORD, sign_in, sign_out

pytestmark = pytest.mark.browser

MESSAGE = "Le numéro de rue manque dans l'adresse du siège."
DESCRIPTION = "Accueil sans rendez-vous le matin"
RAW_KEY = re.compile(r"^[a-z]+(_[a-z]+)+$")
"""A stored field name (``commune_code``) where a reader expects its label."""
ONE_LINE = """(selector) => [...document.querySelectorAll(selector)]
  .filter(el => el.getClientRects().length > 1).map(el => el.textContent)"""
"""Inline elements drawn on more than one line (a number broken digit by digit)."""
SIGN_FIRST = """() => [...document.querySelectorAll("table.diff bdi[dir=ltr]")]
  .filter(el => /^-[0-9]/.test(el.textContent) && el.getClientRects().length).filter(el => {
    const at = (i) => { const r = document.createRange(); r.setStart(el.firstChild, i);
                        r.setEnd(el.firstChild, i + 1); return r.getBoundingClientRect().left; };
    return at(0) > at(1);
  }).map(el => el.textContent)"""
"""Negative numbers (a longitude) drawn with their sign after the digits."""


def _graphql(page: Any, query: str, token: str | None = None, **variables: Any) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    answer = page.request.post("/graphql", data={"query": query, "variables": variables},
                               headers=headers)
    assert answer.ok, answer.text()
    body = answer.json()
    assert "errors" not in body, body
    return body["data"]


def _association_edits(page: Any, served: Served) -> dict[str, int]:
    """The association changes its site's and its service's descriptions through the API;
    their new versions by id."""
    token = _graphql(page, """mutation($u: String!, $p: String!) { login(username: $u,
        password: $p) { ... on LoginSuccess { token } } }""", u="asso", p=PASSWORD)[
        "login"]["token"]
    before = _versions(page, served)
    out = {}
    for kind, entry in (("Site", served.association.site), ("Service", served.association.service)):
        done = _graphql(page, f"""mutation($id: ID!, $v: Int!, $d: String!) {{ update{kind}(
            id: $id, expectedVersion: $v, input: {{description: $d}}) {{
            ... on {kind}Payload {{ {kind.lower()} {{ version }} }} }} }}""",
                        token, id=entry.id, v=before[entry.id][0], d=DESCRIPTION)
        out[entry.id] = done[f"update{kind}"][kind.lower()]["version"]
        assert out[entry.id] == before[entry.id][0] + 1  # an edit bumps the version
    return out


def _versions(page: Any, served: Served) -> dict[str, tuple[int, str | None]]:
    """Version and verification date of the association's sites and services, by id."""
    org = _graphql(page, """query($id: ID!) { organization(id: $id) {
        sites { id version verifiedAt } services { id version verifiedAt } } }""",
                   id=served.association.org.id)["organization"]
    return {e["id"]: (e["version"], e["verifiedAt"]) for e in org["sites"] + org["services"]}


def _labels_not_keys(page: Any) -> None:
    """Every row of the diff (changed and unchanged, unfolded) and every history line is
    named as a reader names it."""
    headers = page.locator("table.diff th[scope=row]").all_inner_texts()
    assert headers and all(headers), "the diff is shown"
    for header in headers:
        assert not RAW_KEY.match(header.strip()), f"a raw field name: {header}"
    lines = page.locator(".history li").all_inner_texts()
    assert lines and all(lines), "the history is shown"
    for line in lines:
        assert not re.search(r"\b[a-z]+_[a-z_]+\b", line), f"a raw key in the history: {line}"


def test_review_ask_for_a_correction_verify_in_bulk_and_download_the_plan(
        page: Any, served: Served, tmp_path: Path) -> None:
    site, service = served.association.site, served.association.service
    edited = _association_edits(page, served)
    version = edited[site.id]

    # the desk: the change waits, with its review and edit links
    sign_in(page, "coord")
    page.goto("/coordination")
    row = page.locator(f"#bulk-pending [data-entry='{site.id}']")
    assert row.count() == 1
    assert row.locator("input[name=entry]").get_attribute("value") == f"{site.id}:{version}"
    assert row.locator(f"a[href='/lieux/{site.id}/modifier']").count() == 1
    check_page(page, "review-desk")

    # on a phone: figures on one line each, the map's filters folded
    page.set_viewport_size(PHONE)
    page.reload()
    assert page.evaluate(ONE_LINE, ".figures td bdi") == []
    assert page.locator("#gap-map details.fold").get_attribute("open") is None
    page.set_viewport_size(DESKTOP)
    page.reload()
    assert page.locator("#gap-map details.fold").get_attribute("open") is not None

    # the review: labels, names, the history's fields
    row.get_by_role("link", name="Examiner").click()
    page.wait_for_url(f"**/coordination/revue/{site.id}")
    changed = page.locator("#diff tr.changed[data-field=description]")
    assert changed.locator("th").inner_text() == "Description"
    assert DESCRIPTION in changed.locator("td.after").inner_text()
    page.locator("details.unchanged summary").click()
    page.locator(".history summary").click()
    _labels_not_keys(page)
    assert "champs : Description" in page.locator(".history li[data-action=update]").last \
        .inner_text()
    unchanged = page.locator("#diff-unchanged tr[data-field=organization_id] td.after")
    assert unchanged.inner_text() == served.association.org.name  # a name, not an id

    # « Demander une correction »: refused empty (the field named by its label), then sent
    page.locator("#ask-correction summary").click()
    page.click("#send-correction")
    page.wait_for_load_state()
    error = page.locator("#f-message-error")
    label = page.locator("label[for=f-message]").inner_text()
    assert label == "Ce qu'il faut corriger dans la fiche"
    assert error.inner_text() == f"{label} : est obligatoire"  # named by its label
    page.fill("#f-message", MESSAGE)
    page.click("#send-correction")
    page.wait_for_url("**/coordination#pending")
    assert "Demande de correction envoyée" in page.inner_text(".flash")
    assert "correction demandée" in row.inner_text()
    page.goto(f"/coordination/revue/{site.id}")
    assert MESSAGE in page.inner_text("#correction-open")
    check_page(page, "review-entry")

    # the same review in Arabic
    page.click("#lang-toggle")
    page.wait_for_load_state()
    assert page.get_attribute("html", "dir") == "rtl"
    assert "طُلب تصحيح" in page.inner_text("#correction-open")
    assert page.locator("#diff tr.changed[data-field=description] th").inner_text() == "الوصف"
    page.locator("details.unchanged summary").click()
    page.locator(".history summary").click()
    _labels_not_keys(page)
    assert page.evaluate(REORDERED) == [] and page.evaluate(SIGN_FIRST) == []
    assert page.locator("table.diff bdi[dir=ltr]").count() >= 1  # coordinates, isolated
    check_page(page, "review-entry-ar")
    page.goto("/coordination")
    assert page.evaluate(ONE_LINE, ".figures td bdi") == []
    check_page(page, "review-desk-ar")
    page.click("#lang-toggle")
    page.wait_for_load_state()
    sign_out(page)

    # the association reads the request on « Mon organisation »
    sign_in(page, "asso")
    page.goto("/mon-organisation")
    request = page.locator(f"#entry-{site.id} [data-correction]")
    assert request.is_visible() and MESSAGE in request.inner_text()
    assert "Correction demandée par la coordination" in request.inner_text()
    check_page(page, "review-mon-organisation")
    sign_out(page)

    # bulk verification of the two changes, each at the version shown
    sign_in(page, "coord")
    page.goto("/coordination")
    for entry in (site, service):
        tick = page.locator(f"#bulk-pending [data-entry='{entry.id}'] input[name=entry]")
        assert tick.get_attribute("value") == f"{entry.id}:{edited[entry.id]}"
        tick.check()
    page.click("#verify-pending")
    page.wait_for_url("**/coordination#pending")
    assert "2 fiche(s) vérifiée(s) ; 0 laissée(s)" in page.inner_text(".flash")
    for entry in (site, service):
        assert page.locator(f"#bulk-pending [data-entry='{entry.id}']").count() == 0
        now, verified_at = _versions(page, served)[entry.id]
        assert now == edited[entry.id] and verified_at  # verified, not edited
    page.goto(f"/coordination/revue/{site.id}")
    assert page.locator(".badge.ok").count() == 1
    assert page.locator("#correction-open").count() == 0  # the verification answered it

    # the action plan as a workbook: the Markdown plan's actions, one per line
    page.goto("/coordination#action-plan")
    with page.expect_download() as download:
        page.click("#plan-xlsx")
    saved = tmp_path / download.value.suggested_filename
    assert saved.suffix == ".xlsx"
    download.value.save_as(saved)
    book = openpyxl.load_workbook(saved)  # the file the user saved, opened
    canvas = book.worksheets[0]
    assert canvas["A1"].value == "PLAN D'ACTION PROVINCIAL DE PROTECTION DE L'ENFANCE"
    actions = [r[2] for r in canvas.iter_rows(values_only=True)
               if str(r[0] or "").startswith("Objectif général ")]
    markdown = page.request.get("/coordination/plan-action.md").text()
    assert len(actions) == _canvas_lines(markdown) > 0
    assert all(a.replace("|", "\\|") in markdown for a in actions)


def _canvas_lines(markdown: str) -> int:
    """The Markdown plan's canvas lines: table rows under a general objective's heading."""
    lines, inside = 0, False
    for line in markdown.splitlines():
        if line.startswith("#"):
            inside = line.startswith("#### ")
        elif inside and line.startswith("| ") and not line.startswith("| Objectifs"):
            lines += 1
    return lines
