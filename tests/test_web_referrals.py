"""Orientations on the pages: send from a plan, the fiche, receive by code elsewhere, answer,
and the coordinator's desk."""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Callable

import pytest
from app_client import AppClient
from starlette.testclient import TestClient
from web_support import PLAIN_HTTP, add_user, form_of, forms_of, sign_in, submit

from graph_service.domain.entities import Service
from graph_service.store import GraphStore

SENDER_ORG, RECEIVER_ORG, PROVINCE = "org-amej-sale", "org-cape-sale", "04.441"
SITUATION = {"commune": "Salé (04.441.01.0)", "age": "13", "sex": "F",
             "situation": "negligence"}


@pytest.fixture
def sender(make_client: Callable[..., TestClient]) -> TestClient:
    client = make_client(**PLAIN_HTTP)
    store: GraphStore = client.app.state.store  # type: ignore[attr-defined]
    add_user(store, "sara", "association", organization_id=SENDER_ORG)
    add_user(store, "rachid", "association", organization_id=RECEIVER_ORG)
    add_user(store, "omar", "association", organization_id="org-aiss")
    add_user(store, "coord", "coordinator", province_code=PROVINCE)
    sign_in(client, "sara")
    return client


def other_session(client: TestClient, username: str) -> TestClient:
    """Another browser on the same running app, signed in as ``username``."""
    other = AppClient(client.app)
    sign_in(other, username)
    return other


def send_from_plan(client: TestClient) -> str:
    """Orient, then send to the first proposed service of another organisation; the code."""
    plan = submit(client, "/orienter", "/orienter", **SITUATION)
    store: GraphStore = client.app.state.store  # type: ignore[attr-defined]
    forms = [f for f in forms_of(plan.text) if f.action == "/orientations/envoyer"]
    assert forms, "the plan offers no 'Envoyer l'orientation'"
    chosen = next(f for f in forms if isinstance(
        s := store.get("service", f.get("to_service_id") or ""), Service)
        and s.organization_id == RECEIVER_ORG)
    fiche = client.post("/orientations/envoyer", data=chosen.values())
    assert fiche.status_code == 200 and "/fiche" in str(fiche.url)
    match = re.search(r'id="fiche-code">([0-9A-Z*~$=-]+)<', fiche.text)
    assert match is not None
    return match.group(1)


def test_send_print_receive_by_code_accept_close(sender: TestClient) -> None:
    code = send_from_plan(sender)
    fiche = sender.get(f"/orientations/{code}/fiche")
    text = html.unescape(fiche.text)
    assert "<svg" in fiche.text and code in text
    assert "Fiche de liaison" in text and "بطاقة الربط" not in text  # the page's language
    for blank in ("fiche_child", "fiche_birth", "fiche_guardian", "fiche_pv", "fiche_consent"):
        assert f'data-blank="{blank}"' in fiche.text
    assert 'id="return-slip"' in fiche.text and "Négligence" in text and "12 à 14 ans" in text
    pdf = sender.get(f"/orientations/{code}/fiche.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["cache-control"] == "no-store"
    assert pdf.content.startswith(b"%PDF-") and b"DejaVuSans" in pdf.content
    store: GraphStore = sender.app.state.store  # type: ignore[attr-defined]
    stored = store.get_referral(code)
    assert stored is not None
    assert (stored.situations, stored.age_band, stored.sex) == (("negligence",), "age_12_14", "F")

    receiver = other_session(sender, "rachid")
    page = submit(receiver, "/orientations", "/orientations/code",
                  code=code.lower().replace("-", ""))
    assert page.status_code == 200 and f"/orientations/{code}" in str(page.url)
    assert 'data-status="received"' in page.text
    accepted = receiver.post(f"/orientations/{code}",
                             data=form_of_action(page.text, "accepted"))
    assert 'data-status="accepted"' in accepted.text and "Orientation mise à jour" in accepted.text
    closed = receiver.post(f"/orientations/{code}", data=form_of_action(accepted.text,
                                                                        "completed"))
    assert 'data-status="completed"' in closed.text
    listing = sender.get("/orientations").text
    assert f'data-code="{code}" data-status="completed"' in listing


def form_of_action(page: str, status: str) -> dict[str, list[str]]:
    """The fields of the page's button form for ``status``."""
    return next(f for f in forms_of(page) if f.get("status") == status).values()


def test_decline_needs_its_reason_named_and_no_capacity_is_kept(sender: TestClient) -> None:
    code = send_from_plan(sender)
    receiver = other_session(sender, "rachid")
    page = receiver.get(f"/orientations/{code}")
    missing = receiver.post(f"/orientations/{code}", data=form_of_action(page.text, "declined"))
    assert missing.status_code == 400 and "Motif : est obligatoire" in html.unescape(
        missing.text)
    declined = receiver.post(f"/orientations/{code}", data={
        **form_of_action(page.text, "declined"), "reason": ["no_capacity"]})
    assert 'data-status="declined"' in declined.text
    assert "Pas de place disponible" in html.unescape(declined.text)


def test_strangers_cannot_open_or_answer_and_the_sender_cannot_accept(sender: TestClient) -> None:
    code = send_from_plan(sender)
    stranger = other_session(sender, "omar")
    assert stranger.get(f"/orientations/{code}").status_code == 404
    assert stranger.get(f"/orientations/{code}/fiche.pdf").status_code == 404
    assert "/connexion" in str(AppClient(sender.app).get(f"/orientations/{code}/fiche.pdf").url)
    refused = submit(stranger, "/orientations", "/orientations/code", code=code)
    assert refused.status_code == 404
    own = sender.get(f"/orientations/{code}").text
    assert [f.get("status") for f in forms_of(own) if f.get("status")] == ["cancelled"]
    csrf = form_of(own, f"/orientations/{code}").get("csrf") or ""
    forced = sender.post(f"/orientations/{code}", data={"csrf": csrf, "version": "1",
                                                        "status": "accepted"})
    assert forced.status_code == 403
    anonymous = AppClient(sender.app)
    assert "/connexion" in str(anonymous.get("/orientations").url)


def test_a_bad_code_is_named_by_its_label(sender: TestClient) -> None:
    page = submit(sender, "/orientations", "/orientations/code", code="ABCD-EFGH-Z")
    assert page.status_code == 400
    assert "Code d'orientation : n'est pas un code d'orientation valide" in html.unescape(
        page.text)


def test_the_coordinators_desk_shows_overdue_referrals_indicators_and_csv(
        sender: TestClient) -> None:
    code = send_from_plan(sender)
    coordinator = other_session(sender, "coord")
    desk = coordinator.get("/coordination/orientations")
    assert desk.status_code == 200 and 'id="funnel"' in desk.text
    assert '<tr data-figure="sent"><th scope="row">Envoyées</th><td>1</td></tr>' in desk.text
    rows = list(csv.reader(io.StringIO(coordinator.get(
        f"/coordination/orientations.csv?province={PROVINCE}").text.lstrip("\ufeff"))))
    assert rows[0][:3] == ["from_service_id", "to_service_id", "sent"]
    assert rows[1][:3] == ["*", "*", "1"]
    assert code not in desk.text  # not overdue yet
    assert other_session(sender, "rachid").get("/coordination/orientations").status_code == 403


def test_the_orientations_page_in_arabic(sender: TestClient) -> None:
    code = send_from_plan(sender)
    submit(sender, "/orientations", "/langue", lang="ar")
    page = html.unescape(sender.get("/orientations").text)
    assert 'dir="rtl"' in page and "استقبلت طفلا يحمل الرمز" in page
    assert "المرسلة من مؤسستي (1)" in page and code in page
    refused = submit(sender, "/orientations", "/orientations/code", code="nope")
    assert "رمز التوجيه :" in html.unescape(refused.text)
