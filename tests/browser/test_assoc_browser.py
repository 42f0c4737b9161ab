"""An association adds a service and corrects a bad phone number — in Chromium, French and Arabic.

What the person sees is asserted: each error names its field by its label (never an input's
name such as ``channels[0].value``), shows an example of what is expected, and the pages fit a
phone's width (:func:`page_checks.check_page`, which also keeps screenshots at 1280 and 390 px
under ``test-artifacts/screenshots/``).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from page_checks import Served, check_page
from test_reach_browser import to_arabic
from test_web_browser import sign_in, sign_out

pytestmark = pytest.mark.browser

INTERNAL_KEY = re.compile(r"\w+\[\d+\]|\b[a-z]+_[a-z_]+\b")
"""An input's or a code's name where a person should read a label."""
ERRORS = "() => [...document.querySelectorAll('.field-error, #form-errors li')]" \
         ".map(e => e.textContent.trim())"
EXAMPLE = "05 37 88 12 34"


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_an_association_adds_a_service_and_corrects_a_phone_typed_with_a_letter_o(
        page: Any, served: Served, lang: str) -> None:
    sign_in(page, "asso")
    if lang == "ar":
        to_arabic(page)
    name = f"Écoute et orientation ({lang})"
    page.goto("/mon-organisation")
    page.click("#new-service")
    page.wait_for_selector("#f-name")
    page.fill("#f-name", name)
    page.check("#f-stages-detection")
    page.check(f"#f-site_ids-{served.association.site.id}")
    page.fill("#f-channels-0-value", "O537881234")
    page.press("#f-channels-0-value", "Tab")  # checked as soon as it is typed…
    typed = page.wait_for_selector("#f-channels-0-value-error")
    assert EXAMPLE in typed.text_content()
    page.click("button[data-add-row=channels]")  # a row added in the page
    assert page.locator("#f-channels-1-value").count() == 1
    page.click("#save")  # …and refused, with every other problem, when saved
    page.wait_for_selector("#form-errors")
    shown = page.evaluate(ERRORS)
    assert shown and not [e for e in shown if INTERNAL_KEY.search(e)], shown
    phone = page.text_content("#f-channels-0-value-error")
    label = "Téléphone (moyen de contact 1)" if lang == "fr" else "الهاتف (وسيلة الاتصال 1)"
    assert label in phone and EXAMPLE in phone
    assert "O" in phone and ("la lettre O" if lang == "fr" else "الحرف O") in phone
    check_page(page, f"assoc-service-refused-{lang}")

    page.fill("#f-channels-0-value", EXAMPLE)
    page.click("#save")
    page.wait_for_url("**/mon-organisation")
    entry = page.locator(".entries li", has_text=name)
    assert entry.count() == 1
    check_page(page, f"assoc-service-added-{lang}")
    sign_out(page)
