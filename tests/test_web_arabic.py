"""Arabic for real: every page in Arabic says nothing in French or English but data; Arabic
names are shown and found; the fiche de liaison carries the situation summary and prints as a
PDF, posted (never in a URL)."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator

import pytest
from starlette.testclient import TestClient
from web_support import Web, form_of, forms_of, open_web, sign_in, submit, urls_of

from graph_service.domain.entities import Organization, Service
from graph_service.search import IndexCache
from graph_service.web.i18n import term

SITUATION = {"commune": "Salé (04.441.01.0)", "age": "12", "sex": "F",
             "situation": "violence_sexuelle", "urgent": "1"}

ALLOWED_LATIN = {
    "km", "pdf", "csv", "markdown", "hcp", "utc", "f", "m", "id", "tel", "www", "http", "https",
    "ok", "sms", "whatsapp", "ma", "gov", "fr", "ar", "qr", "docx", "xlsx", "osm",
    "openstreetmap", "leaflet", "dtipe", "upe", "cape", "cppe", "ccpes",
}
"""Codes, units and proper names an Arabic page may show in Latin letters."""


@pytest.fixture
def web(make_client: Callable[..., TestClient]) -> Web:
    web = open_web(make_client)
    submit(web.client, "/", "/langue", lang="ar")
    assert '<html lang="ar" dir="rtl">' in web.client.get("/").text
    return web


def data_texts(web: Web) -> set[str]:
    """Every text of the annuaire as given by its authors (names, addresses, notes…), entry
    ids, and the French names of places: what an Arabic page may show as is."""
    snapshot = IndexCache(web.store).get().snapshot
    out: set[str] = set()
    for entry in (*snapshot.organizations.values(), *snapshot.services.values(),
                  *snapshot.sites.values(), *snapshot.contacts.values()):
        for value in vars_of(entry):
            out.add(value)
    for link in snapshot.links.values():
        out.update((link.id, *link.documents))  # a link has no name yet: its id is shown
    for territory in snapshot.territories.values():
        out.add(territory.name_fr)
    out |= {"asso", "coord", "pro", "admin", "asso-other", "coord-elsewhere"}
    return {t for t in out if t.strip()}


def vars_of(entry: object) -> Iterator[str]:
    for name in getattr(entry, "__dataclass_fields__", {}):
        value = getattr(entry, name)
        if isinstance(value, str):
            yield value
        elif isinstance(value, tuple):
            for item in value:
                if isinstance(item, str):
                    yield item
                else:
                    yield from vars_of(item)


def ui_latin_words(page: str, data: set[str]) -> set[str]:
    """The Latin-script words of a page's visible text once data values are taken out."""
    body = re.sub(r"<(script|style|svg|textarea|code)\b.*?</\1>", " ", page, flags=re.S)
    # the other language, shown on purpose beside a label, and the language switch
    body = re.sub(r'<span class="alt" lang="fr".*?</span>|<button[^>]*id="lang-toggle".*?</button>',
                  " ", body, flags=re.S)
    body = re.sub(r"<bdi dir=\"ltr\">.*?</bdi>", " ", body, flags=re.S)  # isolated codes
    text = html.unescape(re.sub(r"<[^>]+>", "\n", body))
    for value in sorted(data, key=len, reverse=True):
        if value in text:
            text = re.sub(rf"(?<!\w){re.escape(value)}(?!\w)", " ", text)
    words = {w.lower() for w in re.findall(r"[A-Za-zÀ-ÿ]{2,}", text)}
    return words - ALLOWED_LATIN


def arabic_pages(web: Web) -> Iterator[tuple[str, str]]:
    """(name, HTML) of every page a person reaches, public then signed in."""
    client = web.client
    yield "home", client.get("/").text
    yield "orienter", client.get("/orienter").text
    plan = submit(client, "/orienter", "/orienter", **SITUATION)
    yield "plan", plan.text
    yield "fiche", client.post("/orienter/fiche",
                               data=form_of(plan.text, "/orienter/fiche").values()).text
    yield "refused", submit(client, "/orienter", "/orienter", commune=TYPED_COMMUNE,
                            situation=[]).text
    yield "annuaire", client.get("/annuaire").text
    yield "search", client.get("/annuaire", params={"q": "محكمة"}).text
    yield "organisation", client.get(f"/organisations/{web.association.org.id}").text
    yield "signin", client.get("/connexion").text
    missing = client.get("/organisations/no-such-entry")
    assert missing.status_code == 404
    yield "not found", missing.text
    expired = client.post("/orienter", data={"situation": "negligence"})  # no CSRF token
    assert expired.status_code in (400, 403)
    yield "expired form", expired.text
    sign_in(client, "asso")
    yield from association_pages(web)
    sign_in(client, "coord")
    yield "coordination", client.get("/coordination").text
    yield "review", client.get(f"/coordination/revue/{web.association.service.id}").text
    yield "orientations desk", client.get("/coordination/orientations").text
    sign_in(client, "asso")
    yield "mon organisation", client.get("/mon-organisation").text
    new_service = f"/organisations/{web.association.org.id}/services/nouveau"
    yield "new service", client.get(new_service).text
    yield "refused service", submit(client, new_service, new_service, name="",
                                    **{"channels[0].value": TYPED_PHONE,
                                       "hours[0].opens_at": "17:00",
                                       "hours[0].closes_at": "09:00"}).text
    new_site = f"/organisations/{web.association.org.id}/lieux/nouveau"
    yield "refused site", submit(client, new_site, new_site, commune_code=TYPED_COMMUNE,
                                 lat="x").text


TYPED_COMMUNE, TYPED_PHONE = "Sallé", "O537881234"
"""What the person typed, shown back as typed in the errors (data, not interface)."""


def association_pages(web: Web) -> Iterator[tuple[str, str]]:
    """The association's pages: editing its entries (and a refused edit), sending a referral,
    the referral and its fiche."""
    client, asso = web.client, web.association
    for kind, url in (("organisation", f"/organisations/{asso.org.id}/modifier"),
                      ("site", f"/lieux/{asso.site.id}/modifier"),
                      ("service", f"/services/{asso.service.id}/modifier")):
        yield f"edit {kind}", client.get(url).text
    url = f"/services/{asso.service.id}/modifier"
    refused = submit(client, url, url, **{"channels[0].kind": "phone",
                                          "channels[0].value": TYPED_PHONE, "age_min": "x"})
    assert refused.status_code == 400 and "«x» ليس عددا صحيحا" in html.unescape(refused.text)
    yield "refused edit", refused.text
    plan = submit(client, "/orienter", "/orienter", **SITUATION).text
    send = next(f for f in forms_of(plan) if f.action == "/orientations/envoyer")
    fiche = client.post("/orientations/envoyer", data=send.values())
    code = re.search(r'id="fiche-code">([^<]+)<', fiche.text)
    assert code is not None
    yield "referral fiche", fiche.text
    yield "referral", client.get(f"/orientations/{code.group(1)}").text
    yield "orientations", client.get("/orientations").text


def test_every_page_in_arabic_shows_no_french_or_english_outside_data(web: Web) -> None:
    pages = dict(arabic_pages(web))
    referrals = {c for page in pages.values() for c in re.findall(r'data-code="([^"]+)"', page)}
    # what was typed and a referral's code are data, like an entry's id
    data = data_texts(web) | {TYPED_COMMUNE, TYPED_PHONE} | referrals
    found = {name: ui_latin_words(page, data) for name, page in pages.items()}
    assert {name: words for name, words in found.items() if words} == {}


def test_arabic_names_are_shown_and_found(web: Web) -> None:
    for query, expected in (("محكمة", "المحكمة الابتدائية"), ("الرازي", "مستشفى الرازي"),
                            ("المحكمه", "المحكمة الابتدائية"), ("رازي", "مستشفى الرازي")):
        page = web.client.get("/annuaire", params={"q": query})
        assert page.status_code == 200
        assert expected in html.unescape(page.text), query


def test_the_plan_in_arabic_says_its_reasons_in_arabic_with_numbers_isolated(web: Web) -> None:
    page = submit(web.client, "/orienter", "/orienter", **SITUATION).text
    text = html.unescape(page)
    assert "على بعد" in text and "كلم" in text  # « à 0.0 km » said in Arabic
    assert "à 0.0 km" not in text
    assert re.search(r'<a href="tel:\+?\d+"[^>]*dir="ltr"', page)
    for km in re.findall(r'<bdi class="km">([^<]*)</bdi>', page):
        assert "\u00a0كلم" in km  # never split from its number


def test_the_fiche_summarises_the_situation_and_downloads_as_a_pdf_by_post(web: Web) -> None:
    sign_in(web.client, "asso")
    plan = submit(web.client, "/orienter", "/orienter", **SITUATION).text
    sheet_form = form_of(plan, "/orienter/fiche")
    referrer = sheet_form.get("referrer")
    assert referrer is not None
    sheet = web.client.post("/orienter/fiche", data=sheet_form.values())
    text = html.unescape(sheet.text)
    snapshot = IndexCache(web.store).get().snapshot
    service: Service = snapshot.services[referrer]
    assert (service.name_ar or service.name) in text
    assert re.search(r'id="sheet-date"><bdi dir="ltr">\d\d/\d\d/\d{4}</bdi>', sheet.text)
    assert "12-14" in text or "سنة" in text  # the age band, never the age
    assert "أنثى" in text and "مستعجل" in text
    assert all("violence" not in url and "04.441" not in url for url in urls_of(sheet.text))
    pdf = web.client.post("/orienter/fiche.pdf",
                          data=form_of(sheet.text, "/orienter/fiche.pdf").values())
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["cache-control"] == "no-store"
    assert pdf.content.startswith(b"%PDF-") and b"DejaVuSans" in pdf.content


def test_organisation_and_site_names_come_in_arabic_where_they_have_one(web: Web) -> None:
    snapshot = IndexCache(web.store).get().snapshot
    org = next(o for o in snapshot.organizations.values()
               if isinstance(o, Organization) and o.name_ar.startswith("مستشفى الرازي"))
    page = html.unescape(web.client.get(f"/organisations/{org.id}").text)
    assert org.name_ar in page


def test_the_referral_fiche_is_in_arabic_only_and_downloads_as_a_pdf(web: Web) -> None:
    sign_in(web.client, "asso")
    plan = submit(web.client, "/orienter", "/orienter", **SITUATION).text
    send = next(f for f in forms_of(plan) if f.action == "/orientations/envoyer")
    fiche = web.client.post("/orientations/envoyer", data=send.values())
    text = html.unescape(fiche.text)
    assert "بطاقة الربط — توجيه طفل" in text and "Fiche de liaison" not in text
    assert term("age_band", "age_12_14", "ar") in text and "أنثى" in text and "مستعجل" in text
    pdf_links = [u for u in urls_of(fiche.text) if u.endswith("/fiche.pdf")]
    assert len(pdf_links) == 1 and "violence" not in pdf_links[0]
    pdf = web.client.get(pdf_links[0])
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["cache-control"] == "no-store"
    assert pdf.content.startswith(b"%PDF-") and b"DejaVuSans" in pdf.content


def test_the_action_plan_in_arabic_drafts_its_objectives_and_actions_in_arabic(web: Web) -> None:
    sign_in(web.client, "admin")
    plan = web.client.get("/coordination/plan-action.md", params={"province": "04.281"})
    assert plan.status_code == 200
    canvas = plan.text[plan.text.index("### الأولوية 1"):]
    assert "#### الهدف العام 2: تقريب الخدمات" in canvas and "سوق الأربعاء (" in canvas
    assert ui_latin_words(canvas, data_texts(web)) == set()
