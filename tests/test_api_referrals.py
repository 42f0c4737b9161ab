"""Closed-loop referrals through the API: the loop, its refusals, its indicators, no free text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from api_support import gql, post, sign_in
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from graph_service import referrals
from graph_service.access import Principal
from graph_service.domain.errors import ValidationFailed
from graph_service.domain.referral import (
    ALLOWED,
    Referral,
    ReferralQuery,
    TransitionError,
    format_code,
    parse_code,
)
from graph_service.store import GraphStore

SENDER_ORG, SENDER_SVC = "org-amej-sale", "svc-amej-sale-veille"
RECEIVER_ORG, RECEIVER_SVC = "org-cape-sale", "svc-cape-sale-ecoute"
PROVINCE = "04.441"

SEND = """mutation($input: ReferralInput!) { sendReferral(input: $input) { __typename
    ... on ReferralPayload { referral { code status version deadline sentAt urgent
        fromService { id } toService { id } } }
    ... on ForbiddenError { reason } ... on ValidationError { fields { field message } } } }"""
UPDATE = """mutation($code: String!, $v: Int!, $s: ReferralStatus!, $r: ReferralReason) {
    updateReferral(code: $code, expectedVersion: $v, status: $s, reason: $r) { __typename
    ... on ReferralPayload { referral { status version reason respondedAt closedAt
        history { status actor fromStatus reason } } }
    ... on TransitionError { current allowed message }
    ... on VersionConflictError { currentVersion }
    ... on ForbiddenError { reason } ... on NotFoundError { id }
    ... on ValidationError { fields { field message } } } }"""
READ = """query($code: String!) { referral(code: $code) { __typename
    ... on Referral { code status version situations ageBand sex stage }
    ... on NotFoundError { id } ... on ValidationError { fields { field } } } }"""
INPUT = {"fromServiceId": SENDER_SVC, "toServiceId": RECEIVER_SVC, "stage": "prise_en_charge",
         "situations": ["negligence", "abandon_scolaire"], "ageBand": "age_12_14", "sex": "F"}


def store_of(client: TestClient) -> GraphStore:
    store: GraphStore = client.app.state.store  # type: ignore[attr-defined]
    return store


@pytest.fixture
def people(client: TestClient) -> dict[str, str]:
    """Tokens of the sender, the receiver, a stranger, the province's coordinator, an admin."""
    return {
        "sender": sign_in(client, "sara.amej", "association", organization=SENDER_ORG),
        "receiver": sign_in(client, "rachid.cape", "association", organization=RECEIVER_ORG),
        "stranger": sign_in(client, "omar.aiss", "association", organization="org-aiss"),
        "coordinator": sign_in(client, "coord.sale", "coordinator", province=PROVINCE),
        "other_coordinator": sign_in(client, "coord.agadir", "coordinator", province="09.001"),
        "admin": sign_in(client, "admin.x", "admin"),
    }


def send(client: TestClient, token: str, **changes: Any) -> dict[str, Any]:
    result: dict[str, Any] = gql(client, SEND, token, input={**INPUT, **changes})["sendReferral"]
    return result


def update(client: TestClient, token: str, code: str, version: int, status: str,
           reason: str | None = None) -> dict[str, Any]:
    result: dict[str, Any] = gql(client, UPDATE, token, code=code, v=version, s=status,
                                 r=reason)["updateReferral"]
    return result


def test_the_whole_loop_send_receive_by_code_accept_close(client: TestClient,
                                                          people: dict[str, str]) -> None:
    sent = send(client, people["sender"])
    assert sent["__typename"] == "ReferralPayload"
    referral = sent["referral"]
    assert referral["status"] == "sent" and referral["version"] == 1
    assert referral["fromService"] == {"id": SENDER_SVC}
    sent_at = datetime.fromisoformat(referral["sentAt"])
    assert datetime.fromisoformat(referral["deadline"]) - sent_at == timedelta(hours=72)

    typed = referral["code"].lower().replace("-", " ").replace("1", "l").replace("0", "o")
    read = gql(client, READ, people["receiver"], code=typed)["referral"]
    assert read == {"__typename": "Referral", "code": referral["code"], "status": "sent",
                    "version": 1, "situations": ["negligence", "abandon_scolaire"],
                    "ageBand": "age_12_14", "sex": "F", "stage": "prise_en_charge"}
    code = referral["code"]
    received = update(client, people["receiver"], code, 1, "received")
    accepted = update(client, people["receiver"], code, 2, "accepted")
    assert accepted["referral"]["respondedAt"] is not None
    update(client, people["receiver"], code, 3, "in_progress")
    closed = update(client, people["receiver"], code, 4, "completed")["referral"]
    assert received["referral"]["status"] == "received"
    assert closed["status"] == "completed" and closed["version"] == 5 and closed["closedAt"]
    assert [(h["status"], h["actor"], h["fromStatus"]) for h in closed["history"]] == [
        ("sent", "sara.amej", None), ("received", "rachid.cape", "sent"),
        ("accepted", "rachid.cape", "received"), ("in_progress", "rachid.cape", "accepted"),
        ("completed", "rachid.cape", "in_progress")]
    outgoing = gql(client, """{ referrals(direction: outgoing) {
        ... on ReferralConnection { totalCount nodes { code status } } } }""",
                   people["sender"])["referrals"]
    assert outgoing == {"totalCount": 1, "nodes": [{"code": code, "status": "completed"}]}
    incoming = gql(client, """{ referrals(direction: incoming) {
        ... on ReferralConnection { totalCount } } }""", people["sender"])["referrals"]
    assert incoming == {"totalCount": 0}


def test_decline_with_no_capacity_and_a_reason_is_required(client: TestClient,
                                                         people: dict[str, str]) -> None:
    code = send(client, people["sender"], urgent=True)["referral"]["code"]
    missing = update(client, people["receiver"], code, 1, "declined")
    assert missing["__typename"] == "ValidationError"
    assert missing["fields"][0]["field"] == "reason"
    declined = update(client, people["receiver"], code, 1, "declined", "no_capacity")
    assert declined["referral"]["status"] == "declined"
    assert declined["referral"]["reason"] == "no_capacity"
    stale = update(client, people["receiver"], code, 1, "accepted")
    assert stale == {"__typename": "VersionConflictError", "currentVersion": 2}


def test_urgent_referrals_are_due_in_24_hours_and_expire(client: TestClient,
                                                        people: dict[str, str]) -> None:
    urgent = send(client, people["sender"], urgent=True)["referral"]
    assert (datetime.fromisoformat(urgent["deadline"])
            - datetime.fromisoformat(urgent["sentAt"])) == timedelta(hours=24)
    later = datetime.now(UTC) + timedelta(hours=25)
    assert referrals.expire_overdue(store_of(client), later) == 1
    assert referrals.expire_overdue(store_of(client), later) == 0
    read = gql(client, READ, people["sender"], code=urgent["code"])["referral"]
    assert read["status"] == "expired"
    refused = update(client, people["receiver"], urgent["code"], read["version"], "accepted")
    assert refused["__typename"] == "TransitionError" and refused["allowed"] == []


@pytest.mark.parametrize("start", sorted(ALLOWED))
def test_every_forbidden_transition_is_refused_naming_the_allowed_ones(start: str) -> None:
    referral = Referral.send(
        code=format_code(1), from_service_id="a", to_service_id="b", from_organization_id="o",
        to_organization_id="p", stage="detection", situations=("negligence",),
        age_band="age_0_5", sex="M", urgent=False, sender="s", at="t0", deadline="t1")
    referral = _walk_to(referral, start)
    for target in set(ALLOWED) - set(ALLOWED[start]):
        reason = "other" if target in ("declined", "not_completed") else None
        with pytest.raises(TransitionError) as err:
            referral.moved_to(target, actor="x", at="t2", reason=reason)
        assert err.value.allowed == ALLOWED[start], (start, target)


def _walk_to(referral: Referral, status: str) -> Referral:
    """The referral moved along the shortest path from ``sent`` to ``status``."""
    paths = {"sent": [], "received": ["received"], "accepted": ["accepted"],
             "declined": ["declined"], "in_progress": ["accepted", "in_progress"],
             "completed": ["accepted", "completed"],
             "not_completed": ["accepted", "not_completed"], "cancelled": ["cancelled"],
             "expired": ["expired"]}
    for step in paths[status]:
        reason = "other" if step in ("declined", "not_completed") else None
        referral = referral.moved_to(step, actor="x", at="t1", reason=reason)
    assert referral.status == status
    return referral


def test_foreign_organisations_and_the_public_are_refused(client: TestClient,
                                                         people: dict[str, str]) -> None:
    code = send(client, people["sender"])["referral"]["code"]
    assert send(client, people["stranger"])["__typename"] == "ForbiddenError"
    assert send(client, people["receiver"])["__typename"] == "ForbiddenError"
    anonymous = post(client, SEND, None, input=INPUT)["data"]["sendReferral"]
    assert anonymous["__typename"] == "ForbiddenError"
    for who in ("stranger", "other_coordinator"):
        assert gql(client, READ, people[who], code=code)["referral"]["__typename"] == (
            "NotFoundError")
        assert update(client, people[who], code, 1, "accepted")["__typename"] == "NotFoundError"
        assert gql(client, "{ referrals { ... on ReferralConnection { totalCount } } }",
                   people[who])["referrals"] == {
            "totalCount": 0}
    assert gql(client, READ, None, code=code)["referral"]["__typename"] == "ForbiddenError"
    assert gql(client, "{ referrals { __typename } }")["referrals"] == {
        "__typename": "SignInRequired"}
    # each side only its own moves: the sender cannot accept, the receiver cannot cancel
    assert update(client, people["sender"], code, 1, "accepted")["__typename"] == "ForbiddenError"
    assert update(client, people["receiver"], code, 1, "cancelled")["__typename"] == (
        "ForbiddenError")
    assert update(client, people["admin"], code, 1, "expired")["__typename"] == "ForbiddenError"
    assert update(client, people["sender"], code, 1, "cancelled")["referral"]["status"] == (
        "cancelled")
    # the province's coordinator sees it, and the indicators; others do not
    assert gql(client, READ, people["coordinator"], code=code)["referral"]["status"] == (
        "cancelled")
    indicators = "query($p: String!) { referralIndicators(province: $p) { __typename } }"
    for who, expected in (("coordinator", "ReferralIndicators"),
                          ("other_coordinator", "ForbiddenError"),
                          ("receiver", "ForbiddenError"), ("admin", "ReferralIndicators")):
        got = gql(client, indicators, people[who], p=PROVINCE)["referralIndicators"]
        assert got["__typename"] == expected, who


def test_indicators_match_hand_computed_figures(client: TestClient,
                                                people: dict[str, str]) -> None:
    """Five referrals on one link: accepted+completed in 2 h, accepted+not_completed in 4 h,
    declined no_capacity in 6 h, declined not_eligible in 10 h, one left to expire."""
    store = store_of(client)
    start = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    sender = Principal("sara.amej", "association", SENDER_ORG)
    receiver = Principal("rachid.cape", "association", RECEIVER_ORG)
    request = referrals.ReferralRequest(
        from_service_id=SENDER_SVC, to_service_id=RECEIVER_SVC, stage="evaluation",
        situations=("negligence",), age_band="age_6_11", sex="M")
    plans = [(2, [("accepted", None), ("completed", None)]),
             (4, [("accepted", None), ("not_completed", "unreachable")]),
             (6, [("declined", "no_capacity")]), (10, [("declined", "not_eligible")]),
             (0, [])]
    for hours, steps in plans:
        r = referrals.send(store, sender, request, now=start)
        for status, reason in steps:
            r = referrals.transition(store, receiver, r.code, r.version, status, reason,
                                     now=start + timedelta(hours=hours))
    referrals.expire_overdue(store, start + timedelta(days=4))
    figures = gql(client, """query($p: String!) { referralIndicators(province: $p) {
        ... on ReferralIndicators { sent received accepted declined completed notCompleted
          expired cancelled acceptanceRate closureRate medianHoursToAnswer
          byReason { reason count }
          byLink { fromService { id } toService { id } sent acceptanceRate } } } }""",
                  people["coordinator"], p=PROVINCE)["referralIndicators"]
    assert figures == {
        "sent": 5, "received": 4, "accepted": 2, "declined": 2, "completed": 1,
        "notCompleted": 1, "expired": 1, "cancelled": 0, "acceptanceRate": 0.5,
        "closureRate": 0.4, "medianHoursToAnswer": 5.0,
        "byReason": [{"reason": "no_capacity", "count": 1}, {"reason": "not_eligible", "count": 1},
                     {"reason": "not_competent", "count": 0},
                     {"reason": "unreachable", "count": 0}, {"reason": "other", "count": 0}],
        "byLink": [{"fromService": {"id": SENDER_SVC}, "toService": {"id": RECEIVER_SVC},
                    "sent": 5, "acceptanceRate": 0.5}]}
    # retention keeps the counts, not the answer times
    assert referrals.retire_old(store, 730, start + timedelta(days=731)) == 5
    after = referrals.indicators(store, Principal("a", "admin"), PROVINCE)
    assert (after.sent, after.accepted, after.expired, after.closure_rate) == (5, 2, 1, 0.4)
    assert after.median_hours_to_answer is None and store.referrals(
        ReferralQuery()) == []


def test_a_referral_write_leaves_the_directory_revision(client: TestClient,
                                                       people: dict[str, str]) -> None:
    revision = store_of(client).revision()
    code = send(client, people["sender"])["referral"]["code"]
    update(client, people["receiver"], code, 1, "accepted")
    assert store_of(client).revision() == revision


# --- no field can hold free text ----------------------------------------------------------

_TEXT = st.text(min_size=1, max_size=40)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stage=_TEXT, situation=_TEXT, age_band=_TEXT, sex=_TEXT, reason=_TEXT)
def test_no_referral_field_accepts_text_outside_its_vocabulary(
        stage: str, situation: str, age_band: str, sex: str, reason: str) -> None:
    """Whatever a person types into any field, only codes of the vocabularies get stored."""
    from graph_service.domain.taxonomy import (
        AGE_BANDS,
        REFERRAL_REASONS,
        SEXES,
        SITUATIONS,
        STAGES,
    )

    kwargs: dict[str, Any] = dict(
        code=format_code(7), from_service_id="a", to_service_id="b", from_organization_id="o",
        to_organization_id="p", urgent=False, sender="s", at="t0", deadline="t1")
    try:
        referral = Referral.send(stage=stage, situations=(situation,), age_band=age_band,
                                 sex=sex, **kwargs)
    except ValidationFailed:
        assert not (stage in STAGES and situation in SITUATIONS and age_band in AGE_BANDS
                    and sex in SEXES)
    else:
        assert (referral.stage, referral.situations, referral.age_band, referral.sex) == (
            stage, (situation,), age_band, sex)
        assert stage in STAGES and situation in SITUATIONS
        assert age_band in AGE_BANDS and sex in SEXES
        try:
            declined = referral.decline(reason, actor="x", at="t1")
        except ValidationFailed:
            assert reason not in REFERRAL_REASONS
        else:
            assert declined.reason in REFERRAL_REASONS


def test_the_api_schema_offers_no_free_text_input_for_a_referral(client: TestClient) -> None:
    """Every input of a referral is an enum, a boolean, a service id or the code."""
    fields = gql(client, """{ __type(name: "ReferralInput") { inputFields { name
        type { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } }""")[
        "__type"]["inputFields"]

    def leaf(t: dict[str, Any]) -> tuple[str, str]:
        while t.get("ofType"):
            t = t["ofType"]
        return t["kind"], t["name"]

    kinds = {f["name"]: leaf(f["type"]) for f in fields}
    assert kinds == {"fromServiceId": ("SCALAR", "ID"), "toServiceId": ("SCALAR", "ID"),
                     "stage": ("ENUM", "Stage"), "situations": ("ENUM", "Situation"),
                     "ageBand": ("ENUM", "AgeBand"), "sex": ("ENUM", "Sex"),
                     "urgent": ("SCALAR", "Boolean")}


@given(st.integers(min_value=0, max_value=2**40 - 1))
def test_codes_read_back_leniently_and_a_typo_is_caught(value: int) -> None:
    code = format_code(value)
    assert parse_code(code.lower().replace("-", " ")) == code
    typo = code[:1] + ("0" if code[1] != "0" else "1") + code[2:]
    with pytest.raises(ValidationFailed):
        parse_code(typo)
