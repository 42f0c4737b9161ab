"""What every page must pass in the browser: basic accessibility, no overflow on a phone.

:func:`check_page` is called on each page a scenario reaches: it asserts the
accessibility basics (every input, select and textarea labelled; every image
with alt text; ``lang`` and ``dir`` on ``<html>``; frames titled; buttons and
links with a name; ids unique), takes screenshots at 1280 px and 390 px into
``test-artifacts/screenshots/`` and asserts nothing overflows horizontally at
390 px.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from web_support import SeedAssociation

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@dataclass(frozen=True)
class Served:
    """The app under test: its base URL and the seed association the scenarios edit."""

    url: str
    association: SeedAssociation


A11Y_BASICS = """() => {
  const problems = [];
  const html = document.documentElement;
  if (!html.getAttribute("lang")) problems.push("<html> has no lang");
  if (!["ltr", "rtl"].includes(html.getAttribute("dir"))) problems.push("<html> has no dir");
  for (const el of document.querySelectorAll("input, select, textarea")) {
    if (["hidden", "submit", "button", "reset"].includes(el.type)) continue;
    const named = (el.labels && el.labels.length > 0) || el.getAttribute("aria-label")
      || el.getAttribute("aria-labelledby");
    if (!named) problems.push("no label: " + el.outerHTML.slice(0, 120));
  }
  for (const img of document.querySelectorAll("img"))
    if (!img.hasAttribute("alt")) problems.push("no alt: " + img.outerHTML.slice(0, 120));
  for (const frame of document.querySelectorAll("iframe"))
    if (!frame.title) problems.push("untitled frame: " + frame.src);
  for (const el of document.querySelectorAll("button, a[href]"))
    if (!el.textContent.trim() && !el.getAttribute("aria-label"))
      problems.push("control without a name: " + el.outerHTML.slice(0, 120));
  const ids = [...document.querySelectorAll("[id]")].map(e => e.id);
  for (const id of new Set(ids.filter((id, i) => ids.indexOf(id) !== i)))
    problems.push("duplicate id: " + id);
  if (document.querySelectorAll("h1").length !== 1) problems.push("not exactly one <h1>");
  return problems;
}"""

FITS = "() => document.documentElement.scrollWidth <= window.innerWidth"


def check_page(page: Any, name: str) -> None:
    """Accessibility basics, screenshots at both widths, no horizontal overflow on a phone."""
    problems = page.evaluate(A11Y_BASICS)
    assert problems == [], f"{name}: {problems}"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-1280.png"), full_page=True)
    page.set_viewport_size(PHONE)
    try:
        fits = page.evaluate(FITS)
        page.screenshot(path=str(SCREENSHOTS / f"{name}-390.png"), full_page=True)
        assert fits, (f"{name}: {page.evaluate('document.documentElement.scrollWidth')} px wide "
                      f"at {PHONE['width']} px")
    finally:
        page.set_viewport_size(DESKTOP)
