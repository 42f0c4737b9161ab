"""A referral in a real browser: sent from a plan, its fiche printed, received by code in
another organisation's session, accepted and closed."""

from __future__ import annotations

from typing import Any

import pytest
from page_checks import Served, check_page
from test_web_browser import sign_in, sign_out

pytestmark = pytest.mark.browser


def test_send_from_a_plan_print_receive_by_code_accept_close(page: Any, served: Served) -> None:
    sign_in(page, "sender")
    page.goto("/orienter")
    page.fill("#f-commune", "Salé (04.441.01.0)")
    page.fill("#f-age", "13")
    page.select_option("#f-sex", "F")
    page.check("#f-situation-negligence")
    page.click("#orienter-submit")
    # a service of the receiver's organisation (the CAPE of Salé) that the plan proposes
    send = page.locator("form.send-referral[data-send-to^='svc-cape-sale-'] button[type=submit]")
    assert send.count() >= 1
    send.first.click()
    page.wait_for_selector("#fiche")
    code = page.inner_text("#fiche-code").strip()
    assert page.locator("#fiche-qr svg").count() == 1
    assert page.locator("#return-slip").count() == 1
    assert page.locator(".handwritten input, .handwritten textarea").count() == 0
    check_page(page, "referral-fiche")
    page.emulate_media(media="print")
    assert page.locator(".sheet-actions").is_hidden()
    page.emulate_media(media="screen")
    to_service = page.locator(".fiche-service[data-side='to_service'] b").first.inner_text()
    sign_out(page)

    sign_in(page, "receiver")
    page.goto("/orientations")
    check_page(page, "orientations")
    page.fill("#code", code.lower().replace("-", " "))
    page.click("#code-box button[type=submit]")
    page.wait_for_selector("#referral")
    assert to_service in page.inner_text("#referral")
    assert page.get_attribute("#referral", "data-status") == "received"
    page.click("form[data-action='accepted'] button")
    page.wait_for_selector("#referral[data-status='accepted']")
    page.click("form[data-action='completed'] button")
    page.wait_for_selector("#referral[data-status='completed']")
    check_page(page, "orientation")
    sign_out(page)

    sign_in(page, "sender")
    page.goto("/orientations")
    row = page.locator(f"#outgoing li[data-code='{code}']")
    assert row.get_attribute("data-status") == "completed"
