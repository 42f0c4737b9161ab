"""Orienter un enfant: the form, the plan it renders, the referral sheet; nothing kept."""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Callable
from urllib.parse import urlsplit

import pytest
from orientation_support import BEYOND, OUT_OF_AREA, close_competent_reporting
from starlette.testclient import TestClient
from web_support import CHILD, Web, form_of, open_web, submit, urls_of

from graph_service.domain.eligibility import Need
from graph_service.orientation import Request, Where, orient
from graph_service.search import IndexCache
from graph_service.web.orientation import FIELDS
from graph_service.web.session import SESSION_COOKIE

SITUATION = {"commune": "Salé (04.441.01.0)", "age": "12", "sex": "F",
             "situation": "violence_sexuelle", "urgent": "1"}


@pytest.fixture
def web(make_client: Callable[..., TestClient]) -> Web:
    return open_web(make_client)


def expected_plan(web: Web):  # type: ignore[no-untyped-def]
    snapshot = IndexCache(web.store).get().snapshot
    need = Need(situations=("violence_sexuelle",), age=12, sex="F", urgent=True)
    return orient(snapshot, Request(need, Where(commune="04.441.01.0")))


def test_the_plan_page_renders_orientations_plan_stage_by_stage(web: Web) -> None:
    page = submit(web.client, "/orienter", "/orienter", **SITUATION)
    assert page.status_code == 200
    plan = expected_plan(web)
    stages = re.findall(r'<li class="stage[^"]*" data-stage="([^"]+)"', page.text)
    assert stages == [s.stage for s in plan.stages]
    assert stages[0] == "urgence"
    text = html.unescape(page.text)
    for stage in plan.stages:
        if stage.service is not None:
            assert stage.service.name in text and stage.service.organization.name in text
        if stage.skipped:
            assert stage.skipped in text
    for gap in plan.gaps:
        assert gap.reason in text


def test_no_url_of_the_plan_carries_the_childs_situation(web: Web) -> None:
    plan = submit(web.client, "/orienter", "/orienter", **SITUATION)
    sheet = web.client.post("/orienter/fiche", data=form_of(plan.text, "/orienter/fiche").values())
    route_map = web.client.post("/maps/route", data=form_of(plan.text, "/maps/route").values())
    for page in (plan, sheet, route_map):
        assert page.status_code == 200
        urls = urls_of(page.text)
        assert urls
        for url in urls:
            assert not CHILD.search(url), url
            assert "violence_sexuelle" not in url and "12" not in urlsplit(url).query, url
    assert 'src="/maps/route' not in plan.text  # the map is posted into its frame


def test_the_route_map_is_the_same_question_posted_to_the_map_page(web: Web) -> None:
    page = submit(web.client, "/orienter", "/orienter", **SITUATION)
    form = form_of(page.text, "/maps/route")
    assert form.get("commune") == "04.441.01.0"
    assert form.get("situation") == "violence_sexuelle" and form.get("age") == "12"
    route_map = web.client.post("/maps/route", data=form.values())
    assert route_map.status_code == 200 and "leaflet" in route_map.text.lower()
    assert route_map.headers["cache-control"] == "no-store"
    assert web.client.get("/maps/route", params={"commune": "04.441.01.0"}).status_code == 405


def test_refused_inputs_are_named_next_to_their_inputs(web: Web) -> None:
    page = submit(web.client, "/orienter", "/orienter", commune="Salé", age="20",
                  situation=[])
    assert page.status_code == 400
    assert re.search(r'id="f-age-error">[^<]*20', page.text)
    assert 'id="f-situations-error"' in page.text
    unknown = submit(web.client, "/orienter", "/orienter", **{**SITUATION, "commune": "Sallé"})
    assert unknown.status_code == 400
    error = re.search(r'id="f-commune-error">([^<]+)<', unknown.text)
    assert error and "Salé" in html.unescape(error.group(1))  # the closest name suggested


def test_a_commune_typed_without_the_list_is_found(web: Web) -> None:
    page = submit(web.client, "/orienter", "/orienter", **{**SITUATION, "commune": "sale"})
    assert page.status_code == 200
    assert "Salé, Salé" in html.unescape(page.text)


def test_the_referral_sheet_lists_each_step_and_leaves_the_child_to_be_written_by_hand(
    web: Web,
) -> None:
    plan_page = submit(web.client, "/orienter", "/orienter", **SITUATION).text
    sheet_form = form_of(plan_page, "/orienter/fiche")
    assert {name for name, _ in sheet_form.fields} <= {"csrf", *FIELDS}  # a situation only
    sheet = web.client.post("/orienter/fiche", data=sheet_form.values())
    assert sheet.status_code == 200
    text = html.unescape(sheet.text)
    plan = expected_plan(web)
    steps = re.findall(r'<li class="sheet-step" data-stage="([^"]+)"', sheet.text)
    assert steps == [s.stage for s in plan.stages if s.service is not None and not s.skipped]
    for stage in plan.stages:
        if stage.service is not None and not stage.skipped:
            assert stage.service.name in text
            for document in stage.service.documents:
                assert document in text
            if stage.service.address and not stage.service.confidential:
                assert stage.service.address in text
    blanks = re.findall(r'data-blank="([^"]+)"', sheet.text)
    assert {"sheet_name", "sheet_birth", "sheet_guardian"} <= set(blanks)
    handwritten = sheet.text.split('class="handwritten"')[1].split("</section>")[0]
    assert "<input" not in handwritten and "<textarea" not in handwritten


def test_orienting_stores_nothing_about_the_situation(web: Web) -> None:
    revision = web.store.revision()
    trail = web.store.audit_trail(limit=100_000)
    submit(web.client, "/orienter", "/orienter", **SITUATION)
    assert web.store.revision() == revision
    assert web.store.audit_trail(limit=100_000) == trail
    payload = web.client.cookies[SESSION_COOKIE].split(".")[0]
    session = base64.b64decode(payload + "=" * (-len(payload) % 4)).decode()
    assert "violence" not in session and "04.441" not in session


def stage_block(page: str, stage: str) -> str:
    return page.split(f'data-stage="{stage}">')[1].split("</li>\n")[0]


def test_an_urgent_plan_starts_with_the_emergency_numbers_to_call(web: Web) -> None:
    page = submit(web.client, "/orienter", "/orienter", **SITUATION).text
    numbers = page.split('id="emergency-numbers"')[1].split("</section>")[0]
    assert re.findall(r'<a href="tel:(\d+)"', numbers) == ["19", "177", "15"]
    assert page.index('id="emergency-numbers"') < page.index('id="plan-stages"')
    calm = submit(web.client, "/orienter", "/orienter", **{**SITUATION, "urgent": []}).text
    assert 'id="emergency-numbers"' not in calm


def test_each_proposed_service_says_if_it_is_competent_out_of_area_or_to_be_verified(
    web: Web,
) -> None:
    plan = expected_plan(web)
    page = submit(web.client, "/orienter", "/orienter", **SITUATION).text
    for stage in plan.stages:
        for choice in filter(None, (stage.service, *stage.alternatives)):
            card = page.split(f'data-service="{choice.id}"')[1].split("</h4>")[0]
            assert ('data-badge="competent"' in card) == bool(choice.competent), choice.id
            assert ('data-badge="out_of_area"' in card) == choice.out_of_area, choice.id
            assert ('data-badge="unverified">à vérifier<' in card) == (not choice.verified)
    reporting = stage_block(page, "signalement")
    assert 'data-badge="competent">compétent<' in reporting

    elsewhere = submit(web.client, "/orienter", "/orienter", **OUT_OF_AREA, urgent=[]).text
    assert 'data-badge="out_of_area">hors zone<' in stage_block(elsewhere, "detection")


def close_reporting(web: Web) -> None:
    """:func:`close_competent_reporting` in the served process: as a writer, it waits until
    the app's snapshot holds its writes."""
    close_competent_reporting(web.store)
    web.client.app.state.snapshots.catch_up()  # type: ignore[attr-defined]


def test_a_missing_competent_authority_is_named_on_the_plan_and_the_sheet(web: Web) -> None:
    close_reporting(web)
    page = submit(web.client, "/orienter", "/orienter", **SITUATION).text
    reporting = html.unescape(stage_block(page, "signalement"))
    assert 'data-gap="competent_missing">Service compétent non recensé<' in reporting
    assert "Institution compétente : le parquet (procureur du Roi)" in reporting
    assert 'class="choice"' not in reporting  # nothing from another jurisdiction
    sheet = web.client.post("/orienter/fiche", data=form_of(page, "/orienter/fiche").values())
    step = html.unescape(sheet.text.split('<li class="sheet-gap" data-stage="signalement">')[1])
    assert "Service compétent non recensé" in step.split("</li>")[0]


def test_beyond_the_distance_the_nearest_is_information_not_a_recommendation(web: Web) -> None:
    page = submit(web.client, "/orienter", "/orienter", **BEYOND, urgent=[]).text
    detection = html.unescape(stage_block(page, "detection"))
    assert 'class="choice"' not in detection
    assert 'data-gap="beyond_max_km">Aucun service à distance raisonnable<' in detection
    assert re.search(r'class="for-information">Pour information, pas une recommandation : .+, '
                     r"à [0-9.]+ km<", detection)


def test_an_arabic_plan_shows_competence_in_arabic(web: Web) -> None:
    submit(web.client, "/", "/langue", lang="ar")
    close_reporting(web)
    page = html.unescape(submit(web.client, "/orienter", "/orienter", **SITUATION).text)
    assert 'data-badge="unverified">في انتظار التحقق<' in page
    assert 'data-badge="competent">مختص<' in page  # the juge des mineurs, among the alternatives
    assert "أرقام الطوارئ" in page.split('id="emergency-numbers"')[1].split("</h2>")[0]
    assert "الدرك الملكي في العالم القروي" in page  # the numbers' labels too
    reporting = stage_block(page, "signalement")
    assert 'data-gap="competent_missing">المصلحة المختصة غير مدرجة في الدليل<' in reporting
    assert "المؤسسة المختصة: النيابة العامة لدى المحكمة الابتدائية" in reporting
    elsewhere = html.unescape(submit(web.client, "/orienter", "/orienter", **OUT_OF_AREA,
                                     urgent=[]).text)
    assert 'data-badge="out_of_area">خارج المنطقة<' in elsewhere
