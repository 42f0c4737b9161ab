"""How a service is reached: numbers to tap, open now or not, and what to call when nothing is
given — the one rule every page, popup and the CLI show."""

from __future__ import annotations

import dataclasses
import html
import re
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from starlette.testclient import TestClient
from web_support import Web, open_web, submit

from graph_service.domain.entities import Channel, Hours, Service
from graph_service.domain.errors import ValidationFailed
from graph_service.domain.validation import normalize_phone
from graph_service.editing import Editor
from graph_service.maps.popups import place_popup
from graph_service.reachability import format_phone, open_state, reachability
from graph_service.search import IndexCache
from graph_service.store import GraphStore

CASABLANCA = ZoneInfo("Africa/Casablanca")
WEEKDAYS = (Hours(byday="MO,TU,WE,TH,FR", opens_at="08:30", closes_at="16:30"),)
FICTIONAL = "+212522000001"
"""A fixed line of the Casablanca plan, not anyone's."""


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=CASABLANCA)


def test_a_moroccan_number_reads_in_pairs_and_dials_in_e164() -> None:
    assert format_phone(FICTIONAL) == ("tel:+212522000001", "05 22 00 00 01")
    assert format_phone("+212661000000") == ("tel:+212661000000", "06 61 00 00 00")
    assert format_phone("19") == ("tel:19", "19")
    assert format_phone("+33140000000")[1] == "+33 1 40 00 00 00"


def test_a_letter_o_in_a_number_is_refused_with_an_example() -> None:
    with pytest.raises(ValueError) as refused:
        normalize_phone("O537881234")
    message = str(refused.value)
    assert "lettre O" in message and "05 37 88 12 34" in message
    assert normalize_phone("05 37 88 12 34") == "+212537881234"


def test_open_now_follows_the_weekly_hours_in_moroccos_time() -> None:
    assert open_state(WEEKDAYS, at("2025-03-04 10:00")).text() == \
        "ouvert maintenant — ferme à 16:30"
    assert open_state(WEEKDAYS, at("2025-03-04 07:00")).text() == "fermé — ouvre à 08:30"
    assert open_state(WEEKDAYS, at("2025-03-04 17:00")).text() == \
        "fermé — ouvre demain à 08:30"
    assert open_state(WEEKDAYS, at("2025-03-08 12:00")).text() == "fermé — ouvre lun. à 08:30"
    assert open_state(WEEKDAYS, at("2025-03-08 12:00")).text("ar") == \
        "مغلق — يفتح يوم الاثنين على الساعة 08:30"
    assert open_state((), at("2025-03-04 10:00")).state == "unknown"
    assert open_state((), at("2025-03-04 10:00"), always=True).state == "always"


def test_open_now_reads_a_utc_moment_as_casablancas_local_hour() -> None:
    """08:00 UTC is 09:00 in Casablanca (UTC+1) in March 2025, but 08:00 during Ramadan
    (UTC+0, from 23 February to 6 April 2025): only the tz database knows it."""
    utc = ZoneInfo("UTC")
    assert open_state(WEEKDAYS, datetime(2025, 5, 6, 7, 45, tzinfo=utc)).state == "open"
    assert open_state(WEEKDAYS, datetime(2025, 3, 4, 8, 15, tzinfo=utc)).state == "closed"


def _service(store: GraphStore, predicate: Callable[[Service], bool]) -> Service:
    return next(s for s in store.entries("service", limit=10_000)
                if isinstance(s, Service) and predicate(s))


def test_a_service_without_a_number_falls_back_to_its_organisation_then_national_numbers(
        seeded_store: GraphStore) -> None:
    snap = IndexCache(seeded_store).get().snapshot
    bare = dataclasses.replace(_service(seeded_store, lambda s: not s.channels),
                               hours=(), documents=(), emergency_24_7=False, schedule_note="")
    org = snap.organizations[bare.organization_id]
    reach = reachability(snap, bare, at=at("2025-03-04 10:00"))
    assert {"phone", "hours", "documents"} <= reach.missing
    sources = [d.source for d in reach.fallback]
    if any(c.kind in ("phone", "mobile", "hotline") for c in org.channels):
        assert "national" not in sources
    else:
        assert [d.text for d in reach.fallback if d.source == "national"] == ["19", "177", "15"]
    given = dataclasses.replace(bare, channels=(Channel(kind="phone", value=FICTIONAL),),
                                hours=WEEKDAYS)
    reach = reachability(snap, given, at=at("2025-03-04 10:00"))
    assert [(d.href, d.text) for d in reach.channels] == [
        ("tel:+212522000001", "05 22 00 00 01")]
    assert reach.fallback == () and "phone" not in reach.missing
    assert reach.open_now.state == "open"


def test_a_channel_is_named_in_the_readers_language(seeded_store: GraphStore) -> None:
    """A national number by its name, any other channel by its kind, in French or Arabic; the
    label an entry typed is data, shown beside, never in place of the kind."""
    snap = IndexCache(seeded_store).get().snapshot
    bare = dataclasses.replace(_service(seeded_store, lambda s: not s.channels), channels=())
    national = reachability(snap, dataclasses.replace(
        bare, organization_id=next(o.id for o in snap.organizations.values()
                                   if not o.channels))).fallback
    assert [(d.named("fr"), d.named("ar"), d.own_label) for d in national][:2] == [
        ("Police (Sûreté nationale), en ville", "الشرطة (الأمن الوطني) في المدن", ""),
        ("Gendarmerie royale, en milieu rural", "الدرك الملكي في العالم القروي", "")]
    labelled = reachability(snap, dataclasses.replace(bare, channels=(
        Channel(kind="hotline", value="177", label="Gendarmerie royale"),))).channels[0]
    assert (labelled.named("fr"), labelled.named("ar"), labelled.own_label) == (
        "Numéro vert", "الرقم الأخضر", "Gendarmerie royale")


def test_a_shelter_gives_no_address(seeded_store: GraphStore) -> None:
    snap = IndexCache(seeded_store).get().snapshot
    shelter = next(s for s in snap.sites.values() if s.confidential)
    service = _service(seeded_store, lambda s: shelter.id in s.site_ids)
    reach = reachability(snap, service, shelter)
    assert reach.confidential and reach.address == "" and "address" not in reach.missing


@pytest.fixture
def web(make_client: Callable[..., TestClient]) -> Web:
    return open_web(make_client)


def _give_a_number(web: Web) -> Service:
    service = _service(web.store, lambda s: s.organization_id == web.association.org.id)
    given = dataclasses.replace(service, channels=(Channel(kind="phone", value=FICTIONAL),),
                                hours=WEEKDAYS)
    stored = web.store.update(given, expected_version=service.version, actor="test")
    assert isinstance(stored, Service)
    return stored


def test_every_service_of_a_plan_has_a_number_to_tap_or_says_non_renseigne(web: Web) -> None:
    page = submit(web.client, "/orienter", "/orienter", commune="Salé (04.441.01.0)", age="12",
                  sex="F", situation="violence_sexuelle")
    assert page.status_code == 200
    blocks = re.findall(r'<dl class="reach" data-reach="[^"]+">(.*?)</dl>', page.text, re.S)
    assert blocks
    for block in blocks:
        channels = re.search(r'class="reach-channels">(.*?)</dd>', block, re.S)
        assert channels is not None
        shown = channels.group(1)
        assert 'href="tel:' in shown  # always a number to tap: the service's or a fallback
        assert 'data-source="service"' in shown or 'data-missing="phone"' in shown
        assert re.search(r'data-open="(always|open|closed|unknown)"', block)


def test_the_organisation_page_shows_the_number_in_reading_form_and_open_now(web: Web) -> None:
    service = _give_a_number(web)
    page = web.client.get(f"/organisations/{service.organization_id}")
    block = re.search(rf'data-reach="{re.escape(service.id)}">(.*?)</dl>', page.text, re.S)
    assert block is not None
    text = html.unescape(block.group(1))
    assert '<a href="tel:+212522000001" dir="ltr" class="dial"><bdi>05 22 00 00 01</bdi></a>' \
        in text
    assert re.search(r"(ouvert maintenant — ferme à 16:30|fermé — ouvre .*08:30)", text)


def test_a_letter_o_typed_in_a_phone_form_is_refused_by_label(web: Web) -> None:
    service = _give_a_number(web)
    editor = Editor(web.store)
    bad = dataclasses.replace(service, channels=(Channel(kind="phone", value="O522000001"),))
    with pytest.raises(ValidationFailed) as refused:
        editor.validate(bad)
    assert any("lettre O" in e.message and e.message_ar for e in refused.value.errors)


def test_a_map_popup_shows_the_number_to_tap_or_non_renseigne_and_the_fallback(
        seeded_store: GraphStore) -> None:
    snap = IndexCache(seeded_store).get().snapshot
    bare = dataclasses.replace(_service(seeded_store, lambda s: not s.channels), hours=())
    org = snap.organizations[bare.organization_id]
    popup = place_popup(snap, org, [bare], site=None, commune=None)
    assert "non renseigné — à défaut" in popup and 'href="tel:' in popup
    given = dataclasses.replace(bare, channels=(Channel(kind="phone", value=FICTIONAL),),
                                hours=WEEKDAYS)
    popup = place_popup(snap, org, [given], site=None, commune=None)
    assert '<a href="tel:+212522000001"><bdi dir="ltr">05 22 00 00 01</bdi></a>' in popup
    assert "à défaut" not in popup and '<bdi dir="ltr">08:30–16:30</bdi>' in popup
