"""The issue's scenarios in a real browser (Debian's Chromium through Playwright).

Every page reached is checked by :func:`page_checks.check_page`: accessibility
basics, screenshots at 1280 and 390 px, no horizontal overflow on a phone.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from page_checks import Served, check_page
from web_support import PASSWORD

pytestmark = pytest.mark.browser


def sign_in(page: Any, username: str) -> None:
    page.goto("/connexion")
    page.fill("#f-username", username)
    page.fill("#f-password", PASSWORD)
    page.click("form[action='/connexion'] button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("#signout").count() == 1, f"{username} is not signed in"


def sign_out(page: Any) -> None:
    page.click("#signout")
    page.wait_for_load_state()
    assert page.locator("#signin-link").count() == 1


def test_orientation_form_to_plan_to_printable_referral_sheet(page: Any, served: Served) -> None:
    page.goto("/")
    check_page(page, "home")
    page.click("a[href='/orienter'] >> nth=0")
    check_page(page, "orienter")
    page.fill("#f-commune", "sal")
    suggestion = page.locator("#communes-list option").first
    suggestion.wait_for(state="attached")
    page.fill("#f-commune", "Salé (04.441.01.0)")
    page.fill("#f-age", "12")
    page.select_option("#f-sex", "F")
    page.check("#f-situation-violence_sexuelle")
    page.check("#f-urgent")
    page.click("#orienter-submit")
    stages = page.locator("#plan-stages > li")
    assert stages.first.get_attribute("data-stage") == "urgence"  # urgent cases start there
    proposed = page.locator("#plan-stages > li:not(.skipped) .choice").count()
    assert proposed >= 4
    assert "Salé" in page.inner_text("#plan-summary")
    route_map = page.frame_locator("section.map iframe")
    page.locator("section.map iframe").scroll_into_view_if_needed()
    route_map.locator(".leaflet-container").wait_for()
    check_page(page, "plan")

    page.click("#to-sheet")
    page.wait_for_selector("#sheet")
    steps = page.locator(".sheet-step")
    assert steps.count() == page.locator(".sheet-step[data-stage]").count() >= 4
    assert steps.first.get_attribute("data-stage") == "urgence"
    # Lines for the child's details are blank and handwritten: nothing to type, nothing sent.
    blanks = page.locator(".handwritten .blank-line")
    assert blanks.count() >= 5
    assert page.locator(".handwritten input, .handwritten textarea").count() == 0
    check_page(page, "fiche")
    page.emulate_media(media="print")
    assert page.locator("header.top").is_hidden()
    assert page.locator(".sheet-actions").is_hidden()
    assert page.locator(".sheet-step").first.is_visible()
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page[^s]", pdf)) >= 1


def test_association_edits_its_entry_and_a_coordinator_verifies(page: Any,
                                                                served: Served) -> None:
    org = served.association.org
    sign_in(page, "asso")
    assert page.url.endswith("/mon-organisation")
    check_page(page, "mon-organisation")
    page.click(f"a[href='/organisations/{org.id}/modifier']")
    check_page(page, "edit-organisation")
    row = len(org.channels)  # the blank row offered to add a channel
    value = f"#f-channels-{row}-value"
    page.select_option(f"#f-channels-{row}-kind", "phone")
    page.fill(value, "05 37 12")
    page.click("#save")
    error = page.locator(f"#f-channels-{row}-value-error")
    assert "numéro" in error.inner_text()
    assert page.get_attribute(value, "aria-invalid") == "true"
    assert page.input_value(value) == "05 37 12"  # what was typed is kept
    check_page(page, "edit-organisation-error")
    page.fill(value, "0537 88 77 66")
    page.click("#save")
    page.wait_for_url("**/mon-organisation")
    assert "non vérifié" in page.inner_text(".flash")
    assert page.locator("#entry-organization [data-status=unverified]").count() == 1
    page.click(f"a[href='/lieux/{served.association.site.id}/modifier']")
    check_page(page, "edit-site")
    page.goto("/mon-organisation")
    page.click("a[href^='/services/'] >> nth=0")
    check_page(page, "edit-service")
    sign_out(page)

    sign_in(page, "coord")
    assert page.url.endswith("/coordination")
    pending = page.locator(f"#pending [data-entry='{org.id}']")
    assert pending.count() == 1
    check_page(page, "coordination")
    pending.locator("a", has_text="Examiner").click()
    changed = page.locator("#diff tr.changed[data-field=channels]")
    assert "05 37 88 77 66" in changed.locator("td.after").inner_text()  # read as dialled
    assert "05 37 88 77 66" not in changed.locator("td.before").inner_text()
    check_page(page, "review")
    page.click("#verify")
    page.wait_for_url("**/coordination")
    assert page.locator(".flash").count() == 1
    assert page.locator(f"#pending [data-entry='{org.id}']").count() == 0
    page.goto(f"/organisations/{org.id}")
    assert page.locator("#org-status .badge.ok").count() == 1


def test_anonymous_visitor_sees_no_contact_person(page: Any, served: Served) -> None:
    org = served.association.org
    page.goto(f"/annuaire?q={org.name.split()[-1]}")
    check_page(page, "annuaire")
    page.click(f"a[href='/organisations/{org.id}']")
    assert served.association.person not in page.content()
    assert page.locator("#contacts-signin").is_visible()
    check_page(page, "organisation-public")
    page.goto("/connexion")
    check_page(page, "signin")
    sign_in(page, "pro")
    page.goto(f"/organisations/{org.id}")
    assert served.association.person in page.inner_text("#contacts")
    check_page(page, "organisation-professional")


def test_arabic_toggle_switches_the_page_to_right_to_left(page: Any, served: Served) -> None:
    page.goto("/annuaire")
    assert page.get_attribute("html", "dir") == "ltr"
    page.click("#lang-toggle")
    page.wait_for_function("document.documentElement.dir === 'rtl'")
    assert page.get_attribute("html", "lang") == "ar"
    assert page.url.endswith("/annuaire")
    assert "الدليل" in page.inner_text("h1")
    check_page(page, "annuaire-ar")
    page.goto("/orienter")
    assert page.get_attribute("html", "dir") == "rtl"
    check_page(page, "orienter-ar")
    page.click("#lang-toggle")
    page.wait_for_function("document.documentElement.dir === 'ltr'")
    assert page.get_attribute("html", "lang") == "fr"
