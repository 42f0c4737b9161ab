"""Reading pages: the annuaire, organisation pages, languages, what the public may see."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

import pytest
from starlette.testclient import TestClient
from web_support import Web, field_error, open_web, sign_in, submit

from graph_service.domain.entities import Organization, Site
from graph_service.search import Filter, IndexCache, organization_ids
from graph_service.web.communes import MAX_SUGGESTIONS
from graph_service.web.i18n import LABELS


@pytest.fixture
def web(make_client: Callable[..., TestClient]) -> Web:
    return open_web(make_client)


def listed(html: str) -> list[str]:
    """Organisation ids of a result page, in order."""
    return re.findall(r'<h2><a href="/organisations/([^"]+)">', html)


def all_listed(client: TestClient, query: str) -> list[str]:
    ids, page = [], 1
    while True:
        html = client.get(f"/annuaire?{query}&page={page}").text
        ids += listed(html)
        if 'rel="next"' not in html:
            return ids
        page += 1


def test_pages_are_french_then_arabic_right_to_left_after_the_toggle(web: Web) -> None:
    urls = ["/", "/orienter", "/annuaire", f"/organisations/{web.association.org.id}",
            "/connexion"]
    for url in urls:
        page = web.client.get(url)
        assert page.status_code == 200, url
        assert '<html lang="fr" dir="ltr">' in page.text, url
    switched = submit(web.client, "/annuaire", "/langue", lang="ar")
    assert switched.url.path == "/annuaire"  # back where the toggle was pressed
    for url in urls:
        page = web.client.get(url)
        assert '<html lang="ar" dir="rtl">' in page.text, url
        assert "الدليل" in page.text  # the navigation's "Annuaire"


def test_text_search_ignores_accents_and_case_and_matches_the_api_filter(web: Web) -> None:
    """« SALE » finds what the API's text filter finds (the organisations named Salé, and those
    working in Salé), those named Salé first."""
    salé = [o.id for o in web.store.entries("organization")
            if isinstance(o, Organization) and "Salé" in o.name]
    assert salé
    shown = all_listed(web.client, "q=SALE")
    index = IndexCache(web.store).get()
    assert sorted(shown) == organization_ids(index, Filter(text="SALE"), exact_places=False)
    assert set(shown[:len(salé)]) == set(salé)


def test_filters_list_what_the_api_search_lists(web: Web) -> None:
    index = IndexCache(web.store).get()
    for query, criteria in [
        ("province=04.441&stage=urgence", Filter(province="04.441", stage="urgence")),
        ("sector=justice", Filter(sector="justice")),
        ("situation=violence_sexuelle&commune=Kénitra", None),
    ]:
        shown = all_listed(web.client, query)
        if criteria is None:
            kenitra = [t.code for t in web.store.territories("commune")
                       if t.name_fr == "Kénitra"]
            criteria = Filter(situation="violence_sexuelle", commune=kenitra[0])
        assert shown == organization_ids(index, criteria, exact_places=False), query
        assert shown, query


def test_unknown_filters_are_named_with_close_communes_suggested(web: Web) -> None:
    page = web.client.get("/annuaire?commune=Sallé&stage=nope")
    assert page.status_code == 200
    assert "Salé" in field_error(page.text, "f-commune")
    assert 'id="f-stage-error"' in page.text


def test_commune_suggestions_read_french_and_arabic_names(web: Web) -> None:
    french = web.client.get("/communes.json", params={"q": "sale"}).json()
    assert french[0]["value"] == "Salé (04.441.01.0)"
    arabic = web.client.get("/communes.json", params={"q": "سلا"}).json()
    assert "Salé (04.441.01.0)" in [s["value"] for s in arabic]
    assert len(web.client.get("/communes.json", params={"q": "a"}).json()) == MAX_SUGGESTIONS
    assert web.client.get("/communes.json", params={"q": " "}).json() == []


def test_contact_persons_only_for_signed_in_professionals_and_their_reading_is_audited(
    web: Web,
) -> None:
    url = f"/organisations/{web.association.org.id}"
    public = web.client.get(url).text
    assert web.association.person not in public
    assert 'id="contacts-signin"' in public
    sign_in(web.client, "pro")
    professional = web.client.get(url).text
    assert web.association.person in professional
    contacts = web.store.entries("contact", where={"organization_id": web.association.org.id})
    assert contacts
    for contact in contacts:  # each contact's own trail shows who read it, as through the API
        reads = [e for e in web.store.audit_trail(contact.id, limit=1000)
                 if e.action == "read_contacts"]
        assert [(e.actor, e.entity_kind) for e in reads] == [("pro", "contact")]


def test_confidential_sites_show_only_their_commune_to_the_public(web: Web) -> None:
    site = next(s for s in web.store.entries("site") if isinstance(s, Site) and s.confidential)
    assert site.address or site.name
    commune = web.store.territory(site.commune_code)
    assert commune is not None
    url = f"/organisations/{site.organization_id}"
    public = web.client.get(url).text
    assert commune.name_fr in public
    for secret in (site.address, site.name):
        if secret:
            assert secret not in public
    sign_in(web.client, "pro")
    professional = web.client.get(url).text
    assert (site.address or site.name) in professional


def test_unknown_organisation_is_a_not_found_page(web: Web) -> None:
    page = web.client.get("/organisations/no-such-org")
    assert page.status_code == 404
    assert "Page introuvable" in page.text


def test_every_label_has_french_and_arabic_with_the_same_placeholders() -> None:
    wrong = [key for key, (fr, ar) in LABELS.items()
             if not (fr.strip() and ar.strip())
             or set(re.findall(r"{(\w+)}", fr)) != set(re.findall(r"{(\w+)}", ar))]
    assert wrong == []


def test_an_unknown_code_gets_the_valid_codes_and_the_closest_in_the_page_language(
        web: Web) -> None:
    french = web.client.get("/annuaire?situation=travail")
    text = html.unescape(french.text)
    assert "code inconnu 'travail' ; voulez-vous dire exploitation_economique ?" in text
    assert "codes possibles : violence_sexuelle" in text
    submit(web.client, "/annuaire", "/langue", lang="ar")
    arabic = html.unescape(web.client.get("/annuaire?situation=travail").text)
    assert "رمز غير معروف «travail» ؛ هل تقصد exploitation_economique؟" in arabic
