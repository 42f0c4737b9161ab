"""Mon organisation and the coordinator's review: edits through the pages, as people make them."""

from __future__ import annotations

import dataclasses
import html
import re
from collections.abc import Callable

import pytest
from starlette.testclient import TestClient
from web_support import Web, field_error, form_of, open_web, sign_in, submit

from graph_service.domain.entities import Channel, Organization, Service, Site


@pytest.fixture
def web(make_client: Callable[..., TestClient]) -> Web:
    return open_web(make_client)


def org_edit(web: Web) -> str:
    return f"/organisations/{web.association.org.id}/modifier"


def stored_org(web: Web) -> Organization:
    org = web.store.get("organization", web.association.org.id)
    assert isinstance(org, Organization)
    return org


def test_association_sees_a_bad_phone_next_to_its_input_then_saves_unverified(web: Web) -> None:
    sign_in(web.client, "asso")
    row = len(web.association.org.channels)  # the blank row offered to add a channel
    before = stored_org(web)
    refused = submit(web.client, org_edit(web), org_edit(web),
                     **{f"channels[{row}].kind": "phone", f"channels[{row}].value": "05 37 12"})
    assert refused.status_code == 400
    assert "numéro" in field_error(refused.text, f"f-channels-{row}-value")
    assert re.search(rf'id="f-channels-{row}-value"[^>]*aria-invalid="true"', refused.text)
    assert 'value="05 37 12"' in refused.text  # what was typed is shown again
    assert stored_org(web) == before  # nothing written

    saved = submit(web.client, org_edit(web), org_edit(web),
                   **{f"channels[{row}].kind": "phone", f"channels[{row}].value": "0537 12 34 56"})
    assert saved.url.path == "/mon-organisation"
    assert "non vérifiée" in saved.text
    org = stored_org(web)
    assert org.version == before.version + 1 and not org.is_verified
    assert Channel(kind="phone", value="+212537123456") in org.channels  # stored normalised
    public = web.client.get(f"/organisations/{org.id}").text
    assert 'data-status="unverified"' in public.split('id="org-status"')[1].split("</p>")[0]


def test_every_refused_field_of_a_service_is_named_at_once(web: Web) -> None:
    sign_in(web.client, "asso")
    service = web.association.service
    url = f"/services/{service.id}/modifier"
    refused = submit(web.client, url, url, name="", age_min="douze", age_max="30", stages=[],
                     **{"hours[0].byday": ["MO"], "hours[0].opens_at": "17:00",
                        "hours[0].closes_at": "09:00"})
    assert refused.status_code == 400
    for field_id in ("f-name", "f-age_min", "f-age_max", "f-stages", "f-hours-0-closes_at"):
        assert field_error(refused.text, field_id), field_id
    assert web.store.get("service", service.id) == service


def test_an_association_cannot_open_or_change_another_organisation(web: Web) -> None:
    sign_in(web.client, "asso-other")
    url = org_edit(web)
    assert web.client.get(url).status_code == 403
    token = form_of(web.client.get("/").text, "/langue").get("csrf")
    answer = web.client.post(url, data={"csrf": token, "version": "1", "name": "Pris"})
    assert answer.status_code == 403
    assert stored_org(web).name == web.association.org.name


def test_an_edit_based_on_a_stale_version_is_refused_and_loses_nothing(web: Web) -> None:
    sign_in(web.client, "asso")
    form = form_of(web.client.get(org_edit(web)).text, org_edit(web))
    current = stored_org(web)
    web.store.update(dataclasses.replace(current, description="Changé ailleurs"),
                     expected_version=current.version, actor="colleague")
    answer = web.client.post(org_edit(web), data=form.values(name="Mon nouveau nom"))
    assert answer.status_code == 409
    assert "modifiée entre-temps" in answer.text
    assert stored_org(web).description == "Changé ailleurs"
    assert stored_org(web).name == web.association.org.name


def test_a_site_commune_is_read_from_the_list_or_refused_by_name(web: Web) -> None:
    sign_in(web.client, "asso")
    site = web.association.site
    url = f"/lieux/{site.id}/modifier"
    refused = submit(web.client, url, url, commune_code="Nulle-Part-Sur-Mer")
    assert refused.status_code == 400
    assert "Nulle-Part-Sur-Mer" in field_error(refused.text, "f-commune_code")
    saved = submit(web.client, url, url, commune_code="Kénitra (04.281.01.01)",
                   lat="", lon="")
    assert saved.status_code == 200 and saved.url.path == "/mon-organisation"
    stored = web.store.get("site", site.id)
    assert isinstance(stored, Site) and stored.commune_code == "04.281.01.01"


def test_a_coordinator_reviews_the_diff_and_verifies_in_one_click(web: Web) -> None:
    sign_in(web.client, "asso")
    submit(web.client, org_edit(web), org_edit(web), description="Nouvelle description")
    submit(web.client, "/", "/deconnexion")
    sign_in(web.client, "coord")
    desk = web.client.get("/coordination").text
    org_id = web.association.org.id
    assert f'data-entry="{org_id}"' in desk.split('id="stale"')[0]  # in the pending list
    review = web.client.get(f"/coordination/revue/{org_id}").text
    row = re.search(r'<tr class="changed" data-field="description">(.*?)</tr>', review, re.S)
    assert row and "Nouvelle description" in row.group(1)
    assert web.association.org.description[:40] in row.group(1)  # the text before the edit
    assert 'data-field="name"' in review and '<tr class="changed" data-field="name">' \
        not in review
    verified = submit(web.client, f"/coordination/revue/{org_id}",
                      f"/coordination/revue/{org_id}/verifier")
    assert verified.url.path == "/coordination"
    assert "Fiche vérifiée" in verified.text
    assert f'data-entry="{org_id}"' not in verified.text.split('id="stale"')[0]
    org = stored_org(web)
    assert org.is_verified and org.verified_by == "coord"


def test_a_coordinator_of_another_province_can_neither_review_nor_verify(web: Web) -> None:
    sign_in(web.client, "coord-elsewhere")
    org_id = web.association.org.id
    assert web.client.get(f"/coordination/revue/{org_id}").status_code == 403
    token = form_of(web.client.get("/").text, "/langue").get("csrf")
    answer = web.client.post(f"/coordination/revue/{org_id}/verifier",
                             data={"csrf": token, "version": str(stored_org(web).version)})
    assert answer.status_code == 403
    assert not stored_org(web).is_verified


def test_coordination_is_for_coordinators_and_admins(web: Web) -> None:
    anonymous = web.client.get("/coordination", follow_redirects=False)
    assert anonymous.headers["location"] == "/connexion?next=%2Fcoordination"
    sign_in(web.client, "pro")
    assert web.client.get("/coordination").status_code == 403
    submit(web.client, "/", "/deconnexion")
    sign_in(web.client, "admin")
    chooser = web.client.get("/coordination").text
    assert 'name="province"' in chooser
    desk = web.client.get("/coordination", params={"province": web.association.province})
    assert 'id="pending"' in desk.text


def test_a_coordinators_own_edit_counts_as_verified(web: Web) -> None:
    sign_in(web.client, "coord")
    saved = submit(web.client, org_edit(web), org_edit(web), description="Vu en CPPE")
    assert "Modification enregistrée." in saved.text
    org = stored_org(web)
    assert org.description == "Vu en CPPE" and org.is_verified


def test_a_service_area_and_whether_it_receives_children_round_trip_through_the_form(
    web: Web,
) -> None:
    sign_in(web.client, "asso")
    service = web.association.service
    url = f"/services/{service.id}/modifier"
    form = html.unescape(web.client.get(url).text)
    derived = form.split('id="derived-area">')[1].split("</p>")[0]  # no area stated
    assert "provinces de ses lieux d'accueil" in derived and "Salé" in derived
    saved = submit(web.client, url, url, area_codes="Kénitra (04.281)\nsale\n",
                   receives_children="false")
    assert saved.status_code == 200 and saved.url.path == "/mon-organisation"
    stored = web.store.get("service", service.id)
    assert isinstance(stored, Service)
    assert stored.area_codes == ("04.281", "04.441") and stored.receives_children is False
    shown = web.client.get(url).text
    assert "Kénitra (04.281)\nSalé (04.441)" in html.unescape(shown)  # as stored, named
    assert re.search(r'<option value="false" selected>Non</option>', shown)
    assert 'id="derived-area"' not in shown

    back = submit(web.client, url, url, area_codes="", receives_children="")
    assert back.status_code == 200
    stored = web.store.get("service", service.id)
    assert isinstance(stored, Service)
    assert stored.area_codes == () and stored.receives_children is None


@pytest.mark.parametrize(("lang", "label"), [("fr", "Territoires desservis"),
                                             ("ar", "المجالات الترابية المشمولة")])
def test_an_unknown_territory_is_refused_naming_the_area_field(web: Web, lang: str,
                                                                label: str) -> None:
    sign_in(web.client, "asso")
    if lang == "ar":
        submit(web.client, "/", "/langue", lang="ar")
    service = web.association.service
    url = f"/services/{service.id}/modifier"
    refused = submit(web.client, url, url, area_codes="Salé\nNulle-Part-Sur-Mer")
    assert refused.status_code == 400
    assert "Nulle-Part-Sur-Mer" in field_error(refused.text, "f-area_codes")
    summary = refused.text.split('id="form-errors"')[1].split("</div>")[0]
    assert f'<a href="#f-area_codes">{label}</a>' in summary
    assert web.store.get("service", service.id) == service


def new_service_url(web: Web) -> str:
    return f"/organisations/{web.association.org.id}/services/nouveau"


INTERNAL_KEY = re.compile(r"\w+\[\d+\]|\b[a-z]+_[a-z_]+\b")
"""An input's name (``channels[0].value``, ``closes_at``) where a person should read a label."""


def test_an_association_adds_a_service_at_its_site_correcting_a_phone_typed_with_a_letter_o(
        web: Web) -> None:
    sign_in(web.client, "asso")
    site = web.association.site
    url = new_service_url(web)
    refused = submit(web.client, url, url, name="Écoute et orientation", stages=["detection"],
                     site_ids=[site.id],
                     **{"channels[0].kind": "phone", "channels[0].value": "O537881234",
                        "hours[0].byday": ["MO"], "hours[0].opens_at": "09:00"})
    assert refused.status_code == 400
    phone = field_error(refused.text, "f-channels-0-value")
    assert phone.startswith("Téléphone (moyen de contact 1) : ")
    assert "la lettre O" in phone and "05 37 88 12 34" in phone  # why, and an example
    closes = field_error(refused.text, "f-hours-0-closes_at")  # in the same answer
    assert closes.startswith("Créneau 1 — Fermeture : est obligatoire") and "09:00" in closes
    summary = html.unescape(refused.text.split('id="form-errors"')[1].split("</div>")[0])
    assert not INTERNAL_KEY.search(re.sub(r"<[^>]+>|#f-[\w-]+", "", summary)), summary
    assert re.search(rf'name="site_ids" value="{site.id}" checked', refused.text)
    assert not [s for s in web.store.entries("service",
                                            where={"organization_id": web.association.org.id})
                if isinstance(s, Service) and s.name == "Écoute et orientation"]

    saved = submit(web.client, url, url, name="Écoute et orientation", stages=["detection"],
                   site_ids=[site.id],
                   **{"channels[0].kind": "phone", "channels[0].value": "05 37 88 12 34",
                      "hours[0].byday": ["MO", "TU"], "hours[0].opens_at": "09:00",
                      "hours[0].closes_at": "16:30"})
    assert saved.url.path == "/mon-organisation"
    assert "Fiche créée" in html.unescape(saved.text)
    created = [s for s in web.store.entries("service",
                                            where={"organization_id": web.association.org.id})
               if isinstance(s, Service) and s.name == "Écoute et orientation"]
    assert len(created) == 1
    service = created[0]
    assert service.site_ids == (site.id,) and not service.is_verified
    assert service.channels == (Channel(kind="phone", value="+212537881234"),)
    assert service.created_by == "asso"
    assert f'id="entry-{service.id}"' in saved.text


def test_errors_are_in_arabic_on_arabic_pages_naming_the_field_by_its_arabic_label(
        web: Web) -> None:
    sign_in(web.client, "asso")
    submit(web.client, "/", "/langue", lang="ar")
    url = new_service_url(web)
    refused = submit(web.client, url, url, name="", stages=["detection"],
                     **{"channels[0].kind": "phone", "channels[0].value": "O537881234"})
    assert refused.status_code == 400
    phone = field_error(refused.text, "f-channels-0-value")
    assert phone.startswith("الهاتف (وسيلة الاتصال 1): ")  # Arabic punctuation
    assert "05 37 88 12 34" in phone and not re.search(r"[a-zé]{4,}", phone.replace(
        "O537881234", ""))  # no French words
    assert field_error(refused.text, "f-name") == "الاسم: إجباري"


def test_an_association_adds_a_site_and_picks_the_commune_it_meant(web: Web) -> None:
    sign_in(web.client, "asso")
    url = f"/organisations/{web.association.org.id}/lieux/nouveau"
    refused = submit(web.client, url, url, name="Antenne", commune_code="Sallé", lat="34,05")
    assert refused.status_code == 400
    commune = field_error(refused.text, "f-commune_code")
    assert "aucune commune ne correspond à" in commune and "vouliez-vous dire" in commune
    assert re.search(r'<button type="button" class="suggestion" data-fill="f-commune_code" '
                     r'value="Salé \(04.441.01.0\)">', refused.text)
    assert "longitude vont ensemble" in field_error(refused.text, "f-lon")  # same answer
    saved = submit(web.client, url, url, name="Antenne", commune_code="Salé (04.441.01.0)")
    assert saved.url.path == "/mon-organisation"
    sites = [s for s in web.store.entries("site", where={"organization_id":
                                                          web.association.org.id})
             if isinstance(s, Site) and s.name == "Antenne"]
    assert len(sites) == 1 and sites[0].commune_code == "04.441.01.0"


def test_an_association_cannot_add_to_another_organisation(web: Web) -> None:
    sign_in(web.client, "asso-other")
    url = new_service_url(web)
    assert web.client.get(url).status_code == 403


def test_closing_a_service_keeps_it_and_its_history_and_it_can_be_reopened(web: Web) -> None:
    sign_in(web.client, "asso")
    service = web.association.service
    closed = submit(web.client, "/mon-organisation", f"/services/{service.id}/statut")
    assert closed.url.path == "/mon-organisation"
    stored = web.store.get("service", service.id)
    assert isinstance(stored, Service) and stored.status == "inactive"
    assert stored.version == service.version + 1 and not stored.is_verified
    assert re.search(rf'id="entry-{service.id}" data-status="inactive"', closed.text)
    reopened = submit(web.client, "/mon-organisation", f"/services/{service.id}/statut")
    assert reopened.status_code == 200
    again = web.store.get("service", service.id)
    assert isinstance(again, Service) and again.status == "active"
    actions = [a.action for a in web.store.audit_trail(service.id)]
    assert actions.count("update") >= 2 and "delete" not in actions


def test_a_site_is_removed_only_once_no_service_is_delivered_there(web: Web) -> None:
    org, site = web.association.org, web.association.site
    service = web.association.service
    if site.id not in service.site_ids:
        service = web.store.update(dataclasses.replace(service, site_ids=(site.id,)),
                                   expected_version=service.version, actor="test")
    sign_in(web.client, "asso")
    refused = submit(web.client, "/mon-organisation", f"/lieux/{site.id}/retirer")
    assert web.store.get("site", site.id) is not None
    assert "Ce lieu accueille encore" in refused.text
    assert service.name in html.unescape(refused.text.split("Ce lieu accueille encore")[1])

    url = f"/organisations/{org.id}/lieux/nouveau"
    submit(web.client, url, url, name="Antenne fermée", commune_code="Salé (04.441.01.0)")
    [spare] = [s for s in web.store.entries("site", where={"organization_id": org.id})
               if isinstance(s, Site) and s.name == "Antenne fermée"]
    removed = submit(web.client, "/mon-organisation", f"/lieux/{spare.id}/retirer")
    assert "Lieu retiré." in removed.text and f"entry-{spare.id}" not in removed.text
    assert web.store.get("site", spare.id) is None
    assert [a.action for a in web.store.audit_trail(spare.id)][-1] == "delete"

    sign_in(web.client, "asso-other")
    foreign = web.client.post(f"/lieux/{site.id}/retirer",
                              data={"version": str(site.version)})
    assert foreign.status_code in (403, 400) and web.store.get("site", site.id) is not None


def test_a_channel_row_is_removed_by_ticking_its_box(web: Web) -> None:
    sign_in(web.client, "asso")
    service = web.association.service
    url = f"/services/{service.id}/modifier"
    rows = len(service.channels)
    two = {f"channels[{rows}].kind": "phone", f"channels[{rows}].value": "05 37 88 12 34",
           f"channels[{rows + 1}].kind": "email",  # a row added in the page
           f"channels[{rows + 1}].value": "contact@association.ma"}
    assert submit(web.client, url, url, **two).url.path == "/mon-organisation"
    added = web.store.get("service", service.id)
    assert isinstance(added, Service) and len(added.channels) == rows + 2
    page = web.client.get(url).text
    assert f'name="channels[{rows + 2}].value"' in page  # and one blank row to add another
    saved = submit(web.client, url, url, **{f"channels[{rows}].remove": "1"})
    assert saved.url.path == "/mon-organisation"
    stored = web.store.get("service", service.id)
    assert isinstance(stored, Service)
    assert stored.channels == (*service.channels, Channel(kind="email",
                                                          value="contact@association.ma"))


def test_a_number_is_checked_as_it_is_typed_by_the_rule_of_the_save(web: Web) -> None:
    sign_in(web.client, "asso")
    answer = web.client.get("/verifier-contact.json", params={
        "field": "channels[2].value", "kind": "phone", "value": "O537881234"}).json()
    assert answer["message"].startswith("Téléphone (moyen de contact 3) : ")
    assert "05 37 88 12 34" in answer["message"]
    good = web.client.get("/verifier-contact.json", params={
        "field": "channels[2].value", "kind": "phone", "value": "0537 88 12 34"}).json()
    assert good == {"message": ""}
