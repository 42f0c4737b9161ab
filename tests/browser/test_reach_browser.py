"""Reaching services, searching in Arabic, reviewing in bulk — in Chromium, French and Arabic.

Each page reached passes :func:`page_checks.check_page` (accessibility basics, screenshots at
1280 and 390 px, no horizontal overflow on a phone); on right-to-left pages every number read
aloud (phone numbers, hours) is checked *as drawn*: its first digit left of its last.
"""

from __future__ import annotations

from typing import Any

import pytest
from page_checks import SCREENSHOTS, Served, check_page
from test_web_browser import sign_in, sign_out

pytestmark = pytest.mark.browser

REORDERED = """() => {
  // Numbers drawn right to left would read "34 12 88 37 05": compare where the first and
  // the last character of each isolated number land on screen.
  const bad = [];
  for (const el of document.querySelectorAll(".dial bdi, .hours bdi, .reach bdi[dir=ltr]")) {
    const text = el.textContent.trim();
    if (!/^[0-9]/.test(text) || !/[0-9]$/.test(text)) continue;
    const node = el.firstChild;
    if (!node || node.nodeType !== Node.TEXT_NODE) continue;
    const at = (i) => { const r = document.createRange(); r.setStart(node, i);
                        r.setEnd(node, i + 1); return r.getBoundingClientRect(); };
    const first = at(node.textContent.indexOf(text[0]));
    const last = at(node.textContent.lastIndexOf(text[text.length - 1]));
    if (first.width && last.width && Math.abs(first.top - last.top) < 2 && first.left > last.left)
      bad.push(text);
  }
  return bad;
}"""


def to_arabic(page: Any) -> None:
    page.goto("/")
    page.click("#lang-toggle")
    page.wait_for_load_state()
    assert page.get_attribute("html", "dir") == "rtl"


def refer_a_child(page: Any) -> None:
    page.goto("/orienter")
    page.fill("#f-commune", "Salé (04.441.01.0)")
    page.fill("#f-age", "12")
    page.select_option("#f-sex", "F")
    page.check("#f-situation-violence_sexuelle")
    page.click("#orienter-submit")
    page.wait_for_selector("#plan-stages")


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_every_service_of_a_plan_has_a_number_to_tap_or_says_it_is_not_given(
        page: Any, served: Served, lang: str) -> None:
    if lang == "ar":
        to_arabic(page)
    refer_a_child(page)
    choices = page.locator("#plan-stages .choice")
    assert choices.count() >= 3
    missing = "غير متوفر" if lang == "ar" else "non renseigné"
    for i in range(choices.count()):
        channels = choices.nth(i).locator(".reach-channels")
        assert channels.locator("a[href^='tel:']").count() >= 1  # always someone to call
        own = channels.locator("[data-source=service] a[href^='tel:']").count()
        if own == 0:  # text_content: the alternatives are folded, not gone
            assert missing in channels.locator("[data-missing=phone]").text_content()
        state = choices.nth(i).locator(".open-now").get_attribute("data-open")
        assert state in ("always", "open", "closed", "unknown")
    assert page.evaluate(REORDERED) == []
    check_page(page, f"reach-plan-{lang}")


def test_an_association_corrects_a_letter_o_and_its_number_reads_in_both_languages(
        page: Any, served: Served) -> None:
    service = served.association.service
    sign_in(page, "asso")
    page.goto(f"/services/{service.id}/modifier")
    row = page.locator("#channels fieldset.row").count() - 1  # the blank row
    value = f"#f-channels-{row}-value"
    page.select_option(f"#f-channels-{row}-kind", "phone")
    page.fill(value, "O522000001")
    page.click("#save")
    error = page.locator(f"{value}-error")
    assert "lettre O" in error.inner_text() and "05 37 88 12 34" in error.inner_text()
    assert "channels[" not in page.inner_text("main")  # fields named by their labels
    check_page(page, "reach-edit-letter-o")
    page.fill(value, "0522000001")
    page.click("#save")
    page.wait_for_url("**/mon-organisation")
    sign_out(page)

    page.goto(f"/organisations/{served.association.org.id}")
    block = page.locator(f"[data-reach='{service.id}']")
    link = block.locator("a[href='tel:+212522000001']")
    assert link.inner_text() == "05 22 00 00 01"
    check_page(page, "reach-organisation-fr")
    to_arabic(page)
    page.goto(f"/organisations/{served.association.org.id}")
    assert page.locator(f"[data-reach='{service.id}'] a[href='tel:+212522000001']"
                        ).inner_text() == "05 22 00 00 01"
    assert page.evaluate(REORDERED) == []
    check_page(page, "reach-organisation-ar")


def test_search_in_arabic_finds_the_courts_with_how_to_reach_them(
        page: Any, served: Served) -> None:
    to_arabic(page)
    page.goto("/annuaire")
    page.fill("#f-q", "محك")
    page.locator("#q-suggestions option").first.wait_for(state="attached")
    page.fill("#f-q", "محكمة")
    page.click("form[role=search] button[type=submit]")
    page.wait_for_load_state()
    assert "q=" in page.url  # the search stays in the URL
    results = page.locator(".result")
    assert results.count() >= 1
    first = results.first
    assert "محكمة" in first.locator("h2").inner_text()  # its Arabic name: « المحكمة … »
    assert first.locator(".matched-service .reach a[href^='tel:']").count() >= 1
    assert page.evaluate(REORDERED) == []
    check_page(page, "reach-search-ar")


def test_a_coordinator_verifies_several_entries_at_once(page: Any, served: Served) -> None:
    sign_in(page, "coord")
    page.goto("/coordination")
    boxes = page.locator("#bulk-stale input[name=entry]")
    before = boxes.count()
    assert before >= 2
    page.locator("#stale details summary").click()
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.click("#verify-stale")
    page.wait_for_load_state()
    assert page.url.endswith("/coordination#pending")
    assert "2 fiche(s) vérifiée(s)" in page.inner_text(".flash")
    assert page.locator("#bulk-stale input[name=entry]").count() <= before
    check_page(page, "reach-coordination-bulk")


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_refer_a_child_and_print_the_fiche_as_a_pdf(page: Any, served: Served, lang: str) -> None:
    sign_in(page, "asso")
    if lang == "ar":
        to_arabic(page)
    refer_a_child(page)
    page.click("#to-sheet")
    page.wait_for_selector("#sheet-summary")
    assert page.locator("#sheet-referrer bdi").count() == 1  # the referring service, chosen
    assert page.locator("#sheet-date").inner_text().count("/") == 2
    missing = "غير متوفر" if lang == "ar" else "non renseigné"
    steps = page.locator(".sheet-step")
    assert steps.count() >= 3
    for i in range(steps.count()):
        channels = steps.nth(i).locator(".reach-channels")
        if channels.locator("[data-source=service] a[href^='tel:']").count() == 0:
            assert missing in channels.locator("[data-missing=phone]").text_content()
    assert page.evaluate(REORDERED) == []
    check_page(page, f"fiche-{lang}")
    with page.expect_download() as download:
        page.click("#download-pdf")
    pdf = download.value
    assert "violence" not in pdf.url and "age=" not in pdf.url  # posted, never in a URL
    target = SCREENSHOTS / f"fiche-{lang}.pdf"
    pdf.save_as(str(target))
    assert target.read_bytes().startswith(b"%PDF-")
    sign_out(page)


def test_search_in_arabic_finds_a_hospital_by_its_arabic_name(
        page: Any, served: Served) -> None:
    to_arabic(page)
    page.goto("/annuaire?q=" + "الرازي")
    results = page.locator(".result")
    assert results.count() >= 1
    assert "الرازي" in results.first.locator("h2").inner_text()
    assert page.evaluate(REORDERED) == []
    check_page(page, "search-errazi-ar")
